// Package grpcserver builds the gRPC server every Go service runs: OpenTelemetry stats handler
// (spans and rpc.server.* metrics), one log line per call, the standard health service, and a
// graceful stop driven by a context.
package grpcserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// Server is a gRPC server with its health service; register services on GRPC before Serve.
type Server struct {
	GRPC   *grpc.Server
	Health *health.Server
	logger *slog.Logger
}

// New builds the server. Health starts NOT_SERVING: call Ready (or Health directly) once the
// service can take traffic.
func New(logger *slog.Logger) *Server {
	s := &Server{Health: health.NewServer(), logger: logger}
	s.GRPC = grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(s.logCalls),
	)
	s.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(s.GRPC, s.Health)
	return s
}

// Ready marks the whole server SERVING.
func (s *Server) Ready() {
	s.Health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
}

// TrackReadiness runs check now and then every interval until ctx is done, reporting SERVING
// while it succeeds and NOT_SERVING while it fails (a dependency such as Redis is down).
// After Serve's shutdown the health server ignores further updates, so the two cannot race.
func (s *Server) TrackReadiness(ctx context.Context, check func(context.Context) error, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	ready, first := false, true
	for {
		checkCtx, cancel := context.WithTimeout(ctx, interval)
		err := check(checkCtx)
		cancel()
		if ok := err == nil; first || ok != ready {
			if ok {
				s.logger.InfoContext(ctx, "ready")
				s.Ready()
			} else {
				s.logger.WarnContext(ctx, "not ready", "error", err)
				s.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
			}
			ready, first = ok, false
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Serve serves on lis until ctx is done, then reports NOT_SERVING, lets in-flight calls finish
// for at most drain, and stops. It returns nil after a shutdown asked for through ctx.
func (s *Server) Serve(ctx context.Context, lis net.Listener, drain time.Duration) error {
	served := make(chan error, 1)
	go func() { served <- s.GRPC.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.Health.Shutdown()
	stopped := make(chan struct{})
	go func() {
		s.GRPC.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(drain)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		s.logger.Warn("in-flight calls outlived the drain period; stopping hard", "drain", drain)
		s.GRPC.Stop()
		<-stopped
	}
	if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

func (s *Server) logCalls(
	ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler,
) (any, error) {
	if info.FullMethod == healthpb.Health_Check_FullMethodName {
		return handler(ctx, req)
	}
	start := time.Now()
	resp, err := handler(ctx, req)
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("method", info.FullMethod),
		slog.String("code", status.Code(err).String()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.logger.LogAttrs(ctx, level, "rpc", attrs...)
	return resp, err
}
