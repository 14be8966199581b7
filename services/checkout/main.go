// Command checkout places orders over gRPC, orchestrating the shop's other services, and
// publishes each order to the Redis stream "orders".
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/commerce-platform/commerce-ci/libs/go/grpcserver"
	"github.com/commerce-platform/commerce-ci/libs/go/telemetry"
	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"github.com/commerce-platform/commerce-ci/services/checkout/internal/checkout"
	"github.com/commerce-platform/commerce-ci/services/checkout/internal/orders"
)

const (
	serviceName    = "checkout"
	defaultPort    = "5050"
	readinessEvery = 2 * time.Second
	drainPeriod    = 15 * time.Second
	flushDeadline  = 5 * time.Second
)

// Peer address variables and their defaults: the shop's ports on this host.
var peerDefaults = map[string]string{
	"CART_ADDR":            "127.0.0.1:7070",
	"PRODUCT_CATALOG_ADDR": "127.0.0.1:3550",
	"CURRENCY_ADDR":        "127.0.0.1:7001",
	"SHIPPING_ADDR":        "127.0.0.1:50051",
	"PAYMENT_ADDR":         "127.0.0.1:50052",
	"EMAIL_ADDR":           "127.0.0.1:8081",
	"REDIS_ADDR":           "127.0.0.1:6379",
}

func main() {
	if err := run(os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", serviceName, err)
		os.Exit(1)
	}
}

func getenvOr(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}

func run(getenv func(string) string) (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	logger := telemetry.NewLogger(os.Stdout, slog.LevelInfo, getenvOr(getenv, "OTEL_SERVICE_NAME", serviceName))
	shutdownTelemetry, err := telemetry.Setup(ctx, serviceName, getenv)
	if err != nil {
		return err
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.Background(), flushDeadline)
		defer cancel()
		if err := shutdownTelemetry(flushCtx); err != nil {
			logger.Error("telemetry flush failed", "error", err)
		}
	}()

	addr := func(key string) string { return getenvOr(getenv, key, peerDefaults[key]) }
	conns := map[string]*grpc.ClientConn{}
	defer func() {
		for _, conn := range conns {
			err = errors.Join(err, conn.Close())
		}
	}()
	dial := func(key string) (*grpc.ClientConn, error) {
		// NewClient connects lazily, so peers may start after checkout.
		conn, err := grpc.NewClient(addr(key),
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: %w", key, addr(key), err)
		}
		conns[key] = conn
		return conn, nil
	}
	var peers checkout.Peers
	for key, set := range map[string]func(*grpc.ClientConn){
		"CART_ADDR":            func(c *grpc.ClientConn) { peers.Cart = commercev1.NewCartServiceClient(c) },
		"PRODUCT_CATALOG_ADDR": func(c *grpc.ClientConn) { peers.Catalog = commercev1.NewProductCatalogServiceClient(c) },
		"CURRENCY_ADDR":        func(c *grpc.ClientConn) { peers.Currency = commercev1.NewCurrencyServiceClient(c) },
		"SHIPPING_ADDR":        func(c *grpc.ClientConn) { peers.Shipping = commercev1.NewShippingServiceClient(c) },
		"PAYMENT_ADDR":         func(c *grpc.ClientConn) { peers.Payment = commercev1.NewPaymentServiceClient(c) },
		"EMAIL_ADDR":           func(c *grpc.ClientConn) { peers.Email = commercev1.NewEmailServiceClient(c) },
	} {
		conn, err := dial(key)
		if err != nil {
			return err
		}
		set(conn)
	}

	redisClient := redis.NewClient(&redis.Options{
		Addr:         addr("REDIS_ADDR"),
		DialTimeout:  2 * time.Second,
		ReadTimeout:  2 * time.Second,
		WriteTimeout: 2 * time.Second,
	})
	defer func() { err = errors.Join(err, redisClient.Close()) }()
	events := orders.NewPublisher(redisClient, orders.Stream, otel.GetTracerProvider(), otel.GetTextMapPropagator())

	srv := grpcserver.New(logger)
	commercev1.RegisterCheckoutServiceServer(srv.GRPC, checkout.New(peers, events, logger, uuid.NewString))
	lis, err := net.Listen("tcp", ":"+getenvOr(getenv, "PORT", defaultPort))
	if err != nil {
		return err
	}
	// Orders cannot be published without Redis: ready only while it answers.
	go srv.TrackReadiness(ctx, func(ctx context.Context) error {
		return redisClient.Ping(ctx).Err()
	}, readinessEvery)
	logger.Info("serving", "addr", lis.Addr().String(), "redis", addr("REDIS_ADDR"))
	err = srv.Serve(ctx, lis, drainPeriod)
	logger.Info("stopped")
	return err
}
