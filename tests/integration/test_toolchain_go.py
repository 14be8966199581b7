"""The Go toolchain's Steps, run for real on tests/fixtures/services/go-svc."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _osvdb import advisory, write_db
from _runsteps import PROJECT_ROOT, copy_fixture, run_stage, shared_cache_dir
from testenv import require_tool

from pipelines.steps import Stage

pytestmark = pytest.mark.toolchain("go")

SHARED_VULNDB = PROJECT_ROOT.parent / "shared" / "vulndb"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("go", "install Go 1.26 (https://go.dev/dl/)")
    return shared_cache_dir(tmp_path_factory)


def test_build_writes_the_binary_under_bin(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("go-svc", tmp_path)
    result = run_stage(service, folder, Stage.BUILD, cache_dir)
    assert result.passed, result.output
    binary = folder / "bin" / "go-svc"
    assert binary.is_file() and os.access(binary, os.X_OK)


def test_tests_pass_and_leave_a_go_test_json_report(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("go-svc", tmp_path)
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert result.passed, result.output
    events = [
        json.loads(line) for line in (folder / ".commerce-ci/go-test.json").read_text().splitlines()
    ]
    passed = {e["Test"] for e in events if e.get("Action") == "pass" and "Test" in e}
    assert "TestTotalSumsLinesInCents" in passed


def test_clean_code_passes_lint(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("go-svc", tmp_path)
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert result.passed, result.output
    assert [r.step.name for r in result.runs] == ["go vet", "gofmt"]


def test_unformatted_code_fails_lint_at_gofmt(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("go-svc", tmp_path)
    (folder / "extra.go").write_text("package main\nfunc unformatted( ) int {return 1}\n")
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert not result.passed
    assert result.runs[-1].step.name == "gofmt"
    assert "extra.go" in result.runs[-1].output


def test_vet_finding_fails_lint(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("go-svc", tmp_path)
    planted = (
        'package main\n\nimport "fmt"\n\n'
        'func wrongVerb() string {\n\treturn fmt.Sprintf("%d", "text")\n}\n'
    )
    (folder / "extra.go").write_text(planted)
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert not result.passed
    assert result.runs[-1].step.name == "go vet"
    assert "Sprintf" in result.runs[-1].output


def test_failing_unit_test_fails_the_test_stage(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("go-svc", tmp_path)
    test_file = folder / "cart_test.go"
    test_file.write_text(test_file.read_text().replace("total != 2999", "total != 3000"))
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert not result.passed
    report = (folder / ".commerce-ci/go-test.json").read_text()
    assert (
        '"Action":"fail","Package":"example.com/commerce/go-svc","Test":"TestTotalSumsLinesInCents"'
        in report
    )


def test_sca_passes_against_the_shared_vulndb(tmp_path: Path, cache_dir: Path) -> None:
    require_tool("semgrep", "scripts/tools.d/10-semgrep.sh")
    require_tool("osv-scanner", "scripts/tools.d/11-osv-scanner.sh")
    service, folder = copy_fixture("go-svc", tmp_path)
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=SHARED_VULNDB)
    assert result.passed, (result.gate, result.output)
    assert result.gate is not None and result.gate.packages_audited >= 2


def test_vulnerable_pin_fails_sca_with_the_advisory_id(tmp_path: Path, cache_dir: Path) -> None:
    require_tool("semgrep", "scripts/tools.d/10-semgrep.sh")
    require_tool("osv-scanner", "scripts/tools.d/11-osv-scanner.sh")
    service, folder = copy_fixture("go-svc", tmp_path)
    planted = advisory("GO-2099-0001", "Go", "github.com/google/uuid", "1.6.0")
    vulndb = write_db(tmp_path / "vulndb", {"Go": [planted]})
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=vulndb)
    assert not result.passed
    assert result.gate is not None and result.gate.failed
    assert "GO-2099-0001" in (result.gate.reason or "")
    assert "github.com/google/uuid 1.6.0" in (result.gate.reason or "")
