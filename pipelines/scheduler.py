"""Runs the stages of many services: services concurrently, the stages of one in order.

Fail-fast (the default) stops starting new work once a stage fails; `keep_going` lets every
other service finish. Whatever is not run is marked `skipped` with the reason, never dropped.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from pipelines.events import (
    RunFinished,
    RunStarted,
    Sink,
    StageFinished,
    StageStarted,
    StepStarted,
)
from pipelines.results import RunResult, ServiceResult, StageResult, Status, StepOutcome
from pipelines.steps import CHECK_STAGES, Stage, Step
from pipelines.toolchains.base import Toolchain, ToolchainOptions

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.engines.base import Engine, RunContext
    from pipelines.sca.gate import GateVerdict

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

    def _display(self, step: Step) -> str:
        from pipelines.engines.local import placeholder_values

        return shlex.join(step.resolved(placeholder_values(self.ctx, step)))

    async def stage(self, stage: Stage) -> StageResult:
        name = self.service.name
        log_path = self.ctx.log_dir(name) / f"{stage.value}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_bytes(b"")
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
                with open(log_path, "a", encoding="utf-8") as log:
                    log.write(reason + "\n")
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

    async def one(service: Service) -> None:
        run = _ServiceRun(service, toolchain_for(service), engine, ctx, options, sink)
        stages: list[StageResult] = []
        blocked: str | None = None
        async with limiter:
            for stage in options.stages:
                if blocked is None and stop.by is not None and not options.keep_going:
                    blocked = f"stopped: {stop.by} failed (fail-fast)"
                if blocked is not None:
                    result = run.skipped(stage, blocked)
                else:
                    result = await run.stage(stage)
                    if result.status is Status.FAILED:
                        blocked = f"{stage} failed"
                        stop.by = stop.by or f"{service.name} {stage}"
                stages.append(result)
                sink.emit(StageFinished(result))
        results[service.name] = ServiceResult(
            service.name, service.language, service.path, tuple(stages)
        )

    async with anyio.create_task_group() as tg:
        for service in services:
            tg.start_soon(one, service)
    result = RunResult(
        engine=engine.name,
        started_at=started_at,
        finished_at=time.time(),
        services=tuple(results[s.name] for s in services),
    )
    sink.emit(RunFinished(result))
    return result
