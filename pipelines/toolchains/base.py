"""The Toolchain protocol and what every toolchain shares (the SCA stage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.steps import Stage, Step


@dataclass(frozen=True)
class ToolchainOptions:
    """Run settings that change the Steps a toolchain derives."""

    #: Use the offline OSV database (the `{vulndb}` placeholder) instead of querying OSV online.
    offline_vulndb: bool = False


class Toolchain(Protocol):
    #: Language name as in service.yaml.
    language: str
    #: How to install the host tools this toolchain runs (shown when one is missing).
    install_hints: dict[str, str]

    def steps(self, service: Service, stage: Stage, options: ToolchainOptions) -> tuple[Step, ...]:
        """The Steps of `stage` for `service`, in order. Empty means the stage has nothing to do."""
        ...
