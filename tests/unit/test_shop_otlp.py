"""The shop's OTLP receiver takes exports however they are framed."""

from __future__ import annotations

import gzip
import http.client

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from pipelines.shop.otlp import OtlpReceiver


def export_body() -> bytes:
    span = Span(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="PlaceOrder")
    resource_spans = ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])
    resource_spans.resource.attributes.append(
        KeyValue(key="service.name", value=AnyValue(string_value="checkout"))
    )
    return ExportTraceServiceRequest(resource_spans=[resource_spans]).SerializeToString()


def post(receiver: OtlpReceiver, body: bytes, headers: dict[str, str], chunked: bool) -> int:
    host, port = receiver.endpoint.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    if chunked:
        connection.putrequest("POST", "/v1/traces")
        for key, value in {**headers, "Transfer-Encoding": "chunked"}.items():
            connection.putheader(key, value)
        connection.endheaders()
        for start in range(0, len(body), 7):
            piece = body[start : start + 7]
            connection.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        connection.send(b"0\r\n\r\n")
    else:
        connection.request("POST", "/v1/traces", body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_a_length_framed_export_is_kept():
    with OtlpReceiver() as receiver:
        assert post(receiver, export_body(), {}, chunked=False) == 200
        (span,) = receiver.spans()
    assert (span.name, span.service, span.trace_id) == ("PlaceOrder", "checkout", "01" * 16)


def test_a_chunked_export_is_kept():
    with OtlpReceiver() as receiver:
        assert post(receiver, export_body(), {}, chunked=True) == 200
        assert [s.name for s in receiver.spans()] == ["PlaceOrder"]


def test_a_gzipped_export_is_kept():
    with OtlpReceiver() as receiver:
        body = gzip.compress(export_body())
        assert post(receiver, body, {"Content-Encoding": "gzip"}, chunked=False) == 200
        assert [s.name for s in receiver.spans()] == ["PlaceOrder"]


def test_a_malformed_export_is_refused():
    with OtlpReceiver() as receiver:
        assert post(receiver, b"\xff\xff not protobuf", {}, chunked=False) == 400
        assert receiver.spans() == []
