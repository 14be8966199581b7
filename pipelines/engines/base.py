"""The Engine protocol, the context every step runs in, and what an engine brings to a run."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.images.config import ImageSettings
    from pipelines.images.publisher import ImagePublisher
    from pipelines.results import StepOutcome
    from pipelines.settings import Settings
    from pipelines.steps import Step
    from pipelines.supply.stage import Attestor


@dataclass(frozen=True)
class RunContext:
    """Where a run reads and writes; passed in, never read from globals."""

    root: Path
    cache_dir: Path
    report_dir: Path
    #: Offline OSV database directory (osv-scanner's offline layout), if any.
    vulndb: Path | None = None
    #: The environment host processes start from (the CLI passes os.environ in).
    env: Mapping[str, str] = field(default_factory=dict)
    #: Seconds a single step may take before it is stopped.
    step_timeout_s: float = 1800.0
    #: The commit the repository is at (None outside git): report.json's `revision`.
    revision: str | None = None

    def log_dir(self, service: str) -> Path:
        return self.report_dir / "logs" / service

    def artifacts_dir(self, service: str, stage: str) -> Path:
        """Where a stage's report files are collected, keeping their service-relative paths
        (the same layout for every engine: the gate and the reports read them there)."""
        return artifacts_dir(self.report_dir, service, stage)


def artifacts_dir(report_dir: Path, service: str, part: str) -> Path:
    return report_dir / "artifacts" / service / part


class Engine(Protocol):
    name: str

    async def run_step(
        self, step: Step, service: Service, ctx: RunContext, log_path: Path
    ) -> StepOutcome:
        """Run one step, write its output to `log_path`, collect its report files."""
        ...

    def missing_tools(self, step: Step) -> tuple[str, ...]:
        """Programs the step needs that this engine cannot find (empty when all are there)."""
        ...

    def display(self, step: Step, service: Service, ctx: RunContext) -> str:
        """The step's command as this engine runs it (its own paths for the placeholders),
        for progress lines."""
        ...


class EngineKit(Protocol):
    """What one engine brings to a run (pipelines.run.assemble puts it together): the Engine
    that runs Steps, and the image publisher and attestor that work with it. The CLI picks
    one by `--engine` from `pipelines.engines.REGISTRY`; the Dagger module makes its own."""

    name: str

    def session(self, ctx: RunContext) -> AbstractAsyncContextManager[Engine]:
        """The engine, ready for the length of the run (connected, for Dagger)."""
        ...

    def publisher(
        self, image: ImageSettings, engine: Engine, ctx: RunContext
    ) -> ImagePublisher: ...

    def attestor(self, image: ImageSettings, settings: Settings, ctx: RunContext) -> Attestor: ...
