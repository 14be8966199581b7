package com.commerce.fraud

import io.opentelemetry.api.common.Attributes
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
import io.opentelemetry.context.propagation.ContextPropagators
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer
import io.opentelemetry.sdk.OpenTelemetrySdk
import io.opentelemetry.sdk.metrics.SdkMeterProvider
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader
import io.opentelemetry.sdk.resources.Resource
import io.opentelemetry.sdk.trace.SdkTracerProvider
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor
import java.time.Duration

const val METRICS_PORT = "METRICS_PORT"
const val METRICS_HOST = "METRICS_HOST"

/** Where Prometheus scrapes /metrics. */
data class MetricsAddress(
    val host: String,
    val port: Int,
)

/**
 * METRICS_PORT on METRICS_HOST (all interfaces by default, as a pod needs), or null when
 * METRICS_PORT is unset: a local shop runs many services on one host and must not open a port they
 * would all fight over. The chart always sets it, to the port its ServiceMonitor scrapes.
 */
fun metricsAddress(env: Map<String, String>): MetricsAddress? {
    val raw = env[METRICS_PORT].orEmpty().trim()
    if (raw.isEmpty()) return null
    val port = raw.toIntOrNull()?.takeIf { it in 1..65_535 }
    requireNotNull(port) { "$METRICS_PORT must be a port number, got \"$raw\"" }
    return MetricsAddress(env[METRICS_HOST]?.takeIf { it.isNotBlank() } ?: "0.0.0.0", port)
}

/**
 * The SDK from the environment: OTLP over HTTP/protobuf when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * else providers exporting nothing (trace context still flows and logs still carry ids); and the
 * same metrics for Prometheus on METRICS_PORT when it is set.
 */
fun telemetry(
    env: Map<String, String>,
    defaultName: String,
): OpenTelemetrySdk {
    val resource = Resource.getDefault().merge(Resource.create(resourceAttributes(env, defaultName)))
    val tracing = SdkTracerProvider.builder().setResource(resource)
    val metrics = SdkMeterProvider.builder().setResource(resource)
    val endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"].orEmpty().trimEnd('/')
    if (endpoint.isNotEmpty()) {
        val timeout = Duration.ofSeconds(5)
        val spans =
            OtlpHttpSpanExporter
                .builder()
                .setEndpoint("$endpoint/v1/traces")
                .setTimeout(timeout)
                .build()
        tracing.addSpanProcessor(BatchSpanProcessor.builder(spans).build())
        val points =
            OtlpHttpMetricExporter
                .builder()
                .setEndpoint("$endpoint/v1/metrics")
                .setTimeout(timeout)
                .build()
        metrics.registerMetricReader(PeriodicMetricReader.builder(points).setInterval(Duration.ofSeconds(10)).build())
    }
    // Listens as it is built, so a taken port fails the start; closing the SDK stops it.
    metricsAddress(env)?.let { address ->
        metrics.registerMetricReader(
            PrometheusHttpServer
                .builder()
                .setHost(address.host)
                .setPort(address.port)
                .build(),
        )
    }
    return OpenTelemetrySdk
        .builder()
        .setTracerProvider(tracing.build())
        .setMeterProvider(metrics.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build()
}

/** OTEL_RESOURCE_ATTRIBUTES (k=v,k=v) plus service.name, which OTEL_SERVICE_NAME sets. */
fun resourceAttributes(
    env: Map<String, String>,
    defaultName: String,
): Attributes {
    val attributes = Attributes.builder()
    env["OTEL_RESOURCE_ATTRIBUTES"]
        .orEmpty()
        .split(',')
        .map { it.split('=', limit = 2) }
        .filter { it.size == 2 && it[0].isNotBlank() }
        .forEach { (key, value) -> attributes.put(key.trim(), value.trim()) }
    attributes.put("service.name", env["OTEL_SERVICE_NAME"]?.takeIf { it.isNotBlank() } ?: defaultName)
    return attributes.build()
}
