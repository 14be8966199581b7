"""A gRPC server's life: health SERVING once listening, NOT_SERVING and a grace period on
SIGTERM/SIGINT, telemetry flushed last."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from opentelemetry.instrumentation.grpc import client_interceptor, server_interceptor
from opentelemetry.instrumentation.grpc.grpcext import intercept_channel

from commerce_telemetry.grpc_metrics import MetricsInterceptor
from commerce_telemetry.telemetry import Telemetry

log = logging.getLogger(__name__)

#: Seconds in-flight calls get to finish once a shutdown begins.
GRACE_SECONDS = 10.0


def build_server(
    telemetry: Telemetry,
    register: Callable[[grpc.Server], None],
    service_names: Sequence[str],
    address: str,
) -> tuple[grpc.Server, health.HealthServicer, int]:
    """A started server with tracing, metrics and health; returns the port actually bound."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        interceptors=[
            server_interceptor(tracer_provider=telemetry.tracer_provider),
            MetricsInterceptor(telemetry.meter_provider),
        ],
    )
    register(server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = server.add_insecure_port(address)
    server.start()
    for name in ("", *service_names):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, health_servicer, port


def serve_until_signalled(
    server: grpc.Server, health_servicer: health.HealthServicer, telemetry: Telemetry
) -> None:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    # A bounded wait: the signal may land on a gRPC thread, and only a waking main thread runs
    # Python's handler, so an unbounded wait could sleep through SIGTERM.
    while not stop.wait(0.5):
        pass
    log.info("shutting down", extra={"fields": {"grace_seconds": GRACE_SECONDS}})
    health_servicer.enter_graceful_shutdown()
    server.stop(GRACE_SECONDS).wait()
    telemetry.shutdown()


def traced_channel(address: str, telemetry: Telemetry) -> grpc.Channel:
    """A client channel whose calls are client spans carrying W3C trace context."""
    return intercept_channel(
        grpc.insecure_channel(address),
        client_interceptor(tracer_provider=telemetry.tracer_provider),
    )
