package orders

import (
	"context"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/protobuf/proto"
)

// The publisher runs its real XADD against miniredis, an in-process Redis server.
func setup(t *testing.T) (*Publisher, *redis.Client, *tracetest.SpanRecorder) {
	t.Helper()
	server := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: server.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	return NewPublisher(client, Stream, tp, propagation.TraceContext{}), client, recorder
}

func entries(t *testing.T, client *redis.Client) []redis.XMessage {
	t.Helper()
	msgs, err := client.XRange(context.Background(), Stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestEachOrderIsOneEntryHoldingTheProtobufBytes(t *testing.T) {
	pub, client, _ := setup(t)
	order := &commercev1.OrderResult{
		OrderId: "o-1", UserId: "u1",
		Total: &commercev1.Money{CurrencyCode: "EUR", Units: 12, Nanos: 500_000_000},
	}
	id, err := pub.Publish(context.Background(), order)
	if err != nil {
		t.Fatal(err)
	}
	msgs := entries(t, client)
	if len(msgs) != 1 || msgs[0].ID != id {
		t.Fatalf("stream = %v, want one entry %s", msgs, id)
	}
	raw, ok := msgs[0].Values["order"].(string)
	if !ok {
		t.Fatalf("field order missing: %v", msgs[0].Values)
	}
	var decoded commercev1.OrderResult
	if err := proto.Unmarshal([]byte(raw), &decoded); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&decoded, order) {
		t.Errorf("decoded %v, want %v", &decoded, order)
	}
}

func TestTheEntryCarriesTheTraceparentOfThePublishSpan(t *testing.T) {
	pub, client, recorder := setup(t)
	if _, err := pub.Publish(context.Background(), &commercev1.OrderResult{OrderId: "o-1"}); err != nil {
		t.Fatal(err)
	}
	spans := recorder.Ended()
	if len(spans) != 1 || spans[0].Name() != "orders publish" {
		t.Fatalf("spans = %v", spans)
	}
	sc := spans[0].SpanContext()
	want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
	if got := entries(t, client)[0].Values["traceparent"]; got != want {
		t.Errorf("traceparent = %v, want %s", got, want)
	}
}

func TestAFailingRedisIsAnErrorNamingTheStream(t *testing.T) {
	pub, client, _ := setup(t)
	_ = client.Close()
	_, err := pub.Publish(context.Background(), &commercev1.OrderResult{OrderId: "o-1"})
	if err == nil || !strings.Contains(err.Error(), Stream) {
		t.Errorf("err = %v", err)
	}
}
