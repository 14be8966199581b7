// Command cart serves per-user shopping carts over gRPC, stored in Redis.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/commerce-platform/commerce-ci/libs/go/grpcserver"
	"github.com/commerce-platform/commerce-ci/libs/go/telemetry"
	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"github.com/commerce-platform/commerce-ci/services/cart/internal/cart"
	"github.com/commerce-platform/commerce-ci/services/cart/internal/redisstore"
	"github.com/redis/go-redis/v9"
)

const (
	serviceName      = "cart"
	defaultPort      = "7070"
	defaultRedisAddr = "127.0.0.1:6379"
	cartTTL          = 7 * 24 * time.Hour
	readinessEvery   = 2 * time.Second
	drainPeriod      = 10 * time.Second
	flushDeadline    = 5 * time.Second
)

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

func run(getenv func(string) string) error {
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

	redisAddr := getenvOr(getenv, "REDIS_ADDR", defaultRedisAddr)
	client := redis.NewClient(&redis.Options{
		Addr:         redisAddr,
		DialTimeout:  2 * time.Second,
		ReadTimeout:  2 * time.Second,
		WriteTimeout: 2 * time.Second,
	})
	defer func() { _ = client.Close() }()

	srv := grpcserver.New(logger)
	service := cart.New(redisstore.New(client, cartTTL), cart.DefaultMaxPerLine)
	commercev1.RegisterCartServiceServer(srv.GRPC, &cart.Server{Service: service})
	lis, err := net.Listen("tcp", ":"+getenvOr(getenv, "PORT", defaultPort))
	if err != nil {
		return err
	}
	// Health turns SERVING once Redis answers, and back to NOT_SERVING while it does not.
	go srv.TrackReadiness(ctx, func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	}, readinessEvery)
	logger.Info("serving", "addr", lis.Addr().String(), "redis", redisAddr)
	err = srv.Serve(ctx, lis, drainPeriod)
	logger.Info("stopped")
	return err
}
