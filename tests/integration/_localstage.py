"""Run a fixture service's stages through the real local engine, for toolchain tests.

Each test copies a fixture service into a throwaway repository root, then runs one stage of it
exactly as `commerce-ci run --engine local` would: the same scheduler and engine, the same
process environment rules, cache mounts, report collection and gate.
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
from pipelines.events import NullSink
from pipelines.results import StageResult, Status, StepOutcome
from pipelines.scheduler import RunOptions, run_services
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
    result: StageResult

    @property
    def outcomes(self) -> tuple[StepOutcome, ...]:
        return self.result.steps

    @property
    def passed(self) -> bool:
        return self.result.status is Status.PASSED

    def log(self) -> str:
        """The stage's log (its steps share one file), after the reason it failed, if it did."""
        path = self.result.log_path
        text = path.read_text(errors="replace") if path and path.is_file() else ""
        return f"{self.result.reason or ''}\n{text}"

    def reports(self) -> tuple[Path, ...]:
        return self.result.reports


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
        """Run `stage` of service `name` through the scheduler, as `commerce-ci run` would."""
        self.require_tools(name, stage)
        options = RunOptions(stages=(stage,))
        run = anyio.run(
            run_services, [self.service(name)], self.engine, self.ctx, options, NullSink()
        )
        (result,) = run.services[0].stages
        return StageRun(stage, result)


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
