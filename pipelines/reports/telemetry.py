"""The run as OpenTelemetry spans (run > service > stage), sent over OTLP/HTTP after the fact.

Spans are built from the finished RunResult with the recorded start and end times rather than
traced live: the scheduler stays free of tracing code, and a run that crashed half-way still
has a result to export. A private TracerProvider is used and shut down here, so nothing global
is touched and exporting twice in one process (tests, the Dagger module) stays independent.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pipelines.reports.run_report import run_status
from pipelines.results import RunResult, ServiceResult, StageResult, Status
from pipelines.steps import Stage

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

SERVICE_NAME = "commerce-ci"
PIPELINE_NAME = "commerce-ci"
#: Seconds the export (with the exporter's own retries) may take before it is abandoned.
EXPORT_TIMEOUT_S = 10.0

_TASK_RESULT = {
    Status.PASSED: "success",
    Status.FAILED: "failure",
    Status.SKIPPED: "skip",
    Status.CACHED: "skip",
}
#: cicd.pipeline.task.type only knows build, test and deploy; lint and SCA get no type.
_TASK_TYPE = {Stage.BUILD: "build", Stage.TEST: "test"}


def traces_endpoint(env: Mapping[str, str]) -> str | None:
    """The OTLP/HTTP traces URL, following the OTel spec's precedence for the two variables."""
    specific = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if specific:
        return specific
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    if base:
        return base.rstrip("/") + "/v1/traces"
    return None


def parse_key_values(text: str) -> dict[str, str]:
    """`k1=v1,k2=v2` with percent-encoded values (OTEL_*_HEADERS, OTEL_RESOURCE_ATTRIBUTES)."""
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            pairs[unquote(key.strip())] = unquote(value.strip())
    return pairs


def _headers(env: Mapping[str, str]) -> dict[str, str]:
    headers = parse_key_values(env.get("OTEL_EXPORTER_OTLP_HEADERS", ""))
    headers.update(parse_key_values(env.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "")))
    return headers


def _ns(epoch_s: float) -> int:
    return int(epoch_s * 1_000_000_000)


def _ci_run_attributes(env: Mapping[str, str]) -> dict[str, str]:
    """cicd.pipeline.run.* from GitHub Actions' variables, when the run is in Actions."""
    run_id = env.get("GITHUB_RUN_ID")
    if not run_id:
        return {}
    attrs = {"cicd.pipeline.run.id": run_id}
    server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    if server and repo:
        attrs["cicd.pipeline.run.url.full"] = f"{server}/{repo}/actions/runs/{run_id}"
    return attrs


def _stage_window(
    stage: StageResult, previous_end: float, bounds: tuple[float, float]
) -> tuple[float, float]:
    """A stage that never ran (skipped) has no times: it sits, zero-length, after the last one."""
    if stage.started_at and stage.finished_at:
        return stage.started_at, max(stage.finished_at, stage.started_at)
    point = min(max(previous_end, bounds[0]), bounds[1])
    return point, point


def _service_window(service: ServiceResult, run: RunResult) -> tuple[float, float]:
    starts = [s.started_at for s in service.stages if s.started_at]
    ends = [s.finished_at for s in service.stages if s.finished_at]
    start = min(starts) if starts else run.started_at
    end = max(ends) if ends else start
    return start, max(end, start)


class _CountingExporter:
    """Passes spans on and counts those the collector accepted."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        from opentelemetry.sdk.trace.export import SpanExportResult

        outcome = self._inner.export(spans)
        if outcome is SpanExportResult.SUCCESS:
            with self._lock:
                self.exported += len(spans)
        return outcome

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def export_spans(
    result: RunResult, env: Mapping[str, str], timeout_s: float = EXPORT_TIMEOUT_S
) -> int:
    """Send the run's spans to the OTLP endpoint named in `env`; returns how many it accepted.

    Does nothing (0) when no endpoint is configured. Headers from OTEL_EXPORTER_OTLP_HEADERS go
    to the exporter only; they are never logged. An unreachable or refusing collector costs at
    most about `timeout_s` and yields 0; it never fails the run.
    """
    endpoint = traces_endpoint(env)
    if endpoint is None:
        return 0
    provider, exporter = _provider(endpoint, env, timeout_s)
    tracer = provider.get_tracer("pipelines.reports.telemetry")
    run_span = _run_span(tracer, result, env)
    for service in result.services:
        _service_spans(tracer, run_span, service, result)
    run_span.end(end_time=_ns(max(result.finished_at, result.started_at)))
    provider.force_flush(timeout_millis=int(timeout_s * 1000))
    provider.shutdown()
    return exporter.exported


def _provider(endpoint: str, env: Mapping[str, str], timeout_s: float) -> tuple[Any, Any]:
    """A tracer provider batching into a counting OTLP/HTTP exporter."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource_attrs: dict[str, Any] = parse_key_values(env.get("OTEL_RESOURCE_ATTRIBUTES", ""))
    resource_attrs["service.name"] = SERVICE_NAME
    provider = TracerProvider(resource=Resource(resource_attrs))
    exporter = _CountingExporter(
        OTLPSpanExporter(endpoint=endpoint, headers=_headers(env) or None, timeout=timeout_s)
    )
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=512))  # type: ignore[arg-type]
    return provider, exporter


def _status(failed: bool, description: str | None = None) -> Any:
    from opentelemetry import trace

    if failed:
        return trace.Status(trace.StatusCode.ERROR, description)
    return trace.Status(trace.StatusCode.OK)


def _run_span(tracer: Any, result: RunResult, env: Mapping[str, str]) -> Any:
    outcome = "cancellation" if result.interrupted else ("failure" if result.failed else "success")
    span = tracer.start_span(
        "commerce-ci run",
        start_time=_ns(result.started_at),
        attributes={
            "commerce_ci.engine": result.engine,
            "commerce_ci.status": run_status(result),
            "commerce_ci.services": len(result.services),
            "cicd.pipeline.name": PIPELINE_NAME,
            "cicd.pipeline.action.name": "RUN",
            "cicd.pipeline.result": outcome,
            **({"vcs.ref.head.revision": result.revision} if result.revision else {}),
            **_ci_run_attributes(env),
        },
    )
    span.set_status(_status(result.failed or result.interrupted, run_status(result)))
    return span


def _service_spans(tracer: Any, run_span: Any, service: ServiceResult, result: RunResult) -> None:
    """The service's span under the run's, and a span per stage under it."""
    from opentelemetry import trace

    svc_start, svc_end = _service_window(service, result)
    common = {
        "commerce_ci.engine": result.engine,
        "commerce_ci.service": service.name,
        "commerce_ci.language": service.language,
    }
    svc_span = tracer.start_span(
        f"service {service.name}",
        context=trace.set_span_in_context(run_span),
        start_time=_ns(svc_start),
        attributes={
            **common,
            "commerce_ci.path": service.path,
            "commerce_ci.status": str(service.status),
        },
    )
    svc_span.set_status(_status(service.status is Status.FAILED))
    context = trace.set_span_in_context(svc_span)
    previous_end = svc_start
    for stage in service.stages:
        start, end = _stage_window(stage, previous_end, (svc_start, svc_end))
        previous_end = end
        span = tracer.start_span(
            f"{service.name} {stage.stage}",
            context=context,
            start_time=_ns(start),
            attributes=_stage_attributes(common, service, stage),
        )
        span.set_status(_status(stage.status is Status.FAILED, stage.reason))
        span.end(end_time=_ns(end))
    svc_span.end(end_time=_ns(svc_end))


def _stage_attributes(
    common: Mapping[str, Any], service: ServiceResult, stage: StageResult
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        **common,
        "commerce_ci.stage": str(stage.stage),
        "commerce_ci.status": str(stage.status),
        "commerce_ci.findings": stage.findings,
        "cicd.pipeline.task.name": f"{service.name}/{stage.stage}",
        "cicd.pipeline.task.run.result": _TASK_RESULT[stage.status],
    }
    if stage.stage in _TASK_TYPE:
        attrs["cicd.pipeline.task.type"] = _TASK_TYPE[stage.stage]
    if stage.reason:
        attrs["commerce_ci.reason"] = stage.reason
    return attrs
