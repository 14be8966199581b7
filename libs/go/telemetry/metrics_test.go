package telemetry

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

func TestMetricsEndpointAnswersInPrometheusTextFormat(t *testing.T) {
	ctx := context.Background()
	registry := prometheus.NewRegistry()
	reader, err := prometheusReader(registry)
	if err != nil {
		t.Fatal(err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = provider.Shutdown(ctx) }()
	counter, err := provider.Meter("test").Int64Counter("orders.placed")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(ctx, 3)
	addr, stop, err := ServeMetrics("127.0.0.1:0", registry)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stop(ctx) }()
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want the Prometheus text format", ct)
	}
	if !strings.Contains(string(body), "# TYPE orders_placed_total counter") || !strings.Contains(string(body), "} 3") {
		t.Errorf("the counter is not in the scrape:\n%s", body)
	}
}

func TestSetupServesMetricsOnMetricsPort(t *testing.T) {
	ctx := context.Background()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
	_ = lis.Close()
	env := map[string]string{MetricsHostEnv: "127.0.0.1", MetricsPortEnv: port}
	shutdown, err := Setup(ctx, "svc", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = shutdown(ctx) }()
	resp, err := http.Get("http://127.0.0.1:" + port + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics = %d", resp.StatusCode)
	}
}

func TestMetricsAddrComesFromTheChartsPort(t *testing.T) {
	env := map[string]string{MetricsPortEnv: "9464"}
	if got := metricsAddr(func(k string) string { return env[k] }); got != ":9464" {
		t.Errorf("metricsAddr = %q", got)
	}
	if got := metricsAddr(func(string) string { return "" }); got != "" {
		t.Errorf("metricsAddr without METRICS_PORT = %q, want no endpoint", got)
	}
}
