"""Runs the stages of many services: services concurrently, the stages of one in order.

What a stage is (`pipelines.steps.STAGES`) decides who does its work: a `STEPS` stage is the
toolchain's Steps on the engine, then the gate when they write findings; a `SERVICE` stage is
its handler in `pipelines.stages`, given what the service's earlier stages handed on
(`Carried`); a `RUN` stage runs once, after every service, over what they all handed on. A stage
whose part of the run is missing (no registry for `image`) fails saying what to give.

Fail-fast (the default) stops starting new work once a stage fails; `keep_going` lets every
other service finish. Whatever is not run is marked `skipped` with the reason, never dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from pipelines import events
from pipelines.errors import CommerceCiError
from pipelines.events import Sink
from pipelines.logs import append_line
from pipelines.results import RunResult, ServiceResult, StageResult, Status, StepOutcome
from pipelines.stages import (
    RUN_HANDLERS,
    SERVICE_HANDLERS,
    Carried,
    Job,
    RunDone,
    RunJob,
    image_inputs,
)
from pipelines.steps import CHECK_STAGES, IMAGE_STAGES, STAGES, Stage, StageKind, Step
from pipelines.toolchains.base import Toolchain, ToolchainOptions

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.engines.base import Engine, RunContext
    from pipelines.gitops.release import ReleaseWriter
    from pipelines.images.publisher import ImagePublisher, ImageRecord
    from pipelines.sca.gate import GateVerdict
    from pipelines.supply.stage import Attestor


@dataclass(frozen=True)
class RunOptions:
    stages: tuple[Stage, ...] = CHECK_STAGES
    #: Services run at once.
    jobs: int = 2
    #: Keep running other services after one fails (otherwise: stop starting new work).
    keep_going: bool = False
    #: Findings at or above this severity fail the SCA gate; unknown severity counts as high.
    severity_threshold: str = "low"
    toolchain: ToolchainOptions = field(default_factory=ToolchainOptions)
    #: Builds and pushes images (the image and push stages); None: those stages fail, saying so.
    images: ImagePublisher | None = None
    #: Records pushed images in GitOps (the manifest and commit stages).
    release: ReleaseWriter | None = None
    #: Makes the SBOM, audits it, signs and attests (the sbom and sign stages).
    attestor: Attestor | None = None


def _default_toolchain(service: Service) -> Toolchain:
    from pipelines.toolchains import toolchain_for

    return toolchain_for(service)


@dataclass
class _Stop:
    """Set once a stage fails in fail-fast mode; remembers who failed first."""

    by: str | None = None


def _failure_reason(outcome: StepOutcome) -> str:
    step = outcome.step
    if outcome.error:
        return outcome.error
    if outcome.timed_out:
        return f"{step.name} timed out"
    return f"{step.name} exited with code {outcome.exit_code}"


def _missing_tool_reason(tools: tuple[str, ...], toolchain: Toolchain) -> str:
    parts = []
    for tool in tools:
        hint = toolchain.install_hints.get(tool, "install it and put it on PATH")
        parts.append(f"required tool '{tool}' is not installed ({hint})")
    return "; ".join(parts)


def _gated(steps: Sequence[Step]) -> bool:
    """Stages whose steps write findings (SARIF, OSV) end with the gate."""
    return any(r.kind in ("sarif", "osv-json") for step in steps for r in step.reports)


class _StageLogs:
    """A service's stage logs, each emptied the first time this run writes it (the lookup
    writes the image log before the image stage adds to it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fresh: set[Stage] = set()

    def __call__(self, stage: Stage) -> Path:
        path = self.folder / f"{stage.value}.log"
        if stage not in self._fresh:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
            self._fresh.add(stage)
        return path


@dataclass(frozen=True)
class _Clock:
    """When a stage started, for its result."""

    wall: float = field(default_factory=time.time)
    mono: float = field(default_factory=time.monotonic)

    def result(self, service: str, stage: Stage, status: Status, **kw: Any) -> StageResult:
        return StageResult(
            service,
            stage,
            status,
            duration_s=time.monotonic() - self.mono,
            started_at=self.wall,
            finished_at=time.time(),
            **kw,
        )


@dataclass(frozen=True)
class _ServiceRun:
    """The stages of one service, in order; what they hand on is passed, not kept here."""

    service: Service
    toolchain: Toolchain
    engine: Engine
    ctx: RunContext
    options: RunOptions
    sink: Sink
    logs: _StageLogs

    async def lookup(self) -> ImageRecord | None:
        """The image these inputs already made, when the registry has one (else build)."""
        images = self.options.images
        if images is None or not set(IMAGE_STAGES) & set(self.options.stages):
            return None
        log = self.logs(Stage.IMAGE)
        inputs = image_inputs(self.service, self.toolchain, self.options.toolchain)
        try:
            return await images.lookup(inputs, log)
        except CommerceCiError as exc:
            append_line(log, f"cache lookup failed, building: {exc}")
            return None

    async def stage(self, stage: Stage, carried: Carried) -> tuple[StageResult, Carried]:
        """Run `stage` the way its declaration says; return its result and what it hands on."""
        self.sink.emit(events.StageStarted(self.service.name, stage))
        clock = _Clock()
        try:
            if STAGES[stage].kind is StageKind.STEPS:
                return await self._steps(stage), carried
            return await self._handled(stage, carried)
        except (OSError, UnicodeError) as exc:  # a file a stage reads or writes: its failure
            reason = f"{type(exc).__name__}: {exc}"
            return clock.result(self.service.name, stage, Status.FAILED, reason=reason), carried

    async def _handled(self, stage: Stage, carried: Carried) -> tuple[StageResult, Carried]:
        """A SERVICE stage: its handler, given what the earlier stages handed on."""
        clock, log, name = _Clock(), self.logs(stage), self.service.name
        job = Job(stage, self.service, self.toolchain, self.ctx, self.options, log)
        try:
            carried = await SERVICE_HANDLERS[stage](job, carried)
        except CommerceCiError as exc:
            append_line(log, str(exc))
            return clock.result(name, stage, Status.FAILED, log_path=log, reason=str(exc)), carried
        return clock.result(name, stage, Status.PASSED, log_path=log), carried

    async def _steps(self, stage: Stage) -> StageResult:
        """The toolchain's Steps in order until one fails, then the gate if they write findings."""
        clock, log = _Clock(), self.logs(stage)
        steps = self.toolchain.steps(self.service, stage, self.options.toolchain)
        if not steps:
            reason = f"{self.toolchain.language} has no {stage} steps"
            return clock.result(
                self.service.name, stage, Status.SKIPPED, log_path=log, reason=reason
            )
        outcomes, reason = await self._run_steps(steps, stage, log)
        findings = 0
        if outcomes and _gated(steps):
            verdict = self._gate(steps, stage)
            findings = verdict.findings
            if verdict.failed:
                reason = f"{reason}; {verdict.reason}" if reason else verdict.reason
        return clock.result(
            self.service.name,
            stage,
            Status.FAILED if reason else Status.PASSED,
            log_path=log,
            findings=findings,
            reason=reason,
            steps=tuple(outcomes),
            reports=tuple(p for o in outcomes for p in o.reports),
        )

    async def _run_steps(
        self, steps: Sequence[Step], stage: Stage, log: Path
    ) -> tuple[list[StepOutcome], str | None]:
        """Each step on the engine; stops at the first that fails (or cannot start)."""
        outcomes: list[StepOutcome] = []
        for step in steps:
            missing = self.engine.missing_tools(step)
            if missing:
                reason = _missing_tool_reason(missing, self.toolchain)
                append_line(log, reason)
                return outcomes, reason
            shown = self.engine.display(step, self.service, self.ctx)
            self.sink.emit(events.StepStarted(self.service.name, stage, step.name, shown))
            outcome = await self.engine.run_step(step, self.service, self.ctx, log)
            outcomes.append(outcome)
            if not outcome.succeeded:
                return outcomes, _failure_reason(outcome)
        return outcomes, None

    def _gate(self, steps: Sequence[Step], stage: Stage) -> GateVerdict:
        """Judge the findings from the copies the engine collected (same relative layout for
        both engines), so a scan that crashed still gets its reason from the gate."""
        from pipelines.sca.gate import evaluate_steps

        collected = self.ctx.artifacts_dir(self.service.name, stage.value)
        vulndb = self.ctx.vulndb if self.options.toolchain.offline_vulndb else None
        return evaluate_steps(steps, collected, self.options.severity_threshold, vulndb)

    def cached(self, stage: Stage, record: ImageRecord) -> StageResult:
        now = time.time()
        reason = f"inputs {record.input_digest[:19]} already shipped as {record.digest[:19]}"
        log = self.logs(Stage.IMAGE)  # where the lookup said what it found
        return StageResult(
            self.service.name,
            stage,
            Status.CACHED,
            started_at=now,
            finished_at=now,
            log_path=log,
            reason=reason,
        )

    def skipped(self, stage: Stage, reason: str) -> StageResult:
        now = time.time()
        return StageResult(
            self.service.name, stage, Status.SKIPPED, started_at=now, finished_at=now, reason=reason
        )


@dataclass(frozen=True)
class _Shared:
    """What every service's run shares: the options, the job slots and the fail-fast flag."""

    options: RunOptions
    sink: Sink
    limiter: anyio.CapacityLimiter
    stop: _Stop

    def blocked(self) -> str | None:
        if self.stop.by is not None and not self.options.keep_going:
            return f"stopped: {self.stop.by} failed (fail-fast)"
        return None


async def _one_service(run: _ServiceRun, shared: _Shared) -> tuple[ServiceResult, Carried]:
    """Every per-service stage of `run`, in order, with what each hands on to the next."""
    name = run.service.name
    stages: list[StageResult] = []
    blocked: str | None = None
    queued_at = ready = time.time()
    async with shared.limiter:
        slot_at = time.time()
        shipped = await run.lookup() if shared.blocked() is None else None
        carried = Carried(image=shipped)
        for stage in (s for s in shared.options.stages if STAGES[s].kind is not StageKind.RUN):
            blocked = blocked or shared.blocked()
            if blocked is not None:
                result = run.skipped(stage, blocked)
            elif shipped is not None and STAGES[stage].cached_with_image:
                result = run.cached(stage, shipped)
            else:
                result, carried = await run.stage(stage, carried)
                if result.status is Status.FAILED:
                    blocked = f"{stage} failed"
                    shared.stop.by = shared.stop.by or f"{name} {stage}"
            result = replace(result, queued_at=ready)
            ready = max(ready, result.finished_at)
            stages.append(result)
            shared.sink.emit(events.StageFinished(result))
    service = run.service
    done = ServiceResult(name, service.language, service.path, tuple(stages), queued_at, slot_at)
    return done, carried


async def run_services(
    services: Sequence[Service],
    engine: Engine,
    ctx: RunContext,
    options: RunOptions,
    sink: Sink,
    toolchain_for: Callable[[Service], Toolchain] = _default_toolchain,
) -> RunResult:
    """Run `options.stages` for every service on `engine`; never raises for a failed stage."""
    started_at = time.time()
    sink.emit(events.RunStarted(tuple(s.name for s in services), options.stages, engine.name))
    shared = _Shared(options, sink, anyio.CapacityLimiter(max(1, options.jobs)), _Stop())
    done: dict[str, tuple[ServiceResult, Carried]] = {}

    async def one(service: Service) -> None:
        logs = _StageLogs(ctx.log_dir(service.name))
        run = _ServiceRun(service, toolchain_for(service), engine, ctx, options, sink, logs)
        done[service.name] = await _one_service(run, shared)

    async with anyio.create_task_group() as tg:
        for service in services:
            tg.start_soon(one, service)
    results = {name: result for name, (result, _) in done.items()}
    carried = {name: c for name, (_, c) in done.items()}
    extra = _images_extra(carried)
    for stage in (s for s in options.stages if STAGES[s].kind is StageKind.RUN):
        results, more = await _run_level(stage, results, carried, ctx, options, sink)
        extra.update(more)
    result = RunResult(
        engine=engine.name,
        started_at=started_at,
        finished_at=time.time(),
        services=tuple(results[s.name] for s in services),
        revision=ctx.revision,
        extra=extra,
    )
    sink.emit(events.RunFinished(result))
    return result


def _images_extra(carried: dict[str, Carried]) -> dict[str, Any]:
    """report.json's `services.<name>.image`, for every service that has one."""
    images = {name: c.image.to_json() for name, c in carried.items() if c.image is not None}
    return {"services": {n: {"image": i} for n, i in images.items()}} if images else {}


async def _run_level(
    stage: Stage,
    results: dict[str, ServiceResult],
    carried: dict[str, Carried],
    ctx: RunContext,
    options: RunOptions,
    sink: Sink,
) -> tuple[dict[str, ServiceResult], dict[str, Any]]:
    """A RUN stage over every service that did not fail; its result joins each service's."""
    log = ctx.report_dir / "logs" / f"run-{stage.value}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")
    ready = {n: carried[n] for n, r in results.items() if r.status is not Status.FAILED}
    clock = _Clock()
    try:
        done = await RUN_HANDLERS[stage](RunJob(stage, ctx, options, log, ready))
    except CommerceCiError as exc:
        done = RunDone(tuple(ready), "", error=str(exc))
    if done.error:
        append_line(log, done.error)
    for name in done.included:
        sink.emit(events.StageStarted(name, stage))
    status = Status.FAILED if done.error else Status.PASSED
    updated: dict[str, ServiceResult] = {}
    for name, service in results.items():
        if name in done.included:
            previous = max((s.finished_at for s in service.stages), default=clock.wall)
            result = clock.result(
                name, stage, status, log_path=log, reason=done.error, queued_at=previous
            )
        else:
            why = done.left_out if name in ready else "failed"
            result = StageResult(name, stage, Status.SKIPPED, reason=why)
        sink.emit(events.StageFinished(result))
        updated[name] = replace(service, stages=(*service.stages, result))
    return updated, dict(done.extra)
