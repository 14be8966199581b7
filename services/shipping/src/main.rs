use std::process::ExitCode;

use commerce_telemetry::{self as telemetry, GrpcServerMetrics};
use shipping::server::{self, Config};
use tracing::error;

#[tokio::main]
async fn main() -> ExitCode {
    let lookup = |key: &str| std::env::var(key).ok().filter(|value| !value.is_empty());
    let config = match Config::from_lookup(&lookup) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("shipping: {err}");
            return ExitCode::from(2);
        }
    };
    let telemetry = match telemetry::init(&config.telemetry) {
        Ok(telemetry) => telemetry,
        Err(err) => {
            eprintln!("shipping: telemetry setup failed: {err}");
            return ExitCode::FAILURE;
        }
    };
    let metrics = GrpcServerMetrics::new(&telemetry.meter(env!("CARGO_PKG_NAME")));
    let result = server::serve(&config, metrics, shutdown_signal()).await;
    if let Err(err) = &result {
        error!(error = %err, "server failed");
    }
    // Flushing blocks on the exporters' HTTP calls: keep it off the runtime's workers.
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(err) => {
                error!(error = %err, "cannot listen for SIGTERM");
                let _ = interrupt.await;
                return;
            }
        };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}
