"""The Dagger engine: each Step becomes a container chain, run by a Dagger engine.

Building a chain and running it are kept apart. `container_for` is pure: it only describes the
container (the SDK builds queries lazily), so the exact chain every Step produces is tested
without an engine. `DaggerEngine.execute` is the only place that awaits one.

The SDK is imported inside functions: this module must import (and `missing_tools` must answer)
on a machine without `dagger-io`, and commands that never run a step must not pay for it.
"""

from __future__ import annotations

import contextlib
import posixpath
import shlex
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from pipelines.errors import CommerceCiError, ConfigError, ToolMissingError
from pipelines.logs import append_line
from pipelines.results import StepOutcome
from pipelines.steps import REPORT_DIR, ROOT, VULNDB, Step, cache_path

if TYPE_CHECKING:
    import dagger

    from pipelines.catalog import Service
    from pipelines.engines.base import RunContext

#: Where the repository is mounted in every step's container.
SRC = "/src"
#: Where the offline OSV database is mounted, for steps that use `{vulndb}`.
VULNDB_MOUNT = "/vulndb"
#: Prefix of every cache volume key, so this project's caches never mix with another's.
CACHE_PREFIX = "commerce-ci-"
#: The pinned SDK; the engine version in dagger.json matches it.
SDK_PACKAGE = "dagger-io"
SDK_INSTALL_HINT = "pip install 'commerce-ci[dagger]' (dagger-io==0.21.11)"
ENGINE_HINT = (
    "install the Dagger CLI v0.21.11 and a container runtime (Docker or Podman), or point "
    "_EXPERIMENTAL_DAGGER_RUNNER_HOST at a running engine; or use --engine local"
)

#: Paths left out of the repository a step sees: local environments, build outputs and reports
#: of earlier runs. They would make every step's cache key change with unrelated local state,
#: and stale reports would be credited to a step that wrote none. Patterns are dockerignore-style
#: (the syntax `Ignore` and `Host.directory(exclude=...)` share).
SOURCE_IGNORE: tuple[str, ...] = (
    ".git",
    "**/.venv",
    "**/node_modules",
    "**/target",
    "**/bin",
    "**/obj",
    "**/dist",
    "**/*.egg-info",
    "**/__pycache__",
    "**/.pytest_cache",
    "**/.ruff_cache",
    "**/.mypy_cache",
    "**/.commerce-ci",
    ".tools",
    "reports",
    ".cache",
)


def service_dir(service: Service) -> str:
    """The service folder inside the container."""
    return posixpath.normpath(posixpath.join(SRC, service.path))


def workdir_for(step: Step, service: Service) -> str:
    return posixpath.normpath(posixpath.join(service_dir(service), step.workdir))


def _uses_vulndb(step: Step) -> bool:
    texts = (*step.argv, *(a for cmd in step.setup for a in cmd), *step.env.values())
    return any(VULNDB in text for text in texts)


def placeholder_values(step: Step, has_vulndb: bool) -> dict[str, str]:
    """Container locations of the placeholders; `{vulndb}` only when the run has a database."""
    values = {ROOT: SRC}
    values.update({cache_path(c.name): c.path for c in step.caches})
    if has_vulndb:
        values[VULNDB] = VULNDB_MOUNT
    elif _uses_vulndb(step):
        raise ConfigError(
            "--vuln-db",
            None,
            f"step '{step.name}' reads an offline OSV database, but the run has none",
            hint="pass a database directory (osv-scanner's offline layout) or run online",
        )
    return values


def _resolve(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def _report_parents(step: Step) -> tuple[str, ...]:
    """Folders (service-relative) that must exist before the step writes its reports.

    Created in the mounted source rather than with `mkdir` in the container, so that no step
    depends on the builder image shipping a shell tool.
    """
    paths = [r.path for r in step.reports if not any(c in r.path for c in "*?[")]
    if step.stdout_to:
        paths.append(step.stdout_to)
    parents = {posixpath.dirname(posixpath.normpath(p)) for p in paths}
    parents.add(REPORT_DIR)
    return tuple(sorted(p for p in parents if p not in ("", ".")))


def container_for(
    step: Step,
    service: Service,
    source: dagger.Directory,
    *,
    vulndb: dagger.Directory | None = None,
    secrets: Mapping[str, dagger.Secret] | None = None,
) -> dagger.Container:
    """The container that runs `step` for `service`; nothing runs until it is awaited.

    The whole repository is mounted (a service's `inputs` may live outside its folder) and the
    step works in its service folder. `secrets` become secret variables, never plain ones, so
    their values stay out of the query, the cache key and the logs.
    """
    import dagger
    from dagger import dag

    values = placeholder_values(step, vulndb is not None)
    for parent in _report_parents(step):
        source = source.with_new_directory(posixpath.join(service.path, parent), permissions=0o755)

    ctr = dag.container().from_(step.image).with_mounted_directory(SRC, source)
    if vulndb is not None and _uses_vulndb(step):
        ctr = ctr.with_mounted_directory(VULNDB_MOUNT, vulndb, read_only=True)
    ctr = ctr.with_workdir(workdir_for(step, service))
    for cache in step.caches:
        ctr = ctr.with_mounted_cache(cache.path, dag.cache_volume(f"{CACHE_PREFIX}{cache.name}"))
    # A cache's `env` is for host tools only: in the builder image the mount path is already the
    # tool's default location, and pointing the variable there can change more than the cache
    # (CARGO_HOME holds cargo's config and installed tools as well as its registry).
    env = {name: _resolve(value, values) for name, value in step.env.items()}
    for name in sorted(env):
        ctr = ctr.with_env_variable(name, env[name])
    for name, secret in sorted((secrets or {}).items()):
        ctr = ctr.with_secret_variable(name, secret)
    for command in step.setup:
        ctr = ctr.with_exec([_resolve(arg, values) for arg in command])
    redirect = posixpath.join(service_dir(service), step.stdout_to) if step.stdout_to else ""
    return ctr.with_exec(
        list(step.resolved(values)),
        redirect_stdout=redirect,
        expect=dagger.ReturnType.ANY,
    )


def host_source(root: Path) -> dagger.Directory:
    """The repository as the CLI uploads it (the module gets it through `DefaultPath`)."""
    from dagger import dag

    return dag.host().directory(str(root), exclude=list(SOURCE_IGNORE))


@contextlib.asynccontextmanager
async def session() -> AsyncIterator[None]:
    """A connection to a Dagger engine for a run started outside a module (the CLI).

    Inside `dagger call` the module runtime is already connected and this is not needed. An
    engine that cannot be reached is reported like any missing tool, with how to get one.
    """
    import dagger

    async with contextlib.AsyncExitStack() as stack:
        try:
            await stack.enter_async_context(dagger.connection())
        except (dagger.ProvisionError, dagger.ClientConnectionError) as exc:
            raise ToolMissingError("dagger", f"{ENGINE_HINT} ({exc})") from exc
        yield


@dataclass(frozen=True)
class _Ran:
    """What came back from the engine for one step."""

    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    reports: tuple[Path, ...] = ()
    timed_out: bool = False
    error: str | None = None

    def log_text(self, header: str, step: Step, timeout_s: float) -> str:
        lines = [header]
        if step.stdout_to:
            lines.append(f"# stdout saved to {step.stdout_to}")
        lines += [text.rstrip("\n") for text in (self.stdout, self.stderr) if text]
        if self.timed_out:
            lines.append(f"!! timed out after {timeout_s:g}s")
        if self.error:
            lines.append(f"!! {self.error}")
        lines.append(f"# exit code {self.exit_code}")
        return "\n".join(lines) + "\n"


class DaggerEngine:
    """Runs Steps as containers. Everything comes from images, so no host tool is needed.

    Later stages use what earlier ones left in the service folder (`node_modules/`, `dist/`),
    as they do on a host where every stage runs in the same folder. So after a step succeeds,
    its container's service folder becomes the service folder the next step of that service
    mounts. That is still lazy: the next chain refers to the previous one, which the Dagger
    engine has cached, so nothing runs twice.
    """

    name = "dagger"

    def __init__(
        self,
        source: dagger.Directory | None = None,
        vulndb: dagger.Directory | None = None,
        secrets: Mapping[str, dagger.Secret] | None = None,
    ) -> None:
        #: None: upload `ctx.root` (and `ctx.vulndb`) from the host when a step runs.
        self._source = source
        self._vulndb = vulndb
        self._secrets = dict(secrets or {})
        #: The repository as the next step of each service sees it (one engine per run).
        self._workspaces: dict[str, dagger.Directory] = {}

    def missing_tools(self, step: Step) -> tuple[str, ...]:
        try:
            import dagger  # noqa: F401
        except ImportError:
            return (SDK_PACKAGE,)
        return ()

    def display(self, step: Step, service: Service, ctx: RunContext) -> str:
        """The command with the container's paths (/src, /vulndb, cache mounts)."""
        try:
            values = placeholder_values(step, self._has_vulndb(ctx))
        except ConfigError:
            return shlex.join(step.argv)  # run_step says what is missing
        return shlex.join(step.resolved(values))

    def _has_vulndb(self, ctx: RunContext) -> bool:
        return self._vulndb is not None or ctx.vulndb is not None

    def workspace(self, service: Service, ctx: RunContext) -> dagger.Directory:
        """The repository the service's next step mounts."""
        if service.name in self._workspaces:
            return self._workspaces[service.name]
        return self._source if self._source is not None else host_source(ctx.root)

    def build(self, step: Step, service: Service, ctx: RunContext) -> dagger.Container:
        """The step's container over this run's inputs (uploaded from the host if not given)."""
        from dagger import dag

        vulndb = self._vulndb
        if vulndb is None and ctx.vulndb is not None:
            vulndb = dag.host().directory(str(ctx.vulndb))
        return container_for(
            step, service, self.workspace(service, ctx), vulndb=vulndb, secrets=self._secrets
        )

    async def execute(
        self, ctr: dagger.Container, step: Step, service: Service, ctx: RunContext
    ) -> _Ran:
        """Await the chain under the step timeout; a failing command is a result, not an error."""
        return await _execute(ctr, step, service, ctx)

    async def run_step(
        self, step: Step, service: Service, ctx: RunContext, log_path: Path
    ) -> StepOutcome:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        if missing := self.missing_tools(step):
            error = f"'{missing[0]}' is not installed: {SDK_INSTALL_HINT}"
            return _not_run(step, log_path, error)
        try:
            ctr = self.build(step, service, ctx)
        except CommerceCiError as exc:
            return _not_run(step, log_path, str(exc))
        header = (
            f"$ {self.display(step, service, ctx)}  (in {step.image}, {workdir_for(step, service)})"
        )
        started = time.monotonic()
        ran = await self.execute(ctr, step, service, ctx)
        duration = time.monotonic() - started
        with log_path.open("a", encoding="utf-8") as log:
            log.write(ran.log_text(header, step, ctx.step_timeout_s))
        outcome = StepOutcome(
            step,
            ran.exit_code,
            duration,
            log_path,
            ran.reports,
            timed_out=ran.timed_out,
            error=ran.error,
        )
        if outcome.succeeded:
            # Reports are already copied out; left in place, a later step could be credited
            # with one it did not write.
            folder = ctr.directory(service_dir(service)).without_directory(REPORT_DIR)
            self._workspaces[service.name] = self.workspace(service, ctx).with_directory(
                service.path, folder
            )
        return outcome


def _not_run(step: Step, log_path: Path, error: str) -> StepOutcome:
    append_line(log_path, f"!! {step.name}: {error}")
    return StepOutcome(step, None, 0.0, log_path, error=error)


async def _execute(ctr: dagger.Container, step: Step, service: Service, ctx: RunContext) -> _Ran:
    """Await the chain under the step timeout; a failing command is a result, not an error."""
    import dagger

    try:
        with anyio.fail_after(ctx.step_timeout_s):
            ctr = await ctr.sync()
            exit_code = await ctr.exit_code()
            stdout = await ctr.stdout()
            stderr = await ctr.stderr()
            reports = await export_reports(ctr, step, service, ctx)
    except TimeoutError:
        return _Ran(timed_out=True)
    except dagger.ExecError as exc:
        # Exit codes `ReturnType.ANY` does not accept (128-191: the command was killed).
        return _Ran(exc.exit_code, exc.stdout, exc.stderr)
    except dagger.QueryError as exc:
        # A setup command failed, the image could not be pulled, a mount was refused...
        return _Ran(error=f"the Dagger engine could not run the step: {exc}")
    return _Ran(exit_code, stdout, stderr, reports)


async def export_reports(
    ctr: dagger.Container, step: Step, service: Service, ctx: RunContext
) -> tuple[Path, ...]:
    """Copy the step's report files out of the container, keeping their service-relative paths.

    The reports reader matches a collected file to its declared path by the path's tail, so the
    layout under the destination mirrors the service folder.
    """
    import dagger

    if not step.reports:
        return ()
    folder = ctr.directory(service_dir(service))
    dest = ctx.artifacts_dir(service.name, step.stage.value)
    found: list[Path] = []
    for report in step.reports:
        for match in sorted(await folder.glob(report.path)):
            target = dest / posixpath.normpath(match)
            target.parent.mkdir(parents=True, exist_ok=True)
            # A glob may match a folder; only files are reports.
            with contextlib.suppress(dagger.QueryError):
                await folder.file(match).export(str(target))
                found.append(target)
    return tuple(found)
