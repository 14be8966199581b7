"""The local engine: each Step becomes a host process in the service folder.

Toolchains come from the host, caches live under one cache dir, and every step's output goes to
the stage's log file. A program that is not on PATH is reported by name, never skipped. On
timeout or cancellation (Ctrl-C) the whole process group is terminated, then killed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines import processes
from pipelines.results import StepOutcome
from pipelines.steps import ROOT, VULNDB, Step, cache_path

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.engines.base import Engine, RunContext
    from pipelines.images.config import ImageSettings
    from pipelines.images.local import LocalPublisher
    from pipelines.settings import Settings
    from pipelines.supply.stage import Attestor


def host_env(env: Mapping[str, str], root: Path) -> dict[str, str]:
    """The host environment with the project's own tools (.tools/bin) first on PATH."""
    out = dict(env)
    tools = root / ".tools" / "bin"
    out["PATH"] = os.pathsep.join(p for p in (str(tools), env.get("PATH", os.defpath)) if p)
    return out


def step_env(step: Step, ctx: RunContext) -> dict[str, str]:
    """The process environment: the run's, the step's, and each cache pointed at the cache dir."""
    env = dict(ctx.env)
    env.update(step.env)
    for cache in step.caches:
        folder = ctx.cache_dir / cache.name
        folder.mkdir(parents=True, exist_ok=True)
        if cache.env:
            env[cache.env] = str(folder)
    return env


def placeholder_values(ctx: RunContext, step: Step | None = None) -> dict[str, str]:
    values = {ROOT: str(ctx.root)}
    if ctx.vulndb is not None:
        values[VULNDB] = str(ctx.vulndb)
    for cache in step.caches if step else ():
        values[cache_path(cache.name)] = str(ctx.cache_dir / cache.name)
    return values


def collect_reports(step: Step, service_dir: Path, dest: Path) -> tuple[Path, ...]:
    """Copy the step's report files (globs allowed) into the run's report dir."""
    found: list[Path] = []
    for report in step.reports:
        for source in sorted(service_dir.glob(report.path)):
            if not source.is_file():
                continue
            target = dest / source.relative_to(service_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            found.append(target)
    return tuple(found)


def clear_reports(step: Step, service_dir: Path) -> None:
    """Remove stale report files so a step that writes none is not credited with old ones."""
    for report in step.reports:
        for stale in service_dir.glob(report.path):
            if stale.is_file():
                stale.unlink()
    if step.stdout_to:
        (service_dir / step.stdout_to).unlink(missing_ok=True)


class LocalEngine:
    name = "local"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        #: Used only to look programs up; each step's process env comes from the RunContext.
        self._path = (env or os.environ).get("PATH", os.defpath)

    def which(self, program: str) -> str | None:
        return processes.which(program, {"PATH": self._path})

    def missing_tools(self, step: Step) -> tuple[str, ...]:
        wanted = (step.program, *step.tools)
        return tuple(dict.fromkeys(t for t in wanted if self.which(t) is None))

    def display(self, step: Step, service: Service, ctx: RunContext) -> str:
        return processes.command_line(step.resolved(placeholder_values(ctx, step)))

    async def run_step(
        self, step: Step, service: Service, ctx: RunContext, log_path: Path
    ) -> StepOutcome:
        service_dir = service.folder(ctx.root)
        cwd = (service_dir / step.workdir).resolve()
        argv = step.resolved(placeholder_values(ctx, step))
        program = self.which(argv[0])
        log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        if program is None:
            return StepOutcome(step, None, 0.0, log_path, error=f"'{argv[0]}' is not on PATH")
        clear_reports(step, service_dir)
        (service_dir / ".commerce-ci").mkdir(exist_ok=True)
        with contextlib.ExitStack() as files:
            log = files.enter_context(open(log_path, "ab"))
            log.write(f"$ {processes.command_line(argv)}  (in {cwd})\n".encode())
            log.flush()
            stdout = [log]
            if step.stdout_to:
                stdout.append(files.enter_context(open(service_dir / step.stdout_to, "wb")))
            done = await processes.stream(
                [program, *argv[1:]],
                timeout_s=ctx.step_timeout_s,
                cwd=cwd,
                env=step_env(step, ctx),
                stdout=stdout,
                stderr=[log],
            )
            if done.timed_out:
                log.write(f"\n!! timed out after {ctx.step_timeout_s:g}s\n".encode())
            log.write(f"\n# exit code {done.exit_code}\n".encode())
        duration = time.monotonic() - started
        reports = collect_reports(
            step, service_dir, ctx.artifacts_dir(service.name, step.stage.value)
        )
        return StepOutcome(
            step, done.exit_code, duration, log_path, reports, timed_out=done.timed_out
        )


@dataclass(frozen=True)
class LocalKit:
    """The local engine's parts: host processes, the daemonless publisher, host cosign/syft."""

    name: str = "local"

    @contextlib.asynccontextmanager
    async def session(self, ctx: RunContext) -> AsyncIterator[LocalEngine]:
        yield LocalEngine(ctx.env)

    def publisher(self, image: ImageSettings, engine: Engine, ctx: RunContext) -> LocalPublisher:
        from pipelines.images.local import LocalPublisher

        return LocalPublisher(image, ctx.root, cache_dir=ctx.cache_dir, env=ctx.env)

    def attestor(self, image: ImageSettings, settings: Settings, ctx: RunContext) -> Attestor:
        from pipelines.supply.cli import attestor_for

        return attestor_for(settings, image, ctx)
