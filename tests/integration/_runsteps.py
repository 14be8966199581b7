"""Runs one stage of a fixture service through the real scheduler and local engine.

The toolchain tests assert on what `commerce-ci run --engine local` would do: the same engine,
the same cache env vars, the same report collection and the same SCA gate. The gate's verdict is
computed once more from the collected reports so that tests can assert on its details.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import anyio

from pipelines.catalog import Service, load_service
from pipelines.catalog.model import ServiceSpec
from pipelines.engines.base import RunContext
from pipelines.engines.local import LocalEngine
from pipelines.events import NullSink
from pipelines.results import StageResult, Status
from pipelines.sca.gate import GateVerdict, evaluate_steps
from pipelines.scheduler import RunOptions, run_services
from pipelines.steps import REPORT_DIR, Stage, Step
from pipelines.toolchains import get_toolchain
from pipelines.toolchains.base import ToolchainOptions

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = PROJECT_ROOT / ".tools" / "bin"
STEP_TIMEOUT_S = 600.0


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
    def runs(self) -> tuple[StepRun, ...]:
        """Each step that ran, with its part of the stage log (the engine heads each with `$`)."""
        chunks = re.split(r"^\$ ", self.output, flags=re.MULTILINE)[1:]
        return tuple(StepRun(o.step, c) for o, c in zip(self.result.steps, chunks, strict=False))

    @property
    def output(self) -> str:
        log = self.result.log_path
        text = log.read_text(errors="replace") if log and log.is_file() else ""
        return f"{self.result.reason or ''}\n{text}"


@dataclass(frozen=True)
class SingleStep:
    exit_code: int | None
    output: str


def _context(root: Path, cache_dir: Path, vulndb: Path | None) -> tuple[RunContext, dict]:
    rules = root / "sca"
    if not rules.exists():
        shutil.copytree(PROJECT_ROOT / "sca", rules)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(TOOLS_BIN), env.get("PATH", "")])
    ctx = RunContext(
        root=root,
        cache_dir=cache_dir,
        report_dir=root / "reports",
        vulndb=vulndb,
        env=env,
        step_timeout_s=STEP_TIMEOUT_S,
    )
    return ctx, env


def _service_at(service_dir: Path, root: Path) -> Service:
    """The folder's service.yaml when it has one, else a bare stand-in (scanner-only tests)."""
    if (service_dir / "service.yaml").is_file():
        return load_service(service_dir / "service.yaml", root)
    spec = ServiceSpec.model_construct(name=service_dir.name, language="python")
    return Service(spec=spec, path=service_dir.relative_to(root).as_posix(), lockfile="")


def run_step(step: Step, service_dir: Path, cache_dir: Path, vulndb: Path | None) -> SingleStep:
    """One Step through the local engine, outside any stage (for scanner-level tests)."""
    root = service_dir.parents[1]
    ctx, env = _context(root, cache_dir, vulndb)
    service = _service_at(service_dir, root)
    log = root / "reports" / "logs" / f"{service.name}-{step.name.replace(' ', '-')}.log"
    outcome = anyio.run(LocalEngine(env).run_step, step, service, ctx, log)
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
    ctx, env = _context(root, cache_dir, vulndb)
    toolchain_options = ToolchainOptions(offline_vulndb=vulndb is not None)
    options = RunOptions(
        stages=(stage,), severity_threshold=severity_threshold, toolchain=toolchain_options
    )
    run = anyio.run(run_services, [service], LocalEngine(env), ctx, options, NullSink())
    (result,) = run.services[0].stages
    gate = None
    if stage is Stage.SCA:
        steps = get_toolchain(service.language).steps(service, stage, toolchain_options)
        collected = ctx.report_dir / "artifacts" / service.name / stage.value
        gate = evaluate_steps(steps, collected, severity_threshold, vulndb)
    return StageRun(stage, result, gate)


def copy_fixture(name: str, root: Path) -> tuple[Service, Path]:
    """A private copy of tests/fixtures/services/<name> under root/services, loaded."""
    source = PROJECT_ROOT / "tests" / "fixtures" / "services" / name
    target = root / "services" / name
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns("target", "bin", "dist", "build", REPORT_DIR)
    )
    return load_service(target / "service.yaml", root), target


def shared_cache_dir(base: Path) -> Path:
    """One cache dir for the whole session (module and build caches survive between tests)."""
    folder = base / "toolchain-cache"
    folder.mkdir(exist_ok=True)
    return folder
