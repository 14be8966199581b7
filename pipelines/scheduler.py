"""Runs the stages of many services: services concurrently, the stages of one in order.

Fail-fast (the default) stops starting new work once a stage fails; `keep_going` lets every
other service finish. Whatever is not run is marked `skipped` with the reason, never dropped.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from pipelines.errors import CommerceCiError
from pipelines.events import (
    RunFinished,
    RunStarted,
    Sink,
    StageFinished,
    StageStarted,
    StepStarted,
)
from pipelines.logs import append_line
from pipelines.results import RunResult, ServiceResult, StageResult, Status, StepOutcome
from pipelines.steps import CHECK_STAGES, IMAGE_STAGES, SUPPLY_STAGES, Stage, Step
from pipelines.toolchains.base import Toolchain, ToolchainOptions

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.engines.base import Engine, RunContext
    from pipelines.gitops.release import ReleaseWriter
    from pipelines.images.publisher import ImagePublisher, ImageRecord
    from pipelines.sca.gate import GateVerdict
    from pipelines.supply.stage import Attestor

SEVERITIES = ("low", "medium", "high", "critical")


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


class _ServiceRun:
    """The stages of one service, in order."""

    def __init__(
        self,
        service: Service,
        toolchain: Toolchain,
        engine: Engine,
        ctx: RunContext,
        options: RunOptions,
        sink: Sink,
    ) -> None:
        self.service = service
        self.toolchain = toolchain
        self.engine = engine
        self.ctx = ctx
        self.options = options
        self.sink = sink
        self.image: ImageRecord | None = None
        self._logs: set[Path] = set()
        #: What the manifest stage prepared for the commit stage (a gitops ImageUpdate).
        self.manifest: Any = None

    def _display(self, step: Step) -> str:
        from pipelines.engines.local import placeholder_values

        return shlex.join(step.resolved(placeholder_values(self.ctx, step)))

    def _log_path(self, stage: Stage) -> Path:
        """The stage's log, emptied the first time this run uses it (the cache lookup writes
        to the image log before the image stage adds to it)."""
        log_path = self.ctx.log_dir(self.service.name) / f"{stage.value}.log"
        if log_path not in self._logs:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_bytes(b"")
            self._logs.add(log_path)
        return log_path

    async def stage(self, stage: Stage) -> StageResult:
        if stage not in CHECK_STAGES:
            return await self._publishing(stage)
        name = self.service.name
        log_path = self._log_path(stage)
        steps = self.toolchain.steps(self.service, stage, self.options.toolchain)
        self.sink.emit(StageStarted(name, stage))
        started_at, started = time.time(), time.monotonic()
        outcomes: list[StepOutcome] = []
        status, reason = Status.PASSED, None
        if not steps:
            status, reason = Status.SKIPPED, f"{self.toolchain.language} has no {stage} steps"
        for step in steps:
            missing = self.engine.missing_tools(step)
            if missing:
                status, reason = Status.FAILED, _missing_tool_reason(missing, self.toolchain)
                append_line(log_path, reason)
                break
            self.sink.emit(StepStarted(name, stage, step.name, self._display(step)))
            outcome = await self.engine.run_step(step, self.service, self.ctx, log_path)
            outcomes.append(outcome)
            if not outcome.succeeded:
                status, reason = Status.FAILED, _failure_reason(outcome)
                break
        reports = tuple(p for o in outcomes for p in o.reports)
        findings = 0
        if outcomes and self._gated(steps):
            verdict = self._gate(steps, stage)
            findings = verdict.findings
            if verdict.failed:
                reason = f"{reason}; {verdict.reason}" if reason else verdict.reason
                status = Status.FAILED
        return StageResult(
            service=name,
            stage=stage,
            status=status,
            duration_s=time.monotonic() - started,
            started_at=started_at,
            finished_at=time.time(),
            log_path=log_path,
            findings=findings,
            reason=reason,
            steps=tuple(outcomes),
            reports=reports,
        )

    async def lookup(self) -> ImageRecord | None:
        """The image these inputs already made, when the registry has one (else build)."""
        images = self.options.images
        if images is None or not set(IMAGE_STAGES) & set(self.options.stages):
            return None
        log_path = self._log_path(Stage.IMAGE)
        try:
            record = await images.lookup(self.service, self.toolchain, log_path)
        except CommerceCiError as exc:
            append_line(log_path, f"cache lookup failed, building: {exc}")
            return None
        self.image = record
        return record

    async def _publishing(self, stage: Stage) -> StageResult:
        """The image, push and manifest stages: engine or GitOps work, not toolchain Steps."""
        log_path = self._log_path(stage)
        self.sink.emit(StageStarted(self.service.name, stage))
        started_at, started = time.time(), time.monotonic()
        status, reason = Status.PASSED, None
        try:
            await self._publish(stage, log_path)
        except CommerceCiError as exc:
            status, reason = Status.FAILED, str(exc)
            append_line(log_path, reason)
        return StageResult(
            service=self.service.name,
            stage=stage,
            status=status,
            duration_s=time.monotonic() - started,
            started_at=started_at,
            finished_at=time.time(),
            log_path=log_path,
            reason=reason,
        )

    async def _publish(self, stage: Stage, log_path: Path) -> None:
        from pipelines.images.recipe import ImageError

        images, release = self.options.images, self.options.release
        if stage in IMAGE_STAGES and images is None:
            raise ImageError(f"the {stage} stage needs a registry (--registry HOST[/PREFIX])")
        if stage is Stage.IMAGE and images is not None:
            self.image = await images.build(self.service, self.toolchain, log_path)
        elif stage is Stage.PUSH and images is not None:
            self.image = await images.push(self.service, log_path)
        elif stage in SUPPLY_STAGES:
            await self._supply(stage, log_path)
        elif stage is Stage.MANIFEST:
            if release is None or self.image is None or self.image.ref is None:
                raise ImageError("the manifest stage needs a pushed image (image and push stages)")
            self.manifest = await release.manifest(self.service, self.image, log_path)
        else:
            raise ImageError(f"the {stage} stage is run once for the whole run, not per service")

    async def _supply(self, stage: Stage, log_path: Path) -> None:
        from pipelines.supply.tools import SupplyError

        attestor = self.options.attestor
        if attestor is None:
            raise SupplyError(f"the {stage} stage needs a signer (cosign key or keyless)")
        if self.image is None or self.image.ref is None:
            raise SupplyError(f"the {stage} stage needs a pushed image (image and push stages)")
        if stage is Stage.SBOM:
            await attestor.sbom(self.service, self.image, self.ctx.root, log_path)
            return
        options = self.options.toolchain
        steps = [s for st in CHECK_STAGES for s in self.toolchain.steps(self.service, st, options)]
        self.image = await attestor.sign(self.service, self.image, steps, log_path)

    def cached(self, stage: Stage, record: ImageRecord) -> StageResult:
        now = time.time()
        reason = f"inputs {record.input_digest[:19]} already shipped as {record.digest[:19]}"
        log = self._log_path(Stage.IMAGE)  # where the lookup said what it found
        return StageResult(
            self.service.name,
            stage,
            Status.CACHED,
            started_at=now,
            finished_at=now,
            log_path=log,
            reason=reason,
        )

    @staticmethod
    def _gated(steps: Sequence[Step]) -> bool:
        """Stages whose steps write findings (SARIF, OSV) end with the gate."""
        return any(r.kind in ("sarif", "osv-json") for step in steps for r in step.reports)

    def _gate(self, steps: Sequence[Step], stage: Stage) -> GateVerdict:
        """Judge the findings from the copies the engine collected (same relative layout for
        both engines), so a scan that crashed still gets its reason from the gate."""
        from pipelines.sca.gate import evaluate_steps

        collected = self.ctx.report_dir / "artifacts" / self.service.name / stage.value
        vulndb = self.ctx.vulndb if self.options.toolchain.offline_vulndb else None
        return evaluate_steps(steps, collected, self.options.severity_threshold, vulndb)

    def skipped(self, stage: Stage, reason: str) -> StageResult:
        now = time.time()
        return StageResult(
            self.service.name, stage, Status.SKIPPED, started_at=now, finished_at=now, reason=reason
        )


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
    sink.emit(RunStarted(tuple(s.name for s in services), options.stages, engine.name))
    stop = _Stop()
    results: dict[str, ServiceResult] = {}
    limiter = anyio.CapacityLimiter(max(1, options.jobs))

    runs: dict[str, _ServiceRun] = {}
    per_service = [s for s in options.stages if s is not Stage.COMMIT]

    async def one(service: Service) -> None:
        run = runs[service.name] = _ServiceRun(
            service, toolchain_for(service), engine, ctx, options, sink
        )
        stages: list[StageResult] = []
        blocked: str | None = None
        queued_at = ready = time.time()
        async with limiter:
            slot_at = time.time()
            shipped = await run.lookup() if stop.by is None or options.keep_going else None
            for stage in per_service:
                if blocked is None and stop.by is not None and not options.keep_going:
                    blocked = f"stopped: {stop.by} failed (fail-fast)"
                if blocked is not None:
                    result = run.skipped(stage, blocked)
                elif shipped is not None and stage in (*CHECK_STAGES, *IMAGE_STAGES):
                    result = run.cached(stage, shipped)
                else:
                    result = await run.stage(stage)
                    if result.status is Status.FAILED:
                        blocked = f"{stage} failed"
                        stop.by = stop.by or f"{service.name} {stage}"
                result = replace(result, queued_at=ready)
                ready = max(ready, result.finished_at)
                stages.append(result)
                sink.emit(StageFinished(result))
        results[service.name] = ServiceResult(
            service.name, service.language, service.path, tuple(stages), queued_at, slot_at
        )

    async with anyio.create_task_group() as tg:
        for service in services:
            tg.start_soon(one, service)
    extra: dict[str, Any] = {}
    images = {name: run.image.to_json() for name, run in runs.items() if run.image is not None}
    if images:
        extra["services"] = {name: {"image": image} for name, image in images.items()}
    if Stage.COMMIT in options.stages:
        commits = await _commit(runs, results, options, ctx, sink)
        results.update(commits.results)
        if commits.gitops is not None:
            extra["gitops"] = commits.gitops
    result = RunResult(
        engine=engine.name,
        started_at=started_at,
        finished_at=time.time(),
        services=tuple(results[s.name] for s in services),
        extra=extra,
    )
    sink.emit(RunFinished(result))
    return result


@dataclass(frozen=True)
class _Commits:
    results: dict[str, ServiceResult]
    gitops: dict[str, Any] | None


async def _commit(
    runs: dict[str, _ServiceRun],
    results: dict[str, ServiceResult],
    options: RunOptions,
    ctx: RunContext,
    sink: Sink,
) -> _Commits:
    """The commit stage: one GitOps commit for every service whose manifest stage passed."""
    ready = {
        name: run
        for name, run in runs.items()
        if run.manifest is not None and results[name].status is not Status.FAILED
    }
    started_at, started = time.time(), time.monotonic()
    for name in ready:
        sink.emit(StageStarted(name, Stage.COMMIT))
    status, reason, gitops = Status.PASSED, None, None
    log_path = ctx.report_dir / "logs" / "gitops-commit.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_bytes(b"")
    if options.release is None:
        status, reason = Status.FAILED, "the commit stage needs a GitOps remote"
    elif ready:
        try:
            gitops = await options.release.commit([r.manifest for r in ready.values()], log_path)
        except CommerceCiError as exc:
            status, reason = Status.FAILED, str(exc)
            append_line(log_path, reason)
    updated: dict[str, ServiceResult] = {}
    for name, service in results.items():
        if name in ready:
            stage = StageResult(
                name,
                Stage.COMMIT,
                status,
                duration_s=time.monotonic() - started,
                started_at=started_at,
                finished_at=time.time(),
                log_path=log_path,
                reason=reason,
                queued_at=max((s.finished_at for s in service.stages), default=started_at),
            )
        else:
            why = "no manifest to commit" if service.status is not Status.FAILED else "failed"
            stage = StageResult(name, Stage.COMMIT, Status.SKIPPED, reason=why)
        sink.emit(StageFinished(stage))
        updated[name] = replace(service, stages=(*service.stages, stage))
    return _Commits(updated, gitops)
