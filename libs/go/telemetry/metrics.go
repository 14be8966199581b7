package telemetry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// MetricsPortEnv names the port Prometheus scrapes; the chart sets it from metrics.port.
const MetricsPortEnv = "METRICS_PORT"

// MetricsHostEnv narrows the interface the metrics endpoint listens on (all of them by default,
// as a pod needs; tests and local runs use 127.0.0.1).
const MetricsHostEnv = "METRICS_HOST"

// metricsAddr is where to serve /metrics, or "" when METRICS_PORT is unset: the chart always
// sets it, and a local shop of several services on one host must not fight over one port.
func metricsAddr(getenv func(string) string) string {
	port := getenv(MetricsPortEnv)
	if port == "" {
		return ""
	}
	return net.JoinHostPort(getenv(MetricsHostEnv), port)
}

// prometheusReader exposes the meter provider's instruments to a pull scrape, beside the OTLP
// push: Prometheus reads every service the same way, whether or not a collector runs.
func prometheusReader(registry *prometheus.Registry) (sdkmetric.Reader, error) {
	return otelprom.New(otelprom.WithRegisterer(registry))
}

// ServeMetrics answers GET /metrics in the Prometheus text format on addr until stop is called.
// It listens before returning, so a port already taken is an error at start, not a silent gap.
func ServeMetrics(addr string, registry *prometheus.Registry) (net.Addr, func(context.Context) error, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := server.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = lis.Close()
		}
	}()
	return lis.Addr(), server.Shutdown, nil
}
