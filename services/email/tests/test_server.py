"""The EmailService over a real gRPC channel: health, the log sink, and its server span."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from commerce.v1 import commerce_pb2, commerce_pb2_grpc
from commerce_email.render import template_environment
from commerce_email.server import EmailService
from commerce_telemetry.serving import build_server
from commerce_telemetry.telemetry import setup_telemetry
from tests.orders import order


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def channel(spans: InMemorySpanExporter) -> Iterator[grpc.Channel]:
    telemetry = setup_telemetry({}, "email")
    telemetry.tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    service = EmailService(template_environment())
    server, _, port = build_server(
        telemetry,
        lambda s: commerce_pb2_grpc.add_EmailServiceServicer_to_server(service, s),
        ("commerce.v1.EmailService",),
        "127.0.0.1:0",
    )
    with grpc.insecure_channel(f"127.0.0.1:{port}") as chan:
        yield chan
    server.stop(None)
    telemetry.shutdown()


def test_health_reports_serving(channel: grpc.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service="commerce.v1.EmailService")
    status = stub.Check(request, timeout=5).status
    assert status == health_pb2.HealthCheckResponse.SERVING


def test_confirmation_is_written_to_the_log_sink(
    channel: grpc.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    stub = commerce_pb2_grpc.EmailServiceStub(channel)
    request = commerce_pb2.SendOrderConfirmationRequest(email="ada@example.com", order=order())
    with caplog.at_level("INFO", logger="commerce_email.sink"):
        stub.SendOrderConfirmation(request, timeout=5)
    (record,) = [r for r in caplog.records if r.name == "commerce_email.sink"]
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["to"] == "ada@example.com" and fields["order_id"] == "ord-42"
    assert "398.92 USD" in fields["body"]


def test_a_bad_address_is_an_invalid_argument(channel: grpc.Channel) -> None:
    stub = commerce_pb2_grpc.EmailServiceStub(channel)
    request = commerce_pb2.SendOrderConfirmationRequest(email="nobody", order=order())
    with pytest.raises(grpc.RpcError) as error:
        stub.SendOrderConfirmation(request, timeout=5)
    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_each_call_is_traced_as_a_server_span(
    channel: grpc.Channel, spans: InMemorySpanExporter
) -> None:
    stub = commerce_pb2_grpc.EmailServiceStub(channel)
    request = commerce_pb2.SendOrderConfirmationRequest(email="ada@example.com", order=order())
    stub.SendOrderConfirmation(request, timeout=5)
    names = [s.name for s in spans.get_finished_spans()]
    assert "/commerce.v1.EmailService/SendOrderConfirmation" in names
