// Package orders appends placed orders to the Redis stream that accounting and fraud-detection
// consume.
//
// One stream entry per order: field "order" holds the OrderResult in protobuf binary form and
// field "traceparent" (plus "tracestate" when set) the W3C trace context of the publishing span,
// so that consumers continue the order's trace.
package orders

import (
	"context"
	"fmt"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
)

// Stream is the Redis stream the shop's order events travel on.
const Stream = "orders"

// MaxLen bounds the stream (approximately) so that a long-running shop does not grow it forever;
// far more entries than any consumer group lags behind.
const MaxLen = 100_000

// Publisher XADDs orders to a Redis stream.
type Publisher struct {
	client     redis.Cmdable
	stream     string
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
}

// NewPublisher returns a Publisher to stream, tracing with tp and injecting with propagator.
func NewPublisher(
	client redis.Cmdable, stream string, tp trace.TracerProvider, propagator propagation.TextMapPropagator,
) *Publisher {
	return &Publisher{
		client:     client,
		stream:     stream,
		tracer:     tp.Tracer("github.com/commerce-platform/commerce-ci/services/checkout/internal/orders"),
		propagator: propagator,
	}
}

// Publish appends order to the stream and returns the entry id.
func (p *Publisher) Publish(ctx context.Context, order *commercev1.OrderResult) (string, error) {
	ctx, span := p.tracer.Start(ctx, p.stream+" publish",
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", "redis"),
			attribute.String("messaging.destination.name", p.stream),
			attribute.String("messaging.operation.type", "send"),
			attribute.String("app.order.id", order.GetOrderId()),
		),
	)
	defer span.End()

	payload, err := proto.Marshal(order)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		return "", fmt.Errorf("encode order: %w", err)
	}
	carrier := propagation.MapCarrier{}
	p.propagator.Inject(ctx, carrier)
	values := []any{"order", payload}
	for _, field := range []string{"traceparent", "tracestate"} {
		if v := carrier.Get(field); v != "" {
			values = append(values, field, v)
		}
	}
	id, err := p.client.XAdd(ctx, &redis.XAddArgs{
		Stream: p.stream,
		MaxLen: MaxLen,
		Approx: true,
		Values: values,
	}).Result()
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		return "", fmt.Errorf("xadd %s: %w", p.stream, err)
	}
	span.SetAttributes(attribute.String("messaging.message.id", id))
	return id, nil
}
