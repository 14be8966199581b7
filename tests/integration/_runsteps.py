"""Runs stages of fixture services through the real scheduler and local engine.

The toolchain, library and SCA tests assert on what `commerce-ci run --engine local` would do:
the same scheduler and engine, the same process environment rules, cache mounts, report
collection and gate. A test copies a fixture service into a throwaway repository root, then
runs one stage of it (`run_stage`, or `Runner.run` for a tree of services that share a build).
For an SCA stage the gate's verdict is computed once more from the collected reports, so tests
can assert on its details.
"""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from pipelines.catalog import Service, load_service
from pipelines.catalog.model import ServiceSpec
from pipelines.engines.base import RunContext
from pipelines.engines.local import LocalEngine
from pipelines.events import NullSink
from pipelines.results import StageResult, Status, StepOutcome
from pipelines.sca.gate import GateVerdict, evaluate_steps
from pipelines.scheduler import RunOptions, run_services
from pipelines.steps import REPORT_DIR, Stage, Step
from pipelines.toolchains import get_toolchain, toolchain_for
from pipelines.toolchains.base import ToolchainOptions

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "services"
TOOLS_BIN = PROJECT_ROOT / ".tools" / "bin"
#: Seconds any one step may take; a first Maven run downloads its plugins.
STEP_TIMEOUT_S = 600.0
#: Left behind by earlier local runs of a fixture; never copied into a test's repository.
_BUILD_LEFTOVERS = shutil.ignore_patterns(
    "target", "bin", "dist", "build", "node_modules", REPORT_DIR
)


@dataclass(frozen=True)
class StepRun:
    step: Step
    output: str


@dataclass(frozen=True)
class StageRun:
    stage: Stage
    result: StageResult
    gate: GateVerdict | None = None

    @property
    def passed(self) -> bool:
        return self.result.status is Status.PASSED

    @property
    def output(self) -> str:
        """The stage's log (its steps share one file), after the reason it failed, if it did."""
        log = self.result.log_path
        text = log.read_text(errors="replace") if log and log.is_file() else ""
        return f"{self.result.reason or ''}\n{text}"

    @property
    def runs(self) -> tuple[StepRun, ...]:
        """Each step that ran, with its part of the stage log (the engine heads each with `$`)."""
        chunks = re.split(r"^\$ ", self.output, flags=re.MULTILINE)[1:]
        return tuple(StepRun(o.step, c) for o, c in zip(self.result.steps, chunks, strict=False))

    @property
    def outcomes(self) -> tuple[StepOutcome, ...]:
        return self.result.steps

    @property
    def reports(self) -> tuple[Path, ...]:
        return self.result.reports


@dataclass(frozen=True)
class SingleStep:
    exit_code: int | None
    output: str


def host_env() -> dict[str, str]:
    """The environment steps start from: the test's own, with the project's tools first."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(TOOLS_BIN), env.get("PATH", "")])
    return env


def _context(root: Path, cache_dir: Path, vulndb: Path | None) -> RunContext:
    rules = root / "sca"
    if not rules.exists():
        shutil.copytree(PROJECT_ROOT / "sca", rules)
    return RunContext(
        root=root,
        cache_dir=cache_dir,
        report_dir=root / "reports",
        vulndb=vulndb,
        env=host_env(),
        step_timeout_s=STEP_TIMEOUT_S,
    )


def _service_at(service_dir: Path, root: Path) -> Service:
    """The folder's service.yaml when it has one, else a bare stand-in (scanner-only tests)."""
    if (service_dir / "service.yaml").is_file():
        return load_service(service_dir / "service.yaml", root)
    spec = ServiceSpec.model_construct(name=service_dir.name, language="python")
    return Service(spec=spec, path=service_dir.relative_to(root).as_posix(), lockfile="")


def run_step(step: Step, service_dir: Path, cache_dir: Path, vulndb: Path | None) -> SingleStep:
    """One Step through the local engine, outside any stage (for scanner-level tests)."""
    root = service_dir.parents[1]
    ctx = _context(root, cache_dir, vulndb)
    service = _service_at(service_dir, root)
    log = root / "reports" / "logs" / f"{service.name}-{step.name.replace(' ', '-')}.log"
    outcome = anyio.run(LocalEngine(ctx.env).run_step, step, service, ctx, log)
    return SingleStep(outcome.exit_code, log.read_text(errors="replace"))


def run_stage(
    service: Service,
    service_dir: Path,
    stage: Stage,
    cache_dir: Path,
    vulndb: Path | None = None,
    severity_threshold: str = "low",
) -> StageRun:
    """One stage of `service`, whose repository root is two folders above `service_dir`."""
    root = service_dir.parents[1]
    ctx = _context(root, cache_dir, vulndb)
    toolchain_options = ToolchainOptions(offline_vulndb=vulndb is not None)
    options = RunOptions(
        stages=(stage,), severity_threshold=severity_threshold, toolchain=toolchain_options
    )
    run = anyio.run(run_services, [service], LocalEngine(ctx.env), ctx, options, NullSink())
    (result,) = run.services[0].stages
    gate = None
    if stage is Stage.SCA:
        steps = get_toolchain(service.language).steps(service, stage, toolchain_options)
        collected = ctx.artifacts_dir(service.name, stage.value)
        gate = evaluate_steps(steps, collected, severity_threshold, vulndb)
    return StageRun(stage, result, gate)


def require_tools(service: Service, stage: Stage) -> None:
    """A missing host tool fails the test under CI and skips it loudly elsewhere."""
    toolchain = toolchain_for(service)
    engine = LocalEngine(host_env())
    for step in toolchain.steps(service, stage, ToolchainOptions()):
        for tool in engine.missing_tools(step):
            hint = toolchain.install_hints.get(tool, "see scripts/install-tools.sh")
            message = f"required tool '{tool}' is not installed: {hint}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)


class Runner:
    """Stages of the services under one repository root (a tree built once, checked often)."""

    def __init__(self, root: Path, cache_dir: Path) -> None:
        self.root = root
        self.cache_dir = cache_dir

    def service(self, name: str) -> Service:
        return load_service(self.root / "services" / name / "service.yaml", self.root)

    def run(self, name: str, stage: Stage) -> StageRun:
        """`stage` of service `name`, as `commerce-ci run` would run it."""
        service = self.service(name)
        require_tools(service, stage)
        return run_stage(service, service.folder(self.root), stage, self.cache_dir)


def copy_fixture(name: str, root: Path) -> tuple[Service, Path]:
    """A private copy of tests/fixtures/services/<name> under root/services, loaded."""
    target = root / "services" / name
    shutil.copytree(FIXTURES / name, target, ignore=_BUILD_LEFTOVERS)
    return load_service(target / "service.yaml", root), target


def copy_service(source: Path, root: Path) -> Path:
    """Copy an already built service (build outputs included) to a second repository."""
    target = root / "services" / source.name
    shutil.copytree(source, target, symlinks=True)
    return target


def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache dir for the whole test session (module caches survive between tests).

    COMMERCE_CI_TEST_CACHE keeps it across sessions on a developer machine; CI starts empty.
    """
    kept = os.environ.get("COMMERCE_CI_TEST_CACHE")
    folder = Path(kept) if kept else tmp_path_factory.getbasetemp() / "toolchain-cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class JUnitCase:
    name: str
    failed: bool


def junit_cases(paths: tuple[Path, ...]) -> tuple[JUnitCase, ...]:
    """The test cases of JUnit XML files, failed when they hold a failure or an error."""
    cases: list[JUnitCase] = []
    for path in paths:
        for case in ET.parse(path).getroot().iter("testcase"):
            failed = case.find("failure") is not None or case.find("error") is not None
            cases.append(JUnitCase(case.get("name", ""), failed))
    return tuple(cases)
