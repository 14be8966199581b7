"""Run a fixture service's stages through the real local engine, for toolchain tests.

Each test copies a fixture service into a throwaway repository root, then runs the Steps its
toolchain derives exactly as `commerce-ci run --engine local` would: same engine, same process
environment rules, same cache mounts, same report collection. Only the scheduler around it is
left out, so a failure here points at the toolchain or the fixture, not at the orchestration.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from pipelines.catalog import Service, load_service
from pipelines.engines.base import RunContext
from pipelines.engines.local import LocalEngine
from pipelines.results import StepOutcome
from pipelines.steps import Stage
from pipelines.toolchains import ToolchainOptions, toolchain_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "services"
#: Seconds any one step may take; a first Maven run downloads its plugins.
STEP_TIMEOUT_S = 600.0
#: Left behind by earlier local runs of a fixture; never copied into a test's repository.
_BUILD_LEFTOVERS = shutil.ignore_patterns("target", "node_modules", "dist", ".commerce-ci")


@dataclass(frozen=True)
class StageRun:
    stage: Stage
    outcomes: tuple[StepOutcome, ...]

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.succeeded for o in self.outcomes)

    def log(self) -> str:
        """Every step's log, as one text (steps of a stage share the stage's log file)."""
        paths = dict.fromkeys(o.log_path for o in self.outcomes)
        return "".join(p.read_text(errors="replace") for p in paths if p.is_file())

    def reports(self) -> tuple[Path, ...]:
        return tuple(r for o in self.outcomes for r in o.reports)


def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache dir for the whole test session (Maven's repository, npm's cache).

    COMMERCE_CI_TEST_CACHE keeps it across sessions on a developer machine; CI starts empty.
    """
    kept = os.environ.get("COMMERCE_CI_TEST_CACHE")
    if kept:
        path = Path(kept)
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = tmp_path_factory.getbasetemp() / "toolchain-cache"
    path.mkdir(exist_ok=True)
    return path


def host_env() -> dict[str, str]:
    """The environment steps start from: the test's own, with the project's tools first."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(PROJECT_ROOT / ".tools" / "bin"), env.get("PATH", "")])
    return env


def copy_fixture(name: str, root: Path) -> Path:
    """Copy fixture service `name` into `root/services/`; returns the copy's folder."""
    target = root / "services" / name
    shutil.copytree(FIXTURES / name, target, ignore=_BUILD_LEFTOVERS)
    return target


def copy_service(source: Path, root: Path) -> Path:
    """Copy an already built service (build outputs included) to a second repository."""
    target = root / "services" / source.name
    shutil.copytree(source, target, symlinks=True)
    return target


class Runner:
    """Runs the stages of services under one repository root with the local engine."""

    def __init__(self, root: Path, cache_dir: Path) -> None:
        env = host_env()
        self.engine = LocalEngine(env)
        self.ctx = RunContext(
            root=root,
            cache_dir=cache_dir,
            report_dir=root / ".reports",
            env=env,
            step_timeout_s=STEP_TIMEOUT_S,
        )

    def service(self, name: str) -> Service:
        return load_service(self.ctx.root / "services" / name / "service.yaml", self.ctx.root)

    def require_tools(self, name: str, stage: Stage) -> None:
        """A missing host tool fails the test under CI and skips it loudly elsewhere."""
        service = self.service(name)
        toolchain = toolchain_for(service)
        for step in toolchain.steps(service, stage, ToolchainOptions()):
            for tool in self.engine.missing_tools(step):
                hint = toolchain.install_hints.get(tool, "see scripts/install-tools.sh")
                message = f"required tool '{tool}' is not installed: {hint}"
                if os.environ.get("CI") == "true":
                    pytest.fail(message)
                pytest.skip(message)

    def run(self, name: str, stage: Stage) -> StageRun:
        """Run `stage` of service `name`, its steps in order, stopping at the first failure."""
        self.require_tools(name, stage)
        service = self.service(name)
        steps = toolchain_for(service).steps(service, stage, ToolchainOptions())
        log_path = self.ctx.log_dir(name) / f"{stage.value}.log"
        log_path.unlink(missing_ok=True)
        outcomes: list[StepOutcome] = []
        for step in steps:
            outcome = anyio.run(self.engine.run_step, step, service, self.ctx, log_path)
            outcomes.append(outcome)
            if not outcome.succeeded:
                break
        return StageRun(stage, tuple(outcomes))


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
