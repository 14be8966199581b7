package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// noEnv exports nothing and puts the metrics endpoint on a free loopback port.
func noEnv(key string) string {
	switch key {
	case MetricsHostEnv:
		return "127.0.0.1"
	case MetricsPortEnv:
		return "0"
	}
	return ""
}

func TestSetupWithoutEndpointStillTracesAndShutsDownCleanly(t *testing.T) {
	ctx := context.Background()
	shutdown, err := Setup(ctx, "svc", noEnv)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	_, span := otel.Tracer("test").Start(ctx, "op")
	if !span.SpanContext().IsValid() {
		t.Error("span has no valid context: logs would lose their trace ids")
	}
	span.End()
	if err := shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func TestSetupPropagatesW3CTraceContext(t *testing.T) {
	ctx := context.Background()
	shutdown, err := Setup(ctx, "svc", noEnv)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	defer func() { _ = shutdown(ctx) }()
	spanCtx, span := otel.Tracer("test").Start(ctx, "op")
	defer span.End()
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(spanCtx, carrier)
	want := "00-" + span.SpanContext().TraceID().String() + "-" + span.SpanContext().SpanID().String() + "-01"
	if got := carrier.Get("traceparent"); got != want {
		t.Errorf("traceparent = %q, want %q", got, want)
	}
}

func decode(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line is not JSON: %v: %q", err, buf.String())
	}
	return line
}

func TestLogLinesInsideASpanCarryItsIDs(t *testing.T) {
	ctx := context.Background()
	shutdown, err := Setup(ctx, "svc", noEnv)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	defer func() { _ = shutdown(ctx) }()
	spanCtx, span := otel.Tracer("test").Start(ctx, "op")
	defer span.End()
	var buf bytes.Buffer
	NewLogger(&buf, slog.LevelInfo, "svc").With("k", "v").InfoContext(spanCtx, "hello")
	line := decode(t, &buf)
	if line["trace_id"] != span.SpanContext().TraceID().String() {
		t.Errorf("trace_id = %v", line["trace_id"])
	}
	if line["span_id"] != span.SpanContext().SpanID().String() {
		t.Errorf("span_id = %v", line["span_id"])
	}
	if line["service"] != "svc" || line["k"] != "v" {
		t.Errorf("attributes lost: %v", line)
	}
}

func TestLogLinesOutsideASpanHaveNoTraceID(t *testing.T) {
	var buf bytes.Buffer
	NewLogger(&buf, slog.LevelInfo, "svc").InfoContext(context.Background(), "hello")
	if _, ok := decode(t, &buf)["trace_id"]; ok {
		t.Error("trace_id present without a span")
	}
}
