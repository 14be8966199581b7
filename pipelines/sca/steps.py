"""The SCA stage's Steps, the same for every language (filled in by the SCA work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.steps import Step
    from pipelines.toolchains.base import ToolchainOptions


def sca_steps(service: Service, options: ToolchainOptions) -> tuple[Step, ...]:
    """semgrep (SARIF) then osv-scanner on `service.lockfile` (JSON), as Steps."""
    raise NotImplementedError
