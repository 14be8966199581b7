"""The Python toolchain's Steps, run for real on tests/fixtures/services/python-svc."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _osvdb import advisory, write_db
from _runsteps import PROJECT_ROOT, copy_fixture, run_stage, shared_cache_dir
from testenv import require_tool

from pipelines.steps import Stage
from pipelines.toolchains.python import INTERPRETER

pytestmark = pytest.mark.toolchain("python")

SHARED_VULNDB = PROJECT_ROOT.parent / "shared" / "vulndb"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool(INTERPRETER, "scripts/tools.d/14-python-runtime.sh")
    require_tool("ruff", "scripts/tools.d/13-python-lint.sh")
    return shared_cache_dir(tmp_path_factory)


def test_build_makes_an_artifact_folder_that_runs_without_a_venv(
    tmp_path: Path, cache_dir: Path
) -> None:
    service, folder = copy_fixture("python-svc", tmp_path)
    result = run_stage(service, folder, Stage.BUILD, cache_dir)
    assert result.passed, result.output
    artifact = folder / "dist" / "app"
    probe = "from shop_prices.prices import lookup; print(lookup('tea', 10).cents)"
    env = {**os.environ, "PYTHONPATH": str(artifact)}
    out = subprocess.run(
        [INTERPRETER, "-I", "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode != 0  # -I ignores PYTHONPATH: proves the source tree is not on the path
    out = subprocess.run(
        [INTERPRETER, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert out.stdout.strip() == "449", out.stderr
    assert (artifact / "attrs").is_dir()


def test_tests_pass_and_write_junit(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("python-svc", tmp_path)
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert result.passed, result.output
    suite = ET.parse(folder / ".commerce-ci" / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "0", "0")


def test_clean_code_passes_ruff(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("python-svc", tmp_path)
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert result.passed, result.output
    assert [r.step.name for r in result.runs] == ["ruff check", "ruff format"]


def test_lint_error_fails_lint_at_ruff_check(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("python-svc", tmp_path)
    (folder / "shop_prices" / "extra.py").write_text("import os\n")  # F401: unused import
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert not result.passed
    assert result.runs[-1].step.name == "ruff check"
    assert "F401" in result.runs[-1].output


def test_unformatted_code_fails_lint_at_ruff_format(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("python-svc", tmp_path)
    (folder / "shop_prices" / "extra.py").write_text("VALUE = {'a':1}\n")
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert not result.passed
    assert result.runs[-1].step.name == "ruff format"
    assert "extra.py" in result.runs[-1].output


def test_failing_unit_test_fails_the_test_stage(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("python-svc", tmp_path)
    tests = folder / "tests" / "test_prices.py"
    tests.write_text(tests.read_text().replace(".cents == 449", ".cents == 450"))
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert not result.passed
    suite = ET.parse(folder / ".commerce-ci" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"


def test_sca_passes_against_the_shared_vulndb(tmp_path: Path, cache_dir: Path) -> None:
    require_tool("semgrep", "scripts/tools.d/10-semgrep.sh")
    require_tool("osv-scanner", "scripts/tools.d/11-osv-scanner.sh")
    service, folder = copy_fixture("python-svc", tmp_path)
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=SHARED_VULNDB)
    assert result.passed, (result.gate, result.output)
    assert result.gate is not None and result.gate.packages_audited == 1


def test_vulnerable_pin_fails_sca_with_the_advisory_id(tmp_path: Path, cache_dir: Path) -> None:
    require_tool("semgrep", "scripts/tools.d/10-semgrep.sh")
    require_tool("osv-scanner", "scripts/tools.d/11-osv-scanner.sh")
    service, folder = copy_fixture("python-svc", tmp_path)
    planted = advisory("PYSEC-2099-1", "PyPI", "attrs", "24.2.0")
    vulndb = write_db(tmp_path / "vulndb", {"PyPI": [planted]})
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=vulndb)
    assert not result.passed
    assert result.gate is not None and "PYSEC-2099-1" in (result.gate.reason or "")
