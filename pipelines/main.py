"""The Dagger module: `dagger call` runs the engine the CLI runs, with every Step in a container.

The functions are thin verbs over the engine. Each exports the directory it is given to a scratch
folder inside the module's runtime container (the catalog is read from files, and `plan` reads
git history), then calls the same catalog loader, planner, scheduler and report writers as
`commerce-ci`, with `DaggerEngine` in place of the local engine. Steps run against the
`dagger.Directory` itself, so the export is only read, never built from.

`plan` needs the repository's history: its `source` keeps the `.git` directory that every other
function leaves out, and a CI checkout must be deep enough to hold the base revision (in GitHub
Actions, `actions/checkout` with `fetch-depth: 0`). `dagger call plan --base origin/main`.

Heavy modules are imported inside the functions, so that loading the module (what
`dagger functions` does) stays quick.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import dagger
from dagger import DefaultPath, Doc, Ignore, function, object_type

from pipelines.engines.dagger import SOURCE_IGNORE
from pipelines.errors import ConfigError, StageFailed
from pipelines.steps import CHECK_STAGES, Stage, parse_stages

if TYPE_CHECKING:
    from pipelines.engines.base import Engine
    from pipelines.events import Sink
    from pipelines.results import RunResult

#: What `check` and `services` see of the repository (build outputs and local state left out).
Source = Annotated[
    dagger.Directory,
    DefaultPath("."),
    Ignore(list(SOURCE_IGNORE)),
    Doc("The repository; by default the checkout `dagger call` runs in"),
]

#: What `plan` sees: the same, plus the `.git` directory Dagger leaves out of contextual
#: directories unless asked, since the plan diffs two revisions.
History = Annotated[
    dagger.Directory,
    DefaultPath("."),
    Ignore([*(p for p in SOURCE_IGNORE if p != ".git"), "!**/.git"]),
    Doc("The repository with its .git directory; by default the checkout `dagger call` runs in"),
]

DEFAULT_STAGES = ",".join(s.value for s in CHECK_STAGES)

Services = Annotated[list[str] | None, Doc("Services to check, by name; all when none are given")]
Stages = Annotated[str, Doc("Comma-separated stages to run")]
KeepGoing = Annotated[
    bool, Doc("Let other services finish after a stage fails (default: fail fast)")
]
Jobs = Annotated[int, Doc("Services checked at once")]
FailOn = Annotated[str, Doc("Lowest finding severity that fails SCA: low, medium, high, critical")]
VulnDb = Annotated[
    dagger.Directory | None,
    Doc("Offline OSV database (osv-scanner's offline layout); OSV is queried when unset"),
]


def check_failure(result: RunResult) -> StageFailed:
    """One line per failed stage, so the error `dagger call` prints says what broke."""
    lines = [
        f"{service.name} {stage.stage}: {stage.reason or 'failed'}"
        for service in result.services
        for stage in service.stages
        if stage.status == "failed"
    ]
    return StageFailed("stages failed:\n" + "\n".join(lines))


def _stages(text: str) -> tuple[Stage, ...]:
    try:
        return parse_stages(text)
    except ValueError as exc:
        raise ConfigError("--stages", None, str(exc)) from None


@contextlib.asynccontextmanager
async def checkout(directory: dagger.Directory) -> AsyncIterator[Path]:
    """The directory exported to a scratch folder of the runtime container, removed after."""
    with tempfile.TemporaryDirectory(prefix="commerce-ci-") as scratch:
        root = Path(scratch) / "repo"
        await directory.export(str(root))
        yield root


async def run_check(
    root: Path,
    engine: Engine,
    names: Sequence[str],
    stages: str,
    *,
    keep_going: bool,
    jobs: int,
    fail_on: str,
    offline_vulndb: bool,
    report_dir: Path,
    sink: Sink,
) -> RunResult:
    """`check` without Dagger's plumbing: a checked-out repository and an engine in, a result
    out, reports written to `report_dir`."""
    from pipelines.catalog import load_catalog
    from pipelines.engines.base import RunContext
    from pipelines.reports import write_reports
    from pipelines.scheduler import SEVERITIES, RunOptions, run_services
    from pipelines.toolchains.base import ToolchainOptions

    if fail_on not in SEVERITIES:
        raise ConfigError("--fail-on", None, f"{fail_on!r}: choose from {', '.join(SEVERITIES)}")
    if jobs < 1:
        raise ConfigError("--jobs", None, f"must be at least 1, got {jobs}")
    options = RunOptions(
        stages=_stages(stages),
        jobs=jobs,
        keep_going=keep_going,
        severity_threshold=fail_on,
        toolchain=ToolchainOptions(offline_vulndb=offline_vulndb),
    )
    services = load_catalog(root).select(names, source="--services")
    ctx = RunContext(root=root, cache_dir=root / ".cache", report_dir=report_dir)
    result = await run_services(services, engine, ctx, options, sink)
    write_reports(result, report_dir, {})
    return result


@object_type
class CommerceCi:
    """Build, test, lint and scan the commerce services, each Step in its builder image."""

    @function
    async def services(self, source: Source) -> str:
        """The services of the repository, as JSON (name, language, path, port, image)."""
        from pipelines.catalog import load_catalog

        async with checkout(source) as root:
            return json.dumps(load_catalog(root).rows(), indent=2)

    @function
    async def plan(
        self,
        source: History,
        base: Annotated[
            str, Doc("Base revision; default: the merge-base with main, or HEAD~1")
        ] = "",
        head: Annotated[str, Doc("Head revision; default: HEAD")] = "",
    ) -> str:
        """Which services changed between two revisions, and why, as JSON."""
        from pipelines.catalog import load_catalog
        from pipelines.plan import plan_changes

        async with checkout(source) as root:
            plan = plan_changes(load_catalog(root), root, base or None, head or None)
        return json.dumps(plan.to_json(), indent=2)

    @function
    async def check(
        self,
        source: Source,
        services: Services = None,
        stages: Stages = DEFAULT_STAGES,
        keep_going: KeepGoing = False,
        jobs: Jobs = 2,
        fail_on: FailOn = "low",
        vulndb: VulnDb = None,
        allow_failure: Annotated[
            bool, Doc("Return the report even when a stage failed, instead of failing the call")
        ] = False,
    ) -> str:
        """Build, test, lint and scan services; returns report.json. Fails when a stage fails."""
        result, files = await self._check(
            source, services, stages, keep_going, jobs, fail_on, vulndb
        )
        report = files["report.json"]
        if result.failed and not allow_failure:
            # The function's stdout stays in the trace; the error says which stages broke.
            print(report)
            raise check_failure(result)
        return report

    @function
    async def check_reports(
        self,
        source: Source,
        services: Services = None,
        stages: Stages = DEFAULT_STAGES,
        keep_going: KeepGoing = False,
        jobs: Jobs = 2,
        fail_on: FailOn = "low",
        vulndb: VulnDb = None,
    ) -> dagger.Directory:
        """Like check, but returns the reports folder (report.json, junit.xml, findings.sarif,
        summary.md, logs/) whatever the outcome: CI uploads it, then fails on its status."""
        _, files = await self._check(source, services, stages, keep_going, jobs, fail_on, vulndb)
        directory = dagger.dag.directory()
        for name, text in sorted(files.items()):
            directory = directory.with_new_file(name, text)
        return directory

    async def _check(
        self,
        source: dagger.Directory,
        services: list[str] | None,
        stages: str,
        keep_going: bool,
        jobs: int,
        fail_on: str,
        vulndb: dagger.Directory | None,
    ) -> tuple[RunResult, dict[str, str]]:
        """Run the check; return the result and every text file of the reports folder."""
        from pipelines.engines.dagger import DaggerEngine
        from pipelines.reports.progress import PlainSink

        engine = DaggerEngine(source=source, vulndb=vulndb)
        async with checkout(source) as root:
            report_dir = root.parent / "reports"
            result = await run_check(
                root,
                engine,
                services or (),
                stages,
                keep_going=keep_going,
                jobs=jobs,
                fail_on=fail_on,
                offline_vulndb=vulndb is not None,
                report_dir=report_dir,
                sink=PlainSink(sys.stderr),
            )
            files = {
                path.relative_to(report_dir).as_posix(): path.read_text(
                    encoding="utf-8", errors="replace"
                )
                for path in report_dir.rglob("*")
                if path.is_file() and "artifacts" not in path.relative_to(report_dir).parts
            }
        return result, files
