"""The Toolchain protocol, and the prologue every toolchain shares (written once, here).

A toolchain subclasses `ToolchainBase` and writes only what is its own:
- `image`, `env`, `caches`: what its Steps share (`step()` makes one with them);
- `defaults(service, stage)`: its Steps of build, test and lint;
- `runtime(service)`: how the built service runs;
- `tools`: the host programs its Steps run, with how to install each;
- where it needs to, `step()` (what a stage's Steps share: Go builds static) and `command()`
  (how a service's own `commands.<stage>` runs: Python normalises a build's output).
Then one line in `pipelines.toolchains.REGISTRY` makes it a language.

What `ToolchainBase.steps` adds, the same for every language:
- the SCA stage is `pipelines.sca.steps` (semgrep and osv-scanner on the service's lockfile);
- a `commands.<stage>` override replaces the stage's default Steps, and keeps what the stage
  promises the rest of the run: its build outputs (the image and later stages read them) and
  its test-result reports, with the stdout capture that feeds one (read when the command writes
  them; a `go test -json` override still gets its results in the report). Findings reports
  (SARIF) are not kept: the gate would fail a command that does not write them;
- the install hints of the SCA tools, beside the toolchain's own.
Which lockfile a language needs is the catalog's rule, checked when service.yaml is loaded
(`pipelines.catalog.layout`), never at stage time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pipelines.sca.steps import INSTALL_HINTS as SCA_INSTALL_HINTS
from pipelines.sca.steps import sca_steps
from pipelines.steps import CacheMount, ReportFile, Stage, Step

if TYPE_CHECKING:
    from pipelines.catalog import Service

#: Report kinds that hold test results (read when present), as opposed to findings (gated).
TEST_REPORT_KINDS = frozenset({"junit", "go-test-json", "cargo-test-text"})


@dataclass(frozen=True)
class ToolchainOptions:
    """Run settings that change the Steps a toolchain derives."""

    #: Use the offline OSV database (the `{vulndb}` placeholder) instead of querying OSV online.
    offline_vulndb: bool = False


class Toolchain(Protocol):
    #: Language name as in service.yaml.
    language: str

    def steps(self, service: Service, stage: Stage, options: ToolchainOptions) -> tuple[Step, ...]:
        """The Steps of `stage` for `service`, in order. Empty means the stage has nothing to do."""
        ...

    def runtime(self, service: Service) -> Runtime:
        """How the built service runs (its image and `commerce-ci shop` both follow it)."""
        ...

    @property
    def install_hints(self) -> Mapping[str, str]:
        """How to install each host tool this toolchain's Steps run (shown when one is missing)."""
        ...


class ToolchainBase:
    """The shared prologue (see the module docstring); subclasses are frozen dataclasses."""

    #: The host programs the toolchain's own Steps run, each with how to install it.
    tools: ClassVar[Mapping[str, str]] = {}
    #: The builder image (for the Dagger engine) every Step of the toolchain runs in.
    image: str
    #: The environment and cache mounts its Steps share.
    env: ClassVar[Mapping[str, str]] = {}
    caches: ClassVar[tuple[CacheMount, ...]] = ()

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        raise NotImplementedError

    def step(self, stage: Stage, name: str, argv: tuple[str, ...], **fields: Any) -> Step:
        """A Step in the toolchain's image, env and caches; `fields` sets (or replaces) the
        rest. A toolchain overrides this for what all of its Steps of a stage share."""
        shared = {"image": self.image, "env": dict(self.env), "caches": self.caches}
        return Step(stage=stage, name=name, argv=tuple(argv), **{**shared, **fields})

    def command(self, service: Service, stage: Stage, argv: tuple[str, ...]) -> tuple[Step, ...]:
        """A service's own `commands.<stage>`: one Step in the toolchain's image."""
        return (self.step(stage, command_name(stage), argv),)

    @property
    def install_hints(self) -> Mapping[str, str]:
        return {**SCA_INSTALL_HINTS, **self.tools}

    def steps(self, service: Service, stage: Stage, options: ToolchainOptions) -> tuple[Step, ...]:
        if stage is Stage.SCA:
            return sca_steps(service, options)
        defaults = self.defaults(service, stage)
        argv = service.spec.commands.get(stage.value)
        if not argv:
            return defaults
        return keep_promises(defaults, self.command(service, stage, tuple(argv)))


def keep_promises(defaults: tuple[Step, ...], override: tuple[Step, ...]) -> tuple[Step, ...]:
    """`override` with what `defaults` promised and it does not declare (outputs, test
    reports, the stdout capture of one) added to its first Step."""
    if not override:
        return override
    first, *rest = override
    declared_outputs = {o for step in override for o in step.outputs}
    declared_reports = {r.path for step in override for r in step.reports}
    outputs = [o for step in defaults for o in step.outputs if o not in declared_outputs]
    reports: list[ReportFile] = [
        r
        for step in defaults
        for r in step.reports
        if r.kind in TEST_REPORT_KINDS and r.path not in declared_reports
    ]
    kept = {r.path for r in reports}
    stdout_to = first.stdout_to or next(
        (s.stdout_to for s in defaults if s.stdout_to in kept), None
    )
    first = replace(
        first,
        outputs=tuple(dict.fromkeys((*first.outputs, *outputs))),
        reports=(*first.reports, *dict.fromkeys(reports)),
        stdout_to=stdout_to,
    )
    return (first, *rest)


def command_name(stage: Stage) -> str:
    """How a service's own command is labelled in progress and logs."""
    return f"{stage.value} (service command)"


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
