// Command product-catalog serves the product list, lookup and search over gRPC.
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
	"github.com/commerce-platform/commerce-ci/services/product-catalog/internal/catalog"
)

const (
	serviceName   = "product-catalog"
	defaultPort   = "3550"
	drainPeriod   = 10 * time.Second
	flushDeadline = 5 * time.Second
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

	products, err := loadCatalog(getenv("PRODUCT_CATALOG_FILE"))
	if err != nil {
		return err
	}

	srv := grpcserver.New(logger)
	commercev1.RegisterProductCatalogServiceServer(srv.GRPC, &catalog.Server{Catalog: products})
	lis, err := net.Listen("tcp", ":"+getenvOr(getenv, "PORT", defaultPort))
	if err != nil {
		return err
	}
	srv.Ready()
	logger.Info("serving", "addr", lis.Addr().String(), "products", len(products.List()))
	err = srv.Serve(ctx, lis, drainPeriod)
	logger.Info("stopped")
	return err
}

// loadCatalog reads the file at path, or the catalog built into the binary when path is empty.
func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		return catalog.Default()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return catalog.Parse(data)
}
