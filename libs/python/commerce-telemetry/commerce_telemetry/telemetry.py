"""OpenTelemetry wiring: traces and metrics over OTLP/HTTP, or nothing exported at all, and the
same metrics for Prometheus on $METRICS_PORT when it is set.

The SDK providers exist even without an endpoint so that trace context still flows through the
service (incoming parents, outgoing children, ids in the logs); only the exporters are optional,
which keeps a run without a collector free of connection errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from commerce_telemetry.prometheus import MetricsEndpoint, metrics_address, serve_metrics

ENDPOINT_VAR = "OTEL_EXPORTER_OTLP_ENDPOINT"


@dataclass(frozen=True)
class Telemetry:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    #: The Prometheus endpoint, when METRICS_PORT asked for one.
    metrics_endpoint: MetricsEndpoint | None = None

    def shutdown(self) -> None:
        """Flush what is buffered: spans of the last requests must not die with the process."""
        if self.metrics_endpoint is not None:
            self.metrics_endpoint.stop()
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def resource_attributes(env: Mapping[str, str], default_name: str) -> dict[str, str]:
    """`OTEL_RESOURCE_ATTRIBUTES` (k=v,k=v) plus the service name, which always wins."""
    attributes: dict[str, str] = {}
    for pair in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, sep, value = pair.partition("=")
        if sep and key.strip():
            attributes[key.strip()] = value.strip()
    attributes["service.name"] = env.get("OTEL_SERVICE_NAME") or default_name
    return attributes


def setup_telemetry(env: Mapping[str, str], default_name: str) -> Telemetry:
    """Providers for the service; a bad METRICS_PORT is a ValueError naming it."""
    address = metrics_address(env)
    resource = Resource(resource_attributes(env, default_name))
    tracer_provider = TracerProvider(resource=resource)
    readers: list[MetricReader] = []
    endpoint = env.get(ENDPOINT_VAR, "").rstrip("/")
    if endpoint:
        tracer_provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=5))
        )
        readers.append(
            PeriodicExportingMetricReader(
                OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", timeout=5),
                export_interval_millis=10_000,
            )
        )
    scrape = None if address is None else serve_metrics(address)
    if scrape is not None:
        readers.append(scrape.reader)
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    return Telemetry(tracer_provider, meter_provider, scrape)
