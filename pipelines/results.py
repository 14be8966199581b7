"""What a run produced: per service, per stage, per step. Frozen values the reports render."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.steps import Stage, Step


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CACHED = "cached"


@dataclass(frozen=True)
class StepOutcome:
    step: Step
    exit_code: int | None
    duration_s: float
    log_path: Path
    #: Report files the step wrote, as host paths (already copied out of a container).
    reports: tuple[Path, ...] = ()
    timed_out: bool = False
    #: Why the step could not run at all (a missing tool), if it could not.
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return (
            self.error is None
            and not self.timed_out
            and self.exit_code is not None
            and self.exit_code in self.step.ok_exit_codes
        )


@dataclass(frozen=True)
class StageResult:
    service: str
    stage: Stage
    status: Status
    duration_s: float = 0.0
    #: Wall-clock start and end, seconds since the epoch (for spans and lead times).
    started_at: float = 0.0
    finished_at: float = 0.0
    log_path: Path | None = None
    findings: int = 0
    #: One line saying why the stage failed or was skipped.
    reason: str | None = None
    steps: tuple[StepOutcome, ...] = ()
    reports: tuple[Path, ...] = ()
    #: When the stage could have started (its service was submitted, or its previous stage
    #: ended): `started_at - queued_at` is time spent waiting (job slot, cache lookup).
    queued_at: float = 0.0


@dataclass(frozen=True)
class ServiceResult:
    name: str
    language: str
    path: str
    stages: tuple[StageResult, ...] = ()
    #: When the service was submitted to the scheduler, and when it got a job slot (`--jobs`).
    queued_at: float = 0.0
    started_at: float = 0.0

    @property
    def status(self) -> Status:
        statuses = {s.status for s in self.stages}
        if Status.FAILED in statuses:
            return Status.FAILED
        if statuses and statuses <= {Status.CACHED}:
            return Status.CACHED
        if statuses and statuses <= {Status.SKIPPED}:
            return Status.SKIPPED
        return Status.PASSED

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.stages)


@dataclass(frozen=True)
class RunResult:
    engine: str
    started_at: float
    finished_at: float
    services: tuple[ServiceResult, ...] = ()
    revision: str | None = None
    interrupted: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(s.status is Status.FAILED for s in self.services)

    @property
    def duration_s(self) -> float:
        return self.finished_at - self.started_at
