"""The service's HTTP face: /healthz, /readyz and GET /totals as JSON."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.trace import SpanKind, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from commerce_accounting.ledger import Ledger

PROPAGATOR = TraceContextTextMapPropagator()


def totals_document(ledger: Ledger) -> dict[str, object]:
    return {"totals": {code: total.as_json() for code, total in ledger.snapshot().items()}}


def make_server(
    address: tuple[str, int],
    ledger: Ledger,
    ready: threading.Event,
    alive: Callable[[], bool],
    tracer_provider: TracerProvider,
) -> ThreadingHTTPServer:
    tracer = tracer_provider.get_tracer(__name__)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                ok = alive()
                self._send(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE, {"ok": ok})
            elif path == "/readyz":
                ok = ready.is_set()
                self._send(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE, {"ok": ok})
            elif path == "/totals":
                parent = PROPAGATOR.extract(dict(self.headers.items()))
                with tracer.start_as_current_span(
                    "GET /totals",
                    context=parent,
                    kind=SpanKind.SERVER,
                    attributes={"http.request.method": "GET", "http.route": "/totals"},
                ):
                    self._send(HTTPStatus.OK, totals_document(ledger))
            else:
                self._send(HTTPStatus.NOT_FOUND, {"error": f"no route {path}"})

        def _send(self, status: HTTPStatus, document: object) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Probes every few seconds would drown the JSON logs: access lines are dropped."""

    server = ThreadingHTTPServer(address, Handler)
    server.daemon_threads = True
    return server
