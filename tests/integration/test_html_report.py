"""index.html of real runs, loaded in headless Chromium: one row per service and stage with
the right status and duration, failures with their log, no console error, a screenshot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import Page, chromium
from testenv import PROJECT_ROOT, SHARED

CLI = [sys.executable, "-m", "pipelines.cli"]
ROWS = """[...document.querySelectorAll('.wf-row[data-kind="stage"]')].map(r => [
  r.dataset.service, r.dataset.stage, r.dataset.status, parseFloat(r.dataset.duration)])"""


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Page]:
    with chromium(tmp_path / "chromium-profile") as page:
        yield page


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env["PATH"] = os.pathsep.join([str(PROJECT_ROOT / ".tools" / "bin"), env.get("PATH", "")])
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(
        [*CLI, "--root", str(root), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _repo(root: Path) -> Path:
    (root / "services").mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "sca", root / "sca")
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=30)
    return root


@pytest.fixture(scope="module")
def passing_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """python-svc (the fixture) through build, test, lint and SCA with the real tools."""
    root = _repo(tmp_path_factory.mktemp("passing"))
    shutil.copytree(
        PROJECT_ROOT / "tests/fixtures/services/python-svc", root / "services/python-svc"
    )
    done = _cli(root, "run", "python-svc", "--vuln-db", str(SHARED / "vulndb"))
    assert done.returncode == 0, done.stderr[-3000:]
    return root / "reports"


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A service whose build exits 3: the later stages are skipped."""
    root = _repo(tmp_path_factory.mktemp("failing"))
    folder = root / "services" / "broken"
    folder.mkdir()
    (folder / "service.yaml").write_text(
        "name: broken\nlanguage: python\ndescription: x\nport: 8080\n"
        "image:\n  repository: commerce/broken\n"
        f'commands:\n  build: ["{sys.executable}", "-c", "raise SystemExit(3)"]\n'
    )
    (folder / "requirements.txt").write_text("")
    done = _cli(root, "run", "broken")
    assert done.returncode == 1, done.stderr[-3000:]
    return root / "reports"


def _stage_rows(report_dir: Path) -> list[list[object]]:
    doc = json.loads((report_dir / "report.json").read_text())
    return [
        [name, stage, data["status"], data["duration_s"]]
        for name, service in doc["services"].items()
        for stage, data in service["stages"].items()
    ]


def _assert_rows_match(page: Page, report_dir: Path) -> None:
    shown = page.evaluate(ROWS)
    expected = _stage_rows(report_dir)
    assert [row[:3] for row in shown] == [row[:3] for row in expected]
    for got, want in zip(shown, expected, strict=True):
        assert got[3] == pytest.approx(want[3], abs=0.05), got


def test_a_passing_run_shows_a_row_per_stage_with_status_and_duration(
    passing_run: Path, browser: Page, tmp_path: Path
) -> None:
    browser.goto((passing_run / "index.html").as_uri())
    _assert_rows_match(browser, passing_run)
    assert browser.evaluate("document.getElementById('run-status').textContent") == "passed"
    services = browser.evaluate("""[...document.querySelectorAll('.wf-row[data-kind="service"]')]
        .map(r => r.dataset.service)""")
    assert services == ["python-svc"]
    tests = browser.evaluate("document.getElementById('test-counts').textContent")
    assert "tests: 5" in tests and "failures: 0" in tests
    browser.screenshot(tmp_path / "passing.png")
    assert (tmp_path / "passing.png").stat().st_size > 10_000
    assert browser.errors == []


def test_a_failing_run_lists_the_failure_first_with_its_reason_and_log(
    failing_run: Path, browser: Page, tmp_path: Path
) -> None:
    browser.goto((failing_run / "index.html").as_uri())
    _assert_rows_match(browser, failing_run)
    statuses = browser.evaluate(ROWS)
    assert [row[2] for row in statuses] == ["failed", "skipped", "skipped", "skipped"]
    assert browser.evaluate("document.getElementById('run-status').textContent") == "failed"
    first = browser.evaluate("document.querySelector('h2').id")
    assert first == "failures"
    failure = browser.evaluate("""(() => {
        const r = document.querySelector('.failures tr[data-stage]');
        return [r.dataset.service, r.dataset.stage, r.querySelector('.reason').textContent,
                r.querySelector('a').getAttribute('href')]; })()""")
    assert failure[:2] == ["broken", "build"]
    assert "exited with code 3" in failure[2]
    assert (failing_run / failure[3]).is_file()
    browser.screenshot(tmp_path / "failing.png")
    assert browser.errors == []


def test_the_report_command_rerenders_several_runs_with_trends(
    passing_run: Path, failing_run: Path, browser: Page, tmp_path: Path
) -> None:
    out = tmp_path / "trends.html"
    root = passing_run.parent
    done = _cli(root, "report", str(passing_run / "report.json"),
                str(failing_run / "report.json"), "--output", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    browser.goto(out.as_uri())
    trends = browser.evaluate("""[...document.querySelectorAll('.trends tr[data-service]')]
        .map(r => r.dataset.service)""")
    assert trends == ["broken", "python-svc"]
    # the newest run (the failing one, started last) is the one shown
    assert browser.evaluate("document.getElementById('run-status').textContent") == "failed"
    href = browser.evaluate("document.querySelector('.failures a').getAttribute('href')")
    assert (out.parent / href).resolve().is_file()
    assert browser.errors == []


def test_the_report_command_refuses_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    bad = tmp_path / "report.json"
    bad.write_text('{"services": []}')
    done = _cli(tmp_path, "report", str(bad))
    assert done.returncode == 2
    assert f"{bad}: services: must be an object" in done.stderr
    assert not (tmp_path / "index.html").exists()
