"""Prometheus /metrics on $METRICS_PORT: the meter provider's instruments for a pull scrape.

The endpoint opens only when METRICS_PORT is set. The chart always sets it (the port its
ServiceMonitor scrapes); a local shop runs many services on one host and leaves it unset, so
they never fight over one port. It never shares the service's own port.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from prometheus_client import CollectorRegistry, start_http_server

PORT_VAR = "METRICS_PORT"
#: Narrows the interface (all of them by default, as a pod needs; tests use 127.0.0.1).
HOST_VAR = "METRICS_HOST"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - Prometheus scrapes the pod from outside


@dataclass(frozen=True)
class MetricsAddress:
    host: str
    port: int


def metrics_address(env: Mapping[str, str]) -> MetricsAddress | None:
    """Where to serve /metrics, or None when METRICS_PORT is unset."""
    raw = env.get(PORT_VAR, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 65535:
        raise ValueError(f"{PORT_VAR} must be a port number, got {raw!r}")
    return MetricsAddress(env.get(HOST_VAR) or ALL_INTERFACES, int(raw))


@dataclass(frozen=True)
class MetricsEndpoint:
    """A listening /metrics server (its own thread) and the reader that feeds it."""

    reader: PrometheusMetricReader
    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_metrics(address: MetricsAddress) -> MetricsEndpoint:
    """A reader on a registry of its own (no process-global state), served on `address`.

    It listens before returning, so a port already taken fails the start instead of leaving a
    silent gap in the scrape.
    """
    registry = CollectorRegistry(auto_describe=True)
    reader = PrometheusMetricReader(registry=registry)
    server, thread = start_http_server(address.port, addr=address.host, registry=registry)
    return MetricsEndpoint(reader, server, thread)
