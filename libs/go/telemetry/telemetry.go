// Package telemetry wires OpenTelemetry traces and metrics (OTLP over HTTP/protobuf) and the
// W3C trace-context propagator, and builds JSON loggers that carry the current trace id.
//
// Exporting is opt-in: with OTEL_EXPORTER_OTLP_ENDPOINT unset, spans are still created (so logs
// and outgoing calls carry trace ids) but nothing leaves the process and nothing can fail.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// EndpointEnv names the variable that switches exporting on.
const EndpointEnv = "OTEL_EXPORTER_OTLP_ENDPOINT"

// MetricInterval is how often metrics are pushed; short enough for a local shop run to see them.
const MetricInterval = 10 * time.Second

// Shutdown flushes and stops the providers; call it once, after the server has stopped.
type Shutdown func(context.Context) error

// Setup installs the global tracer provider, meter provider and propagator, and serves the
// meter provider's instruments for Prometheus on :$METRICS_PORT (when set) until Shutdown.
//
// The exporters read the standard OTEL_EXPORTER_OTLP_* variables themselves; OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES override the default service name through the resource.
func Setup(ctx context.Context, serviceName string, getenv func(string) string) (Shutdown, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{},
	))
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", serviceName)),
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	registry := prometheus.NewRegistry()
	promReader, err := prometheusReader(registry)
	if err != nil {
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	stopMetrics := func(context.Context) error { return nil }
	if addr := metricsAddr(getenv); addr != "" {
		if _, stopMetrics, err = ServeMetrics(addr, registry); err != nil {
			return nil, fmt.Errorf("metrics endpoint: %w", err)
		}
	}
	traceOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	metricOpts := []sdkmetric.Option{sdkmetric.WithResource(res), sdkmetric.WithReader(promReader)}
	if getenv(EndpointEnv) != "" {
		traceExporter, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("otlp trace exporter: %w", err)
		}
		metricExporter, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("otlp metric exporter: %w", err)
		}
		traceOpts = append(traceOpts, sdktrace.WithBatcher(traceExporter))
		metricOpts = append(metricOpts, sdkmetric.WithReader(
			sdkmetric.NewPeriodicReader(metricExporter, sdkmetric.WithInterval(MetricInterval)),
		))
	}
	tracerProvider := sdktrace.NewTracerProvider(traceOpts...)
	meterProvider := sdkmetric.NewMeterProvider(metricOpts...)
	otel.SetTracerProvider(tracerProvider)
	otel.SetMeterProvider(meterProvider)
	return func(ctx context.Context) error {
		return errors.Join(stopMetrics(ctx), tracerProvider.Shutdown(ctx), meterProvider.Shutdown(ctx))
	}, nil
}
