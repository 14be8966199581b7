//! Prometheus `/metrics` on `$METRICS_PORT`: the meter provider's instruments for a pull scrape,
//! beside the OTLP push.
//!
//! The endpoint opens only when METRICS_PORT is set. The chart always sets it (the port its
//! ServiceMonitor scrapes); a local shop runs many services on one host and leaves it unset, so
//! they never fight over one port. It never shares the service's own port.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::CONTENT_TYPE;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use opentelemetry_prometheus::PrometheusExporter;
use prometheus::{Encoder, Registry, TextEncoder};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::BoxError;

/// The port Prometheus scrapes; the chart sets it from `metrics.port`.
pub const METRICS_PORT: &str = "METRICS_PORT";
/// Narrows the interface (all of them by default, as a pod needs; tests use 127.0.0.1).
pub const METRICS_HOST: &str = "METRICS_HOST";
/// Pause after a failed accept.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Where to serve `/metrics`, or `None` when METRICS_PORT is unset.
pub fn metrics_addr(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Option<SocketAddr>, String> {
    let Some(raw) = lookup(METRICS_PORT) else {
        return Ok(None);
    };
    let port: u16 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{METRICS_PORT} must be a port number, got {raw:?}"))?;
    let host: IpAddr = match lookup(METRICS_HOST) {
        Some(host) => host
            .parse()
            .map_err(|_| format!("{METRICS_HOST} must be an IP address, got {host:?}"))?,
        None => Ipv4Addr::UNSPECIFIED.into(),
    };
    Ok(Some(SocketAddr::new(host, port)))
}

/// An OpenTelemetry metric reader that the registry's scrapes collect from.
pub fn prometheus_reader(registry: &Registry) -> Result<PrometheusExporter, BoxError> {
    Ok(opentelemetry_prometheus::exporter()
        .with_registry(registry.clone())
        .build()?)
}

/// A listening `/metrics` endpoint; it closes when dropped.
pub struct MetricsEndpoint {
    local_addr: SocketAddr,
    accepting: JoinHandle<()>,
}

impl MetricsEndpoint {
    /// Binds `addr` at once, so a port already taken fails the start instead of leaving a
    /// silent gap in the scrape, then answers on the current tokio runtime.
    pub fn serve(addr: SocketAddr, registry: Registry) -> Result<Self, BoxError> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        let local_addr = listener.local_addr()?;
        let accepting = tokio::spawn(accept(listener, registry));
        Ok(Self {
            local_addr,
            accepting,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for MetricsEndpoint {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn accept(listener: TcpListener, registry: Registry) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors, most likely: give the process a moment, not a spin.
                tracing::warn!(error = %err, "metrics endpoint: accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let registry = registry.clone();
        tokio::spawn(async move {
            let service = service_fn(|request| {
                let response = respond(&request, &registry);
                async move { Ok::<_, Infallible>(response) }
            });
            // A scraper that hangs up mid-response is its own problem, not the service's.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// GET /metrics: every family of the registry in the Prometheus text format; 404 elsewhere.
pub fn respond<B>(request: &Request<B>, registry: &Registry) -> Response<Full<Bytes>> {
    if request.method() != Method::GET || request.uri().path() != "/metrics" {
        return status(StatusCode::NOT_FOUND, "only GET /metrics here\n");
    }
    let encoder = TextEncoder::new();
    let mut body = Vec::new();
    if let Err(err) = encoder.encode(&registry.gather(), &mut body) {
        return status(StatusCode::INTERNAL_SERVER_ERROR, &format!("{err}\n"));
    }
    let mut response = Response::new(Full::new(Bytes::from(body)));
    if let Ok(value) = encoder.format_type().parse() {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

fn status(code: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_owned())));
    *response.status_mut() = code;
    response
}
