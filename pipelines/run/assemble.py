"""One run, assembled once: both front ends (the CLI, the Dagger module) call `execute`.

A front end only adapts what it was given (flags and the environment; a Dagger function's
arguments and Secrets) into a `RunRequest`, and picks the `EngineKit` of its engine. All the
rest is here, once:
- the run context: where it reads and writes, the environment of host processes, the commit;
- the run options: stages, jobs, fail-fast, the gate's threshold, the offline database;
- the parts its stages need (`pipelines.steps.Part`): for the image stages, the image settings,
  the engine's publisher and the runtime bases; for sbom and sign, the engine's attestor; for
  manifest and commit, the GitOps writer;
- the scheduler, then the reports.
A stage asked for without what it needs (a registry, a GitOps remote) is bad input, refused
before anything starts.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.engines.base import RunContext
from pipelines.errors import ConfigError
from pipelines.events import Sink
from pipelines.steps import STAGES, Part, Stage
from pipelines.toolchains.base import ToolchainOptions

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.engines.base import Engine, EngineKit
    from pipelines.gitops.git import GitOpsRemote
    from pipelines.gitops.release import ReleaseWriter
    from pipelines.images.config import ImageSettings, RegistryTarget
    from pipelines.images.publisher import ImagePublisher
    from pipelines.results import RunResult
    from pipelines.scheduler import RunOptions
    from pipelines.settings import Settings

Say = Callable[[str], None]


def stderr(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass(frozen=True)
class GitOpsTarget:
    """Where the manifest and commit stages write: the remote, the environment's values
    files, a work dir, and what git runs with (the CLI's environment; the Dagger module's
    PATH, scratch HOME and token)."""

    remote: GitOpsRemote
    env_name: str
    workdir: Path
    environ: Mapping[str, str]


@dataclass(frozen=True)
class RunRequest:
    """What a front end asks of a run, in the engine's own terms."""

    root: Path
    #: Resolved settings (jobs, fail_on, vuln_db, report_dir, cache_dir, registry...).
    settings: Settings
    services: tuple[Service, ...]
    stages: tuple[Stage, ...]
    #: What settings, credentials and labels are read from, and host processes start from.
    env: Mapping[str, str]
    keep_going: bool = False
    #: Where images go: a setting, or the embedded registry the CLI started.
    registry: RegistryTarget | None = None
    #: `X.Y.Z` when releasing a version (images also tagged `vX.Y.Z`).
    version: str | None = None
    gitops: GitOpsTarget | None = None
    #: Write report.json and the rest (a shop's build writes none).
    reports: bool = True

    def needs(self, part: Part) -> bool:
        return any(STAGES[stage].needs is part for stage in self.stages)


def check(request: RunRequest) -> None:
    """Refuse what cannot run, before anything starts: no step, process or network call has
    happened when this raises, and nothing has been written."""
    settings = request.settings
    if not request.services:
        raise ConfigError("services", None, "no service selected: nothing to run")
    timeout = settings.step_timeout
    if not 0 < timeout < float("inf"):  # the Dagger module's arguments come here unparsed
        raise ConfigError(settings.source("step_timeout"), "step_timeout", f"{timeout} seconds")
    _check_vulndb(settings)
    for name in ("report_dir", "cache_dir"):
        check_writable_dir(Path(getattr(settings, name)), settings.source(name), name)
    if request.registry is None and (request.needs(Part.IMAGES) or request.needs(Part.ATTESTOR)):
        raise ConfigError("--registry", None, "the image and push stages need a registry")
    if request.needs(Part.IMAGES) or request.needs(Part.ATTESTOR):
        from pipelines.images.config import check_registries

        check_registries(settings)
    if request.gitops is None and request.needs(Part.RELEASE):
        raise ConfigError("--gitops-remote", None, "manifest and commit need a GitOps remote")
    if request.gitops is not None:
        from pipelines.gitops.cli import check_environment, check_workdir

        check_environment(request.gitops.env_name, "--env")
        check_workdir(request.gitops.workdir, settings.source("gitops_workdir"))


#: Where osv-scanner's offline mode reads each ecosystem's database (../shared/vulndb/README):
#: `<dir>/osv-scanner/<Ecosystem>/all.zip` (v2.0 to v2.4), `<dir>/osv-scalibr/...` (v2.5 on).
OSV_LAYOUTS = ("osv-scanner", "osv-scalibr")


def _check_vulndb(settings: Settings) -> None:
    """An offline database is a folder in osv-scanner's layout: an empty or wrong folder would
    make every audit find nothing, which must never pass for a clean result."""
    vulndb = settings.vuln_db
    if vulndb is None:
        return
    source, folder = settings.source("vuln_db"), Path(vulndb)
    if not folder.is_dir():
        raise ConfigError(source, "vuln_db", f"{vulndb} is not a dir")
    if not any(next(folder.glob(f"{layout}/*/all.zip"), None) for layout in OSV_LAYOUTS):
        raise ConfigError(
            source,
            "vuln_db",
            f"{vulndb} holds no offline OSV database (no osv-scanner/<Ecosystem>/all.zip)",
        )


def check_writable_dir(path: Path, source: str, name: str) -> None:
    """`path` is a folder the run may write into, or one it can create: its nearest existing
    ancestor is a writable folder, not a file."""
    if path.exists() and not path.is_dir():
        raise ConfigError(source, name, f"{path} is not a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(source, name, f"{path} cannot be made: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(source, name, f"{path} is not writable")


def prepare(request: RunRequest) -> tuple[RunContext, RunOptions]:
    """Where the run reads and writes (and the commit it is at), and how it runs its stages."""
    from pipelines.engines.local import host_env
    from pipelines.scheduler import RunOptions
    from pipelines.source import head_revision

    settings, root = request.settings, request.root
    ctx = RunContext(
        root=root,
        cache_dir=settings.cache_dir,
        report_dir=settings.report_dir,
        vulndb=settings.vuln_db,
        env=host_env(request.env, root),
        step_timeout_s=settings.step_timeout,
        revision=head_revision(root),
    )
    options = RunOptions(
        stages=request.stages,
        jobs=settings.jobs,
        keep_going=request.keep_going,
        severity_threshold=settings.fail_on,
        toolchain=ToolchainOptions(offline_vulndb=settings.vuln_db is not None),
    )
    return ctx, options


async def execute(request: RunRequest, kit: EngineKit, sink: Sink, say: Say = stderr) -> RunResult:
    """Run `request` on `kit`'s engine; write the reports; never raise for a failed stage."""
    from pipelines.scheduler import run_services

    check(request)
    ctx, options = prepare(request)
    async with contextlib.AsyncExitStack() as stack:
        engine = await stack.enter_async_context(kit.session(ctx))
        options = await _with_parts(options, request, kit, engine, ctx, stack, say)
        result = await run_services(request.services, engine, ctx, options, sink)
    if request.reports:
        _write_reports(result, request, say)
    return result


async def _with_parts(
    options: RunOptions,
    request: RunRequest,
    kit: EngineKit,
    engine: Engine,
    ctx: RunContext,
    stack: contextlib.AsyncExitStack,
    say: Say,
) -> RunOptions:
    """`options` with the publisher, attestor and GitOps writer its stages need."""
    if not any(request.needs(part) for part in Part):
        return options
    image = image_settings(request)
    publisher: ImagePublisher = kit.publisher(image, engine, ctx)
    stack.callback(publisher.close)
    if request.needs(Part.IMAGES):
        await publisher.prepare(_bases(request.services), say)
    options = replace(options, images=publisher)
    if request.needs(Part.ATTESTOR):
        options = replace(options, attestor=kit.attestor(image, request.settings, ctx))
    if request.needs(Part.RELEASE) and request.gitops is not None:
        options = replace(options, release=_writer(request.gitops, image, ctx))
    return options


def image_settings(request: RunRequest) -> ImageSettings:
    from pipelines.images.config import image_settings as from_settings

    if request.registry is None:
        raise ConfigError("--registry", None, "the image and push stages need a registry")
    settings = request.settings
    return from_settings(settings, request.env, request.root, request.registry, request.version)


def _bases(services: tuple[Service, ...]) -> set[str]:
    """The runtime base kinds these services' images start from."""
    from pipelines.toolchains import toolchain_for

    return {toolchain_for(service).runtime(service).base for service in services}


def _writer(gitops: GitOpsTarget, image: ImageSettings, ctx: RunContext) -> ReleaseWriter:
    from pipelines.gitops.release import ReleaseWriter

    return ReleaseWriter(
        remote=gitops.remote,
        env_name=gitops.env_name,
        root=ctx.root,
        report_dir=ctx.report_dir,
        workdir=gitops.workdir,
        source_commit=image.meta.revision,
        environ=gitops.environ,
    )


def _write_reports(result: RunResult, request: RunRequest, say: Say) -> None:
    from pipelines.reports import write_reports
    from pipelines.reports.telemetry import export_spans

    env = request.env
    paths = write_reports(result, request.settings.report_dir, env)
    endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    if export_spans(result, env) == 0 and endpoint:
        say("warning: the OTLP endpoint accepted no spans")
    say(f"report: {paths.json}")
