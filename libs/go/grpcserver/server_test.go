package grpcserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func start(t *testing.T) (*Server, healthpb.HealthClient, context.CancelFunc, <-chan error) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis, 2*time.Second) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(); cancel() })
	return srv, healthpb.NewHealthClient(conn), cancel, done
}

func check(t *testing.T, client healthpb.HealthClient) healthpb.HealthCheckResponse_ServingStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("health check: %v", err)
	}
	return resp.GetStatus()
}

func TestHealthIsNotServingUntilReady(t *testing.T) {
	srv, client, _, _ := start(t)
	if got := check(t, client); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("before Ready: %v", got)
	}
	srv.Ready()
	if got := check(t, client); got != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("after Ready: %v", got)
	}
}

func TestCancellingTheContextStopsServeWithoutError(t *testing.T) {
	srv, client, cancel, done := start(t)
	srv.Ready()
	check(t, client)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestReadinessFollowsTheDependencyCheck(t *testing.T) {
	srv, client, _, _ := start(t)
	var failing atomic.Bool
	failing.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.TrackReadiness(ctx, func(context.Context) error {
		if failing.Load() {
			return errors.New("redis down")
		}
		return nil
	}, 10*time.Millisecond)
	waitFor(t, client, healthpb.HealthCheckResponse_NOT_SERVING)
	failing.Store(false)
	waitFor(t, client, healthpb.HealthCheckResponse_SERVING)
	failing.Store(true)
	waitFor(t, client, healthpb.HealthCheckResponse_NOT_SERVING)
}

func waitFor(t *testing.T, client healthpb.HealthClient, want healthpb.HealthCheckResponse_ServingStatus) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for check(t, client) != want {
		if time.Now().After(deadline) {
			t.Fatalf("health never became %v", want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
