"""The scheduler and the local engine, with real host processes from a small fake toolchain."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import pytest

from pipelines.catalog import load_catalog
from pipelines.engines.base import RunContext
from pipelines.engines.local import LocalEngine
from pipelines.events import ListSink, StageFinished, StepStarted
from pipelines.results import Status
from pipelines.scheduler import RunOptions, run_services
from pipelines.steps import CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime

pytestmark = pytest.mark.processes

PY = sys.executable


def py(code: str, stage: Stage = Stage.BUILD, **kwargs) -> Step:
    return Step(
        stage=stage, name=f"{stage} step", image="python:3.11", argv=(PY, "-c", code), **kwargs
    )


@dataclass
class FakeToolchain:
    """Steps per (service, stage) from a dict; a stage with no entry has nothing to do."""

    plan: dict[tuple[str, Stage], tuple[Step, ...]]
    language: str = "python"
    install_hints: dict[str, str] = field(default_factory=lambda: {"nosuchtool": "apt install it"})

    def steps(self, service, stage, options):
        return self.plan.get((service.name, stage), ())

    def runtime(self, service):
        return Runtime("static", ("bin/app",), ("bin/app",))


def run(tmp_path: Path, plan, *, names=("cart",), timeout=60.0, **options):
    for name in names:
        folder = tmp_path / "services" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "service.yaml").write_text(
            f"name: {name}\nlanguage: python\ndescription: x\nport: 80\n"
            f"image:\n  repository: commerce/{name}\n"
        )
        (folder / "requirements.txt").write_text("")
    catalog = load_catalog(tmp_path)
    ctx = RunContext(
        root=catalog.root,
        cache_dir=tmp_path / "cache",
        report_dir=tmp_path / "reports",
        env=dict(os.environ),
        step_timeout_s=timeout,
    )
    sink = ListSink()
    toolchain = FakeToolchain(plan)
    stages = options.pop("stages", (Stage.BUILD, Stage.TEST))
    result = anyio.run(
        lambda: run_services(
            list(catalog),
            LocalEngine(),
            ctx,
            RunOptions(stages=stages, **options),
            sink,
            toolchain_for=lambda s: toolchain,
        )
    )
    return result, sink, ctx


def alive(pid: int) -> bool:
    """A zombie (exited, not yet reaped by its orphaned parent) counts as gone."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def stage_of(result, service, stage):
    svc = next(s for s in result.services if s.name == service)
    return next(st for st in svc.stages if st.stage == stage)


def test_passing_steps_pass_and_their_output_is_in_the_stage_log(tmp_path):
    result, _, _ = run(tmp_path, {("cart", Stage.BUILD): (py("print('built ok')"),)})
    build = stage_of(result, "cart", Stage.BUILD)
    assert build.status is Status.PASSED
    assert "built ok" in build.log_path.read_text()
    assert not result.failed


def test_stage_without_steps_is_skipped_with_a_reason(tmp_path):
    result, _, _ = run(tmp_path, {("cart", Stage.BUILD): (py("pass"),)})
    test = stage_of(result, "cart", Stage.TEST)
    assert test.status is Status.SKIPPED
    assert test.reason == "python has no test steps"


def test_failing_step_fails_the_stage_and_skips_the_stages_after_it(tmp_path):
    plan = {
        ("cart", Stage.BUILD): (py("import sys; sys.exit(3)"),),
        ("cart", Stage.TEST): (py("pass", Stage.TEST),),
    }
    result, _, _ = run(tmp_path, plan)
    build, test = stage_of(result, "cart", Stage.BUILD), stage_of(result, "cart", Stage.TEST)
    assert build.status is Status.FAILED
    assert build.reason == "build step exited with code 3"
    assert test.status is Status.SKIPPED
    assert test.reason == "build failed"
    assert result.failed


def test_later_steps_of_a_failed_stage_do_not_run(tmp_path):
    marker = tmp_path / "ran"
    plan = {
        ("cart", Stage.BUILD): (
            py("raise SystemExit(1)"),
            py(f"open({str(marker)!r}, 'w').close()"),
        )
    }
    run(tmp_path, plan)
    assert not marker.exists()


def test_missing_tool_fails_the_stage_naming_the_tool_and_how_to_install_it(tmp_path):
    step = Step(Stage.BUILD, "tool", "img", ("nosuchtool", "--version"))
    result, _, _ = run(tmp_path, {("cart", Stage.BUILD): (step,)})
    build = stage_of(result, "cart", Stage.BUILD)
    assert build.status is Status.FAILED
    assert build.reason == "required tool 'nosuchtool' is not installed (apt install it)"
    assert "nosuchtool" in build.log_path.read_text()


def test_step_past_its_timeout_is_stopped_with_its_children(tmp_path):
    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    result, _, _ = run(tmp_path, {("cart", Stage.BUILD): (py(code),)}, timeout=2.0)
    assert time.monotonic() - started < 30
    build = stage_of(result, "cart", Stage.BUILD)
    assert build.status is Status.FAILED
    assert build.reason == "build step timed out"
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)


def test_stdout_can_be_saved_to_a_report_file(tmp_path):
    step = py(
        'print(\'{"Action": "pass"}\')',
        Stage.TEST,
        stdout_to=".commerce-ci/out.json",
        reports=(ReportFile("go-test-json", ".commerce-ci/out.json"),),
    )
    result, _, _ = run(tmp_path, {("cart", Stage.TEST): (step,)})
    test = stage_of(result, "cart", Stage.TEST)
    assert test.status is Status.PASSED
    assert len(test.reports) == 1
    assert test.reports[0].read_text().strip() == '{"Action": "pass"}'


def test_stale_report_files_are_removed_before_a_step_runs(tmp_path):
    stale = tmp_path / "services" / "cart" / ".commerce-ci" / "junit.xml"
    stale.parent.mkdir(parents=True)
    stale.write_text("<old/>")
    step = py("pass", Stage.TEST, reports=(ReportFile("junit", ".commerce-ci/junit.xml"),))
    result, _, _ = run(tmp_path, {("cart", Stage.TEST): (step,)})
    assert stage_of(result, "cart", Stage.TEST).reports == ()


def test_cache_mounts_point_their_env_var_at_the_run_cache_dir(tmp_path):
    step = py(
        "import os; print('CACHE=' + os.environ['GOMODCACHE'])",
        caches=(CacheMount("go-mod", "/go/pkg/mod", "GOMODCACHE"),),
    )
    result, _, ctx = run(tmp_path, {("cart", Stage.BUILD): (step,)})
    log = stage_of(result, "cart", Stage.BUILD).log_path.read_text()
    assert f"CACHE={ctx.cache_dir / 'go-mod'}" in log
    assert (ctx.cache_dir / "go-mod").is_dir()


def test_root_placeholder_is_replaced_by_the_repository_root(tmp_path):
    step = py("import sys; print('ROOT=' + sys.argv[1])")
    step = Step(step.stage, step.name, step.image, (*step.argv, "{root}"))
    result, sink, ctx = run(tmp_path, {("cart", Stage.BUILD): (step,)})
    assert f"ROOT={ctx.root}" in stage_of(result, "cart", Stage.BUILD).log_path.read_text()
    started = [e for e in sink.events if isinstance(e, StepStarted)]
    assert str(ctx.root) in started[0].command


def test_fail_fast_skips_services_not_yet_started(tmp_path):
    plan = {
        ("a", Stage.BUILD): (py("raise SystemExit(1)"),),
        ("b", Stage.BUILD): (py("pass"),),
    }
    result, _, _ = run(tmp_path, plan, names=("a", "b"), jobs=1)
    b = stage_of(result, "b", Stage.BUILD)
    assert b.status is Status.SKIPPED
    assert b.reason == "stopped: a build failed (fail-fast)"


def test_keep_going_runs_every_service_after_a_failure(tmp_path):
    plan = {
        ("a", Stage.BUILD): (py("raise SystemExit(1)"),),
        ("b", Stage.BUILD): (py("pass"),),
    }
    result, _, _ = run(tmp_path, plan, names=("a", "b"), jobs=1, keep_going=True)
    assert stage_of(result, "b", Stage.BUILD).status is Status.PASSED
    assert result.failed


def test_services_run_concurrently_up_to_the_jobs_limit(tmp_path):
    # Each step waits for the other's marker: both pass only if they run at the same time.
    def waits_for(mine: str, other: str) -> Step:
        return py(
            "import pathlib, time, sys\n"
            f"pathlib.Path({str(tmp_path / mine)!r}).touch()\n"
            "deadline = time.time() + 20\n"
            f"while not pathlib.Path({str(tmp_path / other)!r}).exists():\n"
            "    if time.time() > deadline: sys.exit(1)\n"
            "    time.sleep(0.05)\n"
        )

    plan = {("a", Stage.BUILD): (waits_for("a", "b"),), ("b", Stage.BUILD): (waits_for("b", "a"),)}
    result, _, _ = run(tmp_path, plan, names=("a", "b"), jobs=2)
    assert not result.failed


def test_every_stage_ends_with_one_finished_event(tmp_path):
    _, sink, _ = run(tmp_path, {("cart", Stage.BUILD): (py("pass"),)})
    finished = [e.result.stage for e in sink.events if isinstance(e, StageFinished)]
    assert finished == [Stage.BUILD, Stage.TEST]


@pytest.mark.parametrize("jobs", [1, 3])
def test_results_keep_the_order_services_were_given_in(tmp_path, jobs):
    plan = {(n, Stage.BUILD): (py("pass"),) for n in ("c", "a", "b")}
    result, _, _ = run(tmp_path, plan, names=("c", "a", "b"), jobs=jobs)
    assert [s.name for s in result.services] == ["a", "b", "c"]


def test_cache_placeholder_in_argv_becomes_the_cache_folder(tmp_path):
    step = py(
        "import sys; print('REPO=' + sys.argv[1])",
        caches=(CacheMount("maven-repository", "/root/.m2/repository"),),
    )
    step = Step(
        step.stage,
        step.name,
        step.image,
        (*step.argv, "{cache:maven-repository}"),
        caches=step.caches,
    )
    result, _, ctx = run(tmp_path, {("cart", Stage.BUILD): (step,)})
    log = stage_of(result, "cart", Stage.BUILD).log_path.read_text()
    assert f"REPO={ctx.cache_dir / 'maven-repository'}" in log
