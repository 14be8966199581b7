package com.commerce.ad;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenTelemetry SDK from the environment: OTLP over HTTP/protobuf when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, otherwise providers that export nothing (trace context still
 * flows, logs still carry ids); and the same metrics for Prometheus on METRICS_PORT when it is set.
 */
public final class Telemetry {
    static final String METRICS_PORT = "METRICS_PORT";
    static final String METRICS_HOST = "METRICS_HOST";

    private Telemetry() {
    }

    /** Where Prometheus scrapes /metrics. */
    record MetricsAddress(String host, int port) {
    }

    /**
     * METRICS_PORT on METRICS_HOST (all interfaces by default, as a pod needs), or empty when
     * METRICS_PORT is unset: a local shop runs many services on one host and must not open a port
     * they would all fight over. The chart always sets it, to the port its ServiceMonitor scrapes.
     */
    static Optional<MetricsAddress> metricsAddress(Map<String, String> env) {
        String raw = env.getOrDefault(METRICS_PORT, "").trim();
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        int port;
        try {
            port = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(METRICS_PORT + " must be a port number, got \"" + raw + "\"");
        }
        String host = env.getOrDefault(METRICS_HOST, "");
        return Optional.of(new MetricsAddress(host.isBlank() ? "0.0.0.0" : host, port));
    }

    public static OpenTelemetrySdk create(Map<String, String> env, String defaultName) {
        Resource resource = Resource.getDefault().merge(Resource.create(attributes(env, defaultName)));
        SdkTracerProviderBuilder tracing = SdkTracerProvider.builder().setResource(resource);
        SdkMeterProviderBuilder metrics = SdkMeterProvider.builder().setResource(resource);
        String endpoint = env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "").replaceAll("/+$", "");
        if (!endpoint.isEmpty()) {
            tracing.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                .setEndpoint(endpoint + "/v1/traces").setTimeout(Duration.ofSeconds(5)).build()).build());
            metrics.registerMetricReader(PeriodicMetricReader.builder(OtlpHttpMetricExporter.builder()
                .setEndpoint(endpoint + "/v1/metrics").setTimeout(Duration.ofSeconds(5)).build())
                .setInterval(Duration.ofSeconds(10)).build());
        }
        // Listens as it is built, so a taken port fails the start; closing the SDK stops it.
        metricsAddress(env).ifPresent(address -> metrics.registerMetricReader(PrometheusHttpServer.builder()
            .setHost(address.host()).setPort(address.port()).build()));
        return OpenTelemetrySdk.builder()
            .setTracerProvider(tracing.build())
            .setMeterProvider(metrics.build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    }

    /** OTEL_RESOURCE_ATTRIBUTES (k=v,k=v) plus service.name, which OTEL_SERVICE_NAME sets. */
    static Attributes attributes(Map<String, String> env, String defaultName) {
        AttributesBuilder attributes = Attributes.builder();
        for (String pair : env.getOrDefault("OTEL_RESOURCE_ATTRIBUTES", "").split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                attributes.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        String name = env.getOrDefault("OTEL_SERVICE_NAME", "");
        attributes.put("service.name", name.isBlank() ? defaultName : name);
        return attributes.build();
    }
}
