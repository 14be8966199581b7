"""A small OTLP/HTTP receiver: enough of a collector to prove that traces cross every service.

It accepts protobuf `ExportTraceServiceRequest`s on /v1/traces (and acknowledges /v1/metrics and
/v1/logs without keeping them), flattens every span to a `ReceivedSpan`, and appends each as a
JSON line to a file so a person can read what arrived after the fact.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ReceivedSpan:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    service: str
    kind: int
    status_code: int
    #: Wall-clock start and end in nanoseconds since the epoch (for the trace pages).
    start_ns: int = 0
    end_ns: int = 0
    status_message: str = ""
    #: The span's attributes as (key, text) pairs, in the order they were sent.
    attributes: tuple[tuple[str, str], ...] = ()


def _attribute(attributes: Any, key: str) -> str:
    for attribute in attributes:
        if attribute.key == key:
            return attribute.value.string_value
    return ""


def _value_text(value: Any) -> str:
    which = value.WhichOneof("value")
    return "" if which is None else str(getattr(value, which))


def decode_traces(body: bytes) -> list[ReceivedSpan]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        service = _attribute(resource_spans.resource.attributes, "service.name")
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        service=service,
                        kind=span.kind,
                        status_code=span.status.code,
                        start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano,
                        status_message=span.status.message,
                        attributes=tuple((a.key, _value_text(a.value)) for a in span.attributes),
                    )
                )
    return spans


class OtlpReceiver:
    """Runs on 127.0.0.1 in a background thread; `endpoint` is what OTEL_EXPORTER_OTLP_ENDPOINT
    should be set to."""

    def __init__(self, record: Path | None = None, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._spans: list[ReceivedSpan] = []
        self._record = record
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _body(self) -> bytes:
                """The request body, sent with a length or in chunks (Node's exporters)."""
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    chunks = []
                    while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    self.rfile.readline()
                    return b"".join(chunks)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self) -> None:
                """The trace list (/) and one trace's waterfall (/traces/<id>)."""
                from pipelines.shop.trace_pages import render_get

                status, body = render_get(self.path, receiver.traces())
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self._body()
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                status = 200
                if self.path == "/v1/traces":
                    try:
                        receiver._keep(decode_traces(body))
                    except Exception:  # a malformed export is the sender's bug: say so
                        status = 400
                elif self.path not in ("/v1/metrics", "/v1/logs"):
                    status = 404
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _keep(self, spans: list[ReceivedSpan]) -> None:
        with self._lock:
            self._spans.extend(spans)
            if self._record is not None:
                with open(self._record, "a", encoding="utf-8") as out:
                    for span in spans:
                        out.write(json.dumps(asdict(span)) + "\n")

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def traces(self) -> dict[str, list[ReceivedSpan]]:
        grouped: dict[str, list[ReceivedSpan]] = {}
        for span in self.spans():
            grouped.setdefault(span.trace_id, []).append(span)
        return grouped

    def start(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OtlpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
