"""OpenTelemetry export: run > service > stage spans, received by a real OTLP/HTTP endpoint.

The receiver is a small HTTP server in the test process that decodes each request with
opentelemetry-proto, exactly as a collector would read it.
"""

from __future__ import annotations

import gzip
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from pipelines.reports.telemetry import export_spans
from pipelines.results import RunResult, ServiceResult, StageResult
from pipelines.results import Status as StageStatus
from pipelines.steps import Stage

T0 = 1_767_225_600.0
SECRET = "s3cr3t-token-value"


@dataclass
class Receiver:
    url: str
    path: str = "/v1/traces"
    reply_code: int = 200
    requests: list[tuple[str, dict[str, str], ExportTraceServiceRequest]] = field(
        default_factory=list
    )

    def spans(self) -> list[Span]:
        return [
            span
            for _, _, request in self.requests
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]

    def resource(self) -> dict[str, Any]:
        (_, _, request) = self.requests[0]
        return _attrs(request.resource_spans[0].resource.attributes)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.requests.append((self.path, headers, request))
            code = state.reply_code if self.path == state.path else 404
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(code)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _value(value: AnyValue) -> Any:
    return getattr(value, value.WhichOneof("value"))


def _attrs(attributes: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in attributes}


def _result() -> RunResult:
    cart = ServiceResult(
        "cart",
        "go",
        "services/cart",
        (
            StageResult("cart", Stage.BUILD, StageStatus.PASSED, 2.0, T0 + 1, T0 + 3),
            StageResult(
                "cart",
                Stage.TEST,
                StageStatus.FAILED,
                4.0,
                T0 + 3,
                T0 + 7,
                reason="1 test failed",
            ),
            StageResult("cart", Stage.LINT, StageStatus.SKIPPED, reason="an earlier stage failed"),
        ),
    )
    ad = ServiceResult(
        "ad",
        "java",
        "services/ad",
        (StageResult("ad", Stage.SCA, StageStatus.PASSED, 1.5, T0 + 1, T0 + 2.5, findings=2),),
    )
    return RunResult("local", T0, T0 + 8, (cart, ad), revision="abc123")


def _by_name(spans: list[Span]) -> dict[str, Span]:
    return {s.name: s for s in spans}


def _ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


def test_spans_form_a_run_service_stage_tree(receiver: Receiver) -> None:
    exported = export_spans(_result(), {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    spans = _by_name(receiver.spans())
    assert exported == len(spans) == 1 + 2 + 4
    run = spans["commerce-ci run"]
    assert run.parent_span_id == b""
    for service, stages in (("cart", ("build", "test", "lint")), ("ad", ("sca",))):
        svc = spans[f"service {service}"]
        assert svc.parent_span_id == run.span_id
        for stage in stages:
            assert spans[f"{service} {stage}"].parent_span_id == svc.span_id
    assert {s.trace_id for s in spans.values()} == {run.trace_id}


def test_spans_carry_the_recorded_start_and_end_times(receiver: Receiver) -> None:
    export_spans(_result(), {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    spans = _by_name(receiver.spans())
    test = spans["cart test"]
    assert (test.start_time_unix_nano, test.end_time_unix_nano) == (_ns(T0 + 3), _ns(T0 + 7))
    cart = spans["service cart"]
    assert (cart.start_time_unix_nano, cart.end_time_unix_nano) == (_ns(T0 + 1), _ns(T0 + 7))
    run = spans["commerce-ci run"]
    assert (run.start_time_unix_nano, run.end_time_unix_nano) == (_ns(T0), _ns(T0 + 8))
    # a skipped stage never ran: zero length, right after the stage before it
    lint = spans["cart lint"]
    assert lint.start_time_unix_nano == lint.end_time_unix_nano == _ns(T0 + 7)


def test_failed_stage_and_its_parents_have_error_status(receiver: Receiver) -> None:
    export_spans(_result(), {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    spans = _by_name(receiver.spans())
    assert spans["cart test"].status.code == Status.STATUS_CODE_ERROR
    assert spans["cart test"].status.message == "1 test failed"
    assert spans["service cart"].status.code == Status.STATUS_CODE_ERROR
    assert spans["commerce-ci run"].status.code == Status.STATUS_CODE_ERROR
    assert spans["cart build"].status.code == Status.STATUS_CODE_OK
    assert spans["service ad"].status.code == Status.STATUS_CODE_OK


def test_stage_attributes_name_service_stage_status_and_findings(receiver: Receiver) -> None:
    export_spans(_result(), {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    spans = _by_name(receiver.spans())
    assert _attrs(spans["ad sca"].attributes) == {
        "commerce_ci.engine": "local",
        "commerce_ci.service": "ad",
        "commerce_ci.language": "java",
        "commerce_ci.stage": "sca",
        "commerce_ci.status": "passed",
        "commerce_ci.findings": 2,
        "cicd.pipeline.task.name": "ad/sca",
        "cicd.pipeline.task.run.result": "success",
    }
    test = _attrs(spans["cart test"].attributes)
    assert test["cicd.pipeline.task.type"] == "test"
    assert test["cicd.pipeline.task.run.result"] == "failure"
    assert test["commerce_ci.reason"] == "1 test failed"
    assert _attrs(spans["cart lint"].attributes)["cicd.pipeline.task.run.result"] == "skip"


def test_run_span_uses_cicd_pipeline_conventions(receiver: Receiver) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "GITHUB_RUN_ID": "42",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/shop",
    }
    export_spans(_result(), env)
    run = _attrs(_by_name(receiver.spans())["commerce-ci run"].attributes)
    assert run["cicd.pipeline.name"] == "commerce-ci"
    assert run["cicd.pipeline.result"] == "failure"
    assert run["cicd.pipeline.run.id"] == "42"
    assert run["cicd.pipeline.run.url.full"] == "https://github.com/acme/shop/actions/runs/42"
    assert run["vcs.ref.head.revision"] == "abc123"
    assert run["commerce_ci.engine"] == "local"


def test_resource_names_the_service_commerce_ci(receiver: Receiver) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=ci,service.name=other",
    }
    export_spans(_result(), env)
    resource = receiver.resource()
    assert resource["service.name"] == "commerce-ci"
    assert resource["deployment.environment.name"] == "ci"


def test_headers_reach_the_collector_but_never_the_logs(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer%20{SECRET},x-tenant=shop",
    }
    with caplog.at_level(logging.DEBUG):
        assert export_spans(_result(), env) == 7
    (_, headers, _) = receiver.requests[0]
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert headers["x-tenant"] == "shop"
    assert SECRET not in caplog.text


def test_traces_endpoint_is_used_as_given(receiver: Receiver) -> None:
    receiver.path = "/custom/traces"
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",  # overridden by the line below
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.url + "/custom/traces",
    }
    assert export_spans(_result(), env) == 7
    assert [path for path, _, _ in receiver.requests] == ["/custom/traces"]


def test_a_collector_that_refuses_the_spans_yields_zero_without_raising(
    receiver: Receiver,
) -> None:
    receiver.reply_code = 400
    assert export_spans(_result(), {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}) == 0
    assert len(receiver.requests) == 1


def test_without_an_endpoint_nothing_is_exported_or_imported() -> None:
    probe = (
        "import sys\n"
        "from pipelines.reports.telemetry import export_spans\n"
        "from pipelines.results import RunResult\n"
        "print(export_spans(RunResult('local', 0.0, 1.0), {}), 'opentelemetry' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["0", "False"]
