"""/metrics on METRICS_PORT: the service's own request metrics, in the Prometheus text format,
and no listener at all without METRICS_PORT."""

from __future__ import annotations

import os
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from commerce_telemetry.prometheus import MetricsAddress, metrics_address
from commerce_telemetry.serving import build_server
from commerce_telemetry.telemetry import Telemetry, setup_telemetry

TCP_LISTEN = "0A"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_ports() -> set[int]:
    """The TCP ports this process listens on: its socket inodes matched in /proc/net/tcp*."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # the fd listing itself, closed since
            continue
        if target.startswith("socket:["):
            inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == TCP_LISTEN and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def scrape(port: int) -> tuple[str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.headers["Content-Type"], response.read().decode()


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    env = {"METRICS_PORT": str(free_port()), "METRICS_HOST": "127.0.0.1"}
    telemetry = setup_telemetry(env, "svc")
    yield telemetry
    telemetry.shutdown()


def test_metrics_port_opens_an_endpoint_in_the_prometheus_text_format(
    telemetry: Telemetry,
) -> None:
    assert telemetry.metrics_endpoint is not None
    counter = telemetry.meter_provider.get_meter("test").create_counter("orders.placed")
    counter.add(3)
    content_type, body = scrape(telemetry.metrics_endpoint.port)
    assert content_type.startswith("text/plain")
    assert "# TYPE orders_placed_total counter" in body
    assert 'orders_placed_total{otel_scope_name="test"' in body


def test_a_grpc_call_is_counted_in_the_scrape(telemetry: Telemetry) -> None:
    """build_server's interceptor records rpc.server.requests; one call shows up in /metrics."""
    server, _, port = build_server(telemetry, lambda _: None, (), "127.0.0.1:0")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
    finally:
        server.stop(None)
    assert telemetry.metrics_endpoint is not None
    _, body = scrape(telemetry.metrics_endpoint.port)
    assert "# TYPE rpc_server_requests_total counter" in body
    assert 'rpc_method="/grpc.health.v1.Health/Check"' in body
    assert "rpc_server_duration_milliseconds_count{" in body


def test_without_metrics_port_nothing_listens() -> None:
    before = listening_ports()
    telemetry = setup_telemetry({}, "svc")
    try:
        assert telemetry.metrics_endpoint is None
        assert listening_ports() == before
    finally:
        telemetry.shutdown()


def test_the_endpoint_listens_on_every_interface_unless_narrowed() -> None:
    assert metrics_address({"METRICS_PORT": "9464"}) == MetricsAddress("0.0.0.0", 9464)  # noqa: S104
    assert metrics_address({"METRICS_PORT": "9464", "METRICS_HOST": "127.0.0.1"}) == (
        MetricsAddress("127.0.0.1", 9464)
    )
    assert metrics_address({"METRICS_PORT": ""}) is None


def test_a_malformed_metrics_port_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="METRICS_PORT"):
        setup_telemetry({"METRICS_PORT": "http"}, "svc")


def test_a_taken_metrics_port_fails_the_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {"METRICS_PORT": str(taken.getsockname()[1]), "METRICS_HOST": "127.0.0.1"}
        with pytest.raises(OSError):
            setup_telemetry(env, "svc")
