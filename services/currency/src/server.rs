//! Process settings and the serving loop: health, telemetry layer, graceful shutdown.

use std::net::{Ipv4Addr, SocketAddr};

use tonic::transport::Server;
use tonic_health::ServingStatus;
use tracing::info;

use crate::pb::currency_service_server::CurrencyServiceServer;
use crate::service::Currency;
use commerce_telemetry::{BoxError, GrpcServerLayer, GrpcServerMetrics, TelemetryConfig};

pub const SERVICE_NAME: &str = "currency";
pub const DEFAULT_PORT: u16 = 7001;

/// Everything the process reads from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub port: u16,
    pub telemetry: TelemetryConfig,
}

impl Config {
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let port = match lookup("PORT") {
            Some(raw) => raw
                .parse()
                .map_err(|_| format!("PORT must be a port number, got {raw:?}"))?,
            None => DEFAULT_PORT,
        };
        Ok(Self {
            port,
            telemetry: TelemetryConfig::from_lookup(lookup, SERVICE_NAME)?,
        })
    }
}

/// Serves until `shutdown` resolves, then reports NOT_SERVING and drains in-flight calls.
pub async fn serve(
    config: &Config,
    metrics: GrpcServerMetrics,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), BoxError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<CurrencyServiceServer<Currency>>()
        .await;
    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.port));
    info!(%addr, "listening");
    let stopping = async {
        shutdown.await;
        info!("shutting down");
        health
            .set_not_serving::<CurrencyServiceServer<Currency>>()
            .await;
        health
            .set_service_status("", ServingStatus::NotServing)
            .await;
    };
    Server::builder()
        .layer(GrpcServerLayer::new(metrics))
        .add_service(health_service)
        .add_service(CurrencyServiceServer::new(Currency))
        .serve_with_shutdown(addr, stopping)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_defaults_to_the_contract_port() {
        let config = Config::from_lookup(&|_| None).unwrap();
        assert_eq!(config.port, 7001);
    }

    #[test]
    fn the_port_comes_from_port() {
        let config = Config::from_lookup(&|key| (key == "PORT").then(|| "9000".to_owned()));
        assert_eq!(config.unwrap().port, 9000);
    }

    #[test]
    fn a_malformed_port_is_an_error_naming_the_variable() {
        let err = Config::from_lookup(&|_| Some("http".to_owned())).unwrap_err();
        assert!(err.contains("PORT"));
    }
}
