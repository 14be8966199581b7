//! OpenTelemetry wiring shared by the Rust services: traces and metrics over OTLP/HTTP
//! (protobuf), the same metrics for Prometheus on `$METRICS_PORT` when it is set, W3C trace
//! context on every gRPC call, and JSON log lines carrying trace ids.
//!
//! Without an OTLP endpoint nothing is exported, but spans still get ids, so logs still
//! correlate and context still propagates to the next service.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider as _};
use opentelemetry::propagation::Injector;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry::{global, KeyValue};
use opentelemetry_http::HeaderExtractor;
use opentelemetry_otlp::{MetricExporter, Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use serde_json::{Map, Value};
use tonic::codegen::http;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tracing::field::{Field, Visit};
use tracing::{Event, Instrument, Level, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

mod metrics_endpoint;
pub use metrics_endpoint::{
    metrics_addr, prometheus_reader, MetricsEndpoint, METRICS_HOST, METRICS_PORT,
};

pub type BoxError = Box<dyn Error + Send + Sync>;

/// Telemetry settings, read from the standard OTel variables and METRICS_PORT/METRICS_HOST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetryConfig {
    pub service_name: String,
    /// Base URL of an OTLP/HTTP receiver (e.g. http://127.0.0.1:4318); `None` exports nothing.
    pub otlp_endpoint: Option<String>,
    /// Where Prometheus scrapes `/metrics`; `None` opens no endpoint.
    pub metrics_addr: Option<SocketAddr>,
}

impl TelemetryConfig {
    /// Fails, naming the variable, on a METRICS_PORT or METRICS_HOST that does not parse.
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
        default_name: &str,
    ) -> Result<Self, String> {
        Ok(Self {
            service_name: lookup("OTEL_SERVICE_NAME").unwrap_or_else(|| default_name.to_owned()),
            otlp_endpoint: lookup("OTEL_EXPORTER_OTLP_ENDPOINT"),
            metrics_addr: metrics_addr(lookup)?,
        })
    }
}

/// The installed providers; `shutdown` flushes what is still buffered.
pub struct Telemetry {
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
    metrics_endpoint: Option<MetricsEndpoint>,
}

impl Telemetry {
    /// Where `/metrics` listens, when METRICS_PORT asked for it.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_endpoint
            .as_ref()
            .map(MetricsEndpoint::local_addr)
    }

    /// A meter scoped to the crate that calls it.
    pub fn meter(&self, scope: &'static str) -> Meter {
        self.meter_provider.meter(scope)
    }

    /// Flushes and stops the exporters. Blocks: call it off the async runtime's workers.
    pub fn shutdown(self) {
        drop(self.metrics_endpoint);
        if let Err(err) = self.tracer_provider.shutdown() {
            eprintln!("trace provider shutdown: {err}");
        }
        if let Err(err) = self.meter_provider.shutdown() {
            eprintln!("meter provider shutdown: {err}");
        }
    }
}

/// Installs the propagator, the providers and the global `tracing` subscriber, and opens
/// `/metrics` when the config has an address. Call it inside the tokio runtime, which serves
/// the endpoint.
pub fn init(config: &TelemetryConfig) -> Result<Telemetry, BoxError> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    // The builder's default detectors also read OTEL_RESOURCE_ATTRIBUTES.
    let resource = Resource::builder()
        .with_service_name(config.service_name.clone())
        .build();
    let mut traces = SdkTracerProvider::builder().with_resource(resource.clone());
    let mut metrics = SdkMeterProvider::builder().with_resource(resource);
    if let Some(endpoint) = &config.otlp_endpoint {
        let base = endpoint.trim_end_matches('/');
        let span_exporter = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("{base}/v1/traces"))
            .build()?;
        traces = traces.with_batch_exporter(span_exporter);
        let metric_exporter = MetricExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("{base}/v1/metrics"))
            .build()?;
        metrics = metrics.with_periodic_exporter(metric_exporter);
    }
    let mut metrics_endpoint = None;
    if let Some(addr) = config.metrics_addr {
        let registry = prometheus::Registry::new();
        metrics = metrics.with_reader(prometheus_reader(&registry)?);
        metrics_endpoint = Some(MetricsEndpoint::serve(addr, registry)?);
    }
    let tracer_provider = traces.build();
    let meter_provider = metrics.build();
    let tracer = tracer_provider.tracer(config.service_name.clone());

    // The transport crates log at debug level on every frame: keep them to warnings.
    let filter = Targets::new()
        .with_default(Level::INFO)
        .with_target("h2", Level::WARN)
        .with_target("hyper", Level::WARN)
        .with_target("hyper_util", Level::WARN)
        .with_target("reqwest", Level::WARN)
        .with_target("tower", Level::WARN);
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .with(
            tracing_subscriber::fmt::layer()
                .event_format(JsonLines)
                .with_writer(std::io::stdout),
        )
        .try_init()?;
    Ok(Telemetry {
        tracer_provider,
        meter_provider,
        metrics_endpoint,
    })
}

/// One JSON object per log line: timestamp, level, target, message, the event's fields, and
/// the OpenTelemetry trace and span ids of the current span.
pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        let mut line = Map::new();
        line.insert("timestamp".into(), Value::String(timestamp));
        line.insert(
            "level".into(),
            Value::String(event.metadata().level().to_string()),
        );
        line.insert(
            "target".into(),
            Value::String(event.metadata().target().into()),
        );
        event.record(&mut JsonFields(&mut line));
        if let Some(span) = ctx.lookup_current() {
            // The global dispatcher is the subscriber this formatter belongs to.
            let otel = tracing::dispatcher::get_default(|dispatch| {
                tracing_opentelemetry::get_otel_context(&span.id(), dispatch)
            });
            if let Some(otel) = otel {
                let span_ref = otel.span();
                let span_context = span_ref.span_context();
                if span_context.is_valid() {
                    let trace_id = span_context.trace_id().to_string();
                    let span_id = span_context.span_id().to_string();
                    line.insert("trace_id".into(), Value::String(trace_id));
                    line.insert("span_id".into(), Value::String(span_id));
                }
            }
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}

struct JsonFields<'a>(&'a mut Map<String, Value>);

impl Visit for JsonFields<'_> {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

/// Request counts and durations of the gRPC server, by method and status.
#[derive(Clone)]
pub struct GrpcServerMetrics {
    requests: Counter<u64>,
    duration: Histogram<f64>,
}

impl GrpcServerMetrics {
    pub fn new(meter: &Meter) -> Self {
        Self {
            requests: meter
                .u64_counter("rpc.server.requests")
                .with_description("gRPC requests handled")
                .build(),
            duration: meter
                .f64_histogram("rpc.server.duration")
                .with_unit("ms")
                .with_description("gRPC request duration")
                .build(),
        }
    }
}

/// A tower layer for the tonic server: one server span per call, parented on the caller's W3C
/// trace context, plus request metrics. Health checks pass through untraced.
#[derive(Clone)]
pub struct GrpcServerLayer {
    metrics: GrpcServerMetrics,
}

impl GrpcServerLayer {
    pub fn new(metrics: GrpcServerMetrics) -> Self {
        Self { metrics }
    }
}

impl<S> tower::Layer<S> for GrpcServerLayer {
    type Service = GrpcServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcServerService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct GrpcServerService<S> {
    inner: S,
    metrics: GrpcServerMetrics,
}

/// "/pkg.Service/Method" -> ("pkg.Service", "Method").
pub fn split_grpc_path(path: &str) -> (&str, &str) {
    let trimmed = path.trim_start_matches('/');
    trimmed.split_once('/').unwrap_or((trimmed, ""))
}

impl<S, B, RB> tower::Service<http::Request<B>> for GrpcServerService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<RB>>,
    S::Future: Send + 'static,
    S::Error: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path().to_owned();
        if path.starts_with("/grpc.health.v1.") {
            return Box::pin(self.inner.call(request));
        }
        let parent = global::get_text_map_propagator(|propagator| {
            propagator.extract(&HeaderExtractor(request.headers()))
        });
        let (service, method) = split_grpc_path(&path);
        let span = tracing::info_span!(
            "grpc.server",
            otel.name = %path.trim_start_matches('/'),
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.service = %service,
            rpc.method = %method,
            rpc.grpc.status_code = tracing::field::Empty,
        );
        // Only fails when the span is disabled, in which case there is nothing to parent.
        let _ = span.set_parent(parent);
        let attributes = vec![
            KeyValue::new("rpc.system", "grpc"),
            KeyValue::new("rpc.service", service.to_owned()),
            KeyValue::new("rpc.method", method.to_owned()),
        ];
        let metrics = self.metrics.clone();
        let started = Instant::now();
        let future = self.inner.call(request).instrument(span.clone());
        Box::pin(async move {
            let result = future.await;
            // Failures answer with trailers-only responses, so grpc-status is in the headers;
            // a success carries it in the trailers, after the body.
            let status = match &result {
                Ok(response) => response
                    .headers()
                    .get("grpc-status")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse::<i64>().ok())
                    .unwrap_or(0),
                Err(_) => 2,
            };
            span.record("rpc.grpc.status_code", status);
            let mut attributes = attributes;
            attributes.push(KeyValue::new("rpc.grpc.status_code", status));
            metrics.requests.add(1, &attributes);
            metrics
                .duration
                .record(started.elapsed().as_secs_f64() * 1000.0, &attributes);
            result
        })
    }
}

/// Writes W3C trace context into outgoing gRPC metadata.
struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// A tonic client interceptor that propagates the current span's context to the callee.
pub fn propagate_context(
    mut request: tonic::Request<()>,
) -> Result<tonic::Request<()>, tonic::Status> {
    let context = tracing::Span::current().context();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut MetadataInjector(request.metadata_mut()));
    });
    Ok(request)
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[test]
    fn grpc_paths_split_into_service_and_method() {
        assert_eq!(
            split_grpc_path("/commerce.v1.CurrencyService/Convert"),
            ("commerce.v1.CurrencyService", "Convert")
        );
        assert_eq!(split_grpc_path("/odd"), ("odd", ""));
    }

    #[test]
    fn telemetry_settings_fall_back_to_the_service_name_and_no_export() {
        let config = TelemetryConfig::from_lookup(&|_| None, "currency").unwrap();
        assert_eq!(config.service_name, "currency");
        assert_eq!(config.otlp_endpoint, None);
        assert_eq!(
            config.metrics_addr, None,
            "no /metrics without METRICS_PORT"
        );
    }

    #[test]
    fn telemetry_settings_come_from_the_standard_otel_variables() {
        let lookup = |key: &str| match key {
            "OTEL_SERVICE_NAME" => Some("currency-eu".to_owned()),
            "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://127.0.0.1:4318".to_owned()),
            _ => None,
        };
        let config = TelemetryConfig::from_lookup(&lookup, "currency").unwrap();
        assert_eq!(config.service_name, "currency-eu");
        assert_eq!(
            config.otlp_endpoint.as_deref(),
            Some("http://127.0.0.1:4318")
        );
    }

    #[test]
    fn metrics_listen_on_every_interface_unless_metrics_host_narrows_it() {
        let port_only = |key: &str| (key == METRICS_PORT).then(|| "9464".to_owned());
        assert_eq!(
            metrics_addr(&port_only).unwrap(),
            Some("0.0.0.0:9464".parse().unwrap())
        );
        let narrowed = |key: &str| match key {
            METRICS_PORT => Some("9464".to_owned()),
            METRICS_HOST => Some("127.0.0.1".to_owned()),
            _ => None,
        };
        assert_eq!(
            metrics_addr(&narrowed).unwrap(),
            Some("127.0.0.1:9464".parse().unwrap())
        );
    }

    #[test]
    fn a_malformed_metrics_port_is_an_error_naming_it() {
        let lookup = |key: &str| (key == METRICS_PORT).then(|| "http".to_owned());
        let err = TelemetryConfig::from_lookup(&lookup, "currency").unwrap_err();
        assert!(err.contains(METRICS_PORT), "{err}");
    }

    /// The inner gRPC service: answers every call with grpc-status 0 in the headers.
    #[derive(Clone)]
    struct Answers;

    impl tower::Service<http::Request<()>> for Answers {
        type Response = http::Response<()>;
        type Error = Infallible;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

        fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: http::Request<()>) -> Self::Future {
            let mut response = http::Response::new(());
            response
                .headers_mut()
                .insert("grpc-status", http::HeaderValue::from_static("0"));
            std::future::ready(Ok(response))
        }
    }

    async fn scrape(addr: SocketAddr) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = "GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn a_grpc_call_is_counted_in_the_prometheus_scrape() {
        let registry = prometheus::Registry::new();
        let provider = SdkMeterProvider::builder()
            .with_reader(prometheus_reader(&registry).unwrap())
            .build();
        let metrics = GrpcServerMetrics::new(&provider.meter("test"));
        let mut service = tower::Layer::layer(&GrpcServerLayer::new(metrics), Answers);
        let request = http::Request::builder()
            .uri("/commerce.v1.CurrencyService/Convert")
            .body(())
            .unwrap();
        tower::Service::call(&mut service, request).await.unwrap();
        let endpoint = MetricsEndpoint::serve("127.0.0.1:0".parse().unwrap(), registry).unwrap();

        let response = scrape(endpoint.local_addr()).await;

        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("content-type: text/plain; version=0.0.4"));
        assert!(response.contains("# TYPE rpc_server_requests_total counter"));
        let counted = response.lines().any(|line| {
            line.starts_with("rpc_server_requests_total{")
                && line.contains(r#"rpc_method="Convert""#)
                && line.contains(r#"rpc_grpc_status_code="0""#)
                && line.ends_with("} 1")
        });
        assert!(counted, "{response}");
        let _ = provider.shutdown();
    }

    #[tokio::test]
    async fn a_taken_metrics_port_fails_the_start() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        assert!(MetricsEndpoint::serve(addr, prometheus::Registry::new()).is_err());
    }
}
