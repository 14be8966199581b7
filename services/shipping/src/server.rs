//! Process settings and the serving loop: health, telemetry layer, graceful shutdown.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tonic::transport::Server;
use tonic_health::ServingStatus;
use tracing::info;

use crate::pb::shipping_service_server::ShippingServiceServer;
use crate::quotes::GrpcQuotes;
use crate::service::Shipping;
use commerce_telemetry::{BoxError, GrpcServerLayer, GrpcServerMetrics, TelemetryConfig};

pub const SERVICE_NAME: &str = "shipping";
pub const DEFAULT_PORT: u16 = 50051;
pub const DEFAULT_QUOTE_ADDR: &str = "127.0.0.1:8090";
/// Deadline of every call to the quote service.
pub const QUOTE_TIMEOUT: Duration = Duration::from_secs(3);

/// Everything the process reads from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub port: u16,
    /// host:port of the quote service.
    pub quote_addr: String,
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
            quote_addr: lookup("QUOTE_ADDR").unwrap_or_else(|| DEFAULT_QUOTE_ADDR.to_owned()),
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
    let quotes = GrpcQuotes::new(&config.quote_addr, QUOTE_TIMEOUT)?;
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<ShippingServiceServer<Shipping<GrpcQuotes>>>()
        .await;
    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.port));
    info!(%addr, quote_addr = %config.quote_addr, "listening");
    let stopping = async {
        shutdown.await;
        info!("shutting down");
        health
            .set_not_serving::<ShippingServiceServer<Shipping<GrpcQuotes>>>()
            .await;
        health
            .set_service_status("", ServingStatus::NotServing)
            .await;
    };
    Server::builder()
        .layer(GrpcServerLayer::new(metrics))
        .add_service(health_service)
        .add_service(ShippingServiceServer::new(Shipping::new(quotes)))
        .serve_with_shutdown(addr, stopping)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_contract_ports() {
        let config = Config::from_lookup(&|_| None).unwrap();
        assert_eq!(config.port, 50051);
        assert_eq!(config.quote_addr, "127.0.0.1:8090");
    }

    #[test]
    fn the_quote_service_address_comes_from_quote_addr() {
        let config =
            Config::from_lookup(&|key| (key == "QUOTE_ADDR").then(|| "quote:8090".to_owned()));
        assert_eq!(config.unwrap().quote_addr, "quote:8090");
    }

    #[test]
    fn a_malformed_port_is_an_error_naming_the_variable() {
        let err = Config::from_lookup(&|_| Some("x".to_owned())).unwrap_err();
        assert!(err.contains("PORT"));
    }
}
