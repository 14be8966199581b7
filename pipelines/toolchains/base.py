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

    def runtime(self, service: Service) -> Runtime:
        """How the built service runs (its image and `commerce-ci shop` both follow it)."""
        ...


@dataclass(frozen=True)
class Runtime:
    """How a built service runs: the one recipe behind both its image and a local run.

    Paths are relative to the service folder. An image copies `files` to the same relative paths
    under /app and runs `command` there; a local run (`commerce-ci shop`) runs `command` in the
    service folder itself. So `command` may only name files the build produced or interpreters
    the runtime base provides.
    """

    #: Kind of runtime base image: static (no libc needed), glibc, jre, node, python.
    base: str
    #: Globs of build outputs the service needs at run time.
    files: tuple[str, ...]
    #: argv, relative to the service folder / /app.
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    #: Paths under `files` an image leaves out (folders or files), e.g. dev-only node modules.
    exclude: tuple[str, ...] = ()
    #: Repository folders read at run time from outside the service folder, as
    #: (repo-relative folder, path under /app): a local run finds them in place, an image
    #: carries a copy.
    assets: tuple[tuple[str, str], ...] = ()
    #: Environment set only in the image, where assets live under /app.
    image_env: tuple[tuple[str, str], ...] = ()
    #: An npm lockfile (v2/v3) whose `"dev": true` packages an image leaves out, the way
    #: `npm prune --omit=dev` would, without touching the service folder tests still use.
    npm_lockfile: str | None = None
