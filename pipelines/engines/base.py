"""The Engine protocol and the context every step runs in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.results import StepOutcome
    from pipelines.steps import Step


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

    def log_dir(self, service: str) -> Path:
        return self.report_dir / "logs" / service


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
