package com.commerce.fraud

import io.opentelemetry.api.common.Attributes
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
import io.opentelemetry.context.propagation.ContextPropagators
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter
import io.opentelemetry.sdk.OpenTelemetrySdk
import io.opentelemetry.sdk.metrics.SdkMeterProvider
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader
import io.opentelemetry.sdk.resources.Resource
import io.opentelemetry.sdk.trace.SdkTracerProvider
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor
import java.time.Duration

/**
 * The SDK from the environment: OTLP over HTTP/protobuf when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * else providers exporting nothing (trace context still flows and logs still carry ids).
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
