"""report.json: per service and stage, status, duration, log path, findings; open for later keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.reports import write_reports
from pipelines.results import RunResult, ServiceResult, StageResult, Status, StepOutcome
from pipelines.steps import ReportFile, Stage, Step

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def _run(report_dir: Path, **extra: object) -> RunResult:
    logs = report_dir / "logs" / "cart"
    cart = ServiceResult(
        "cart",
        "go",
        "services/cart",
        (
            StageResult("cart", Stage.BUILD, Status.PASSED, 2.5, T0, T0 + 2.5, logs / "build.log"),
            StageResult(
                "cart",
                Stage.TEST,
                Status.FAILED,
                4.0,
                T0 + 2.5,
                T0 + 6.5,
                logs / "test.log",
                reason="2 tests failed",
            ),
            StageResult("cart", Stage.LINT, Status.SKIPPED, reason="an earlier stage failed"),
        ),
    )
    ads = ServiceResult(
        "ad",
        "java",
        "services/ad",
        (
            StageResult("ad", Stage.BUILD, Status.CACHED, 0.0),
            StageResult("ad", Stage.SCA, Status.PASSED, 1.0, findings=3),
        ),
    )
    return RunResult("local", T0, T0 + 7.25, (cart, ads), revision="abc123", extra=dict(extra))


def _report(tmp_path: Path, result: RunResult | None = None) -> dict:
    result = result or _run(tmp_path)
    paths = write_reports(result, tmp_path, env={})
    return json.loads(paths.json.read_text())


def test_top_level_describes_the_run(tmp_path: Path) -> None:
    doc = _report(tmp_path)
    assert {k: doc[k] for k in doc if k not in ("services", "tests", "findings")} == {
        "version": 1,
        "engine": "local",
        "revision": "abc123",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:07.250000Z",
        "duration_s": 7.25,
        "status": "failed",
    }


def test_each_stage_has_status_duration_log_findings_and_reason(tmp_path: Path) -> None:
    stages = _report(tmp_path)["services"]["cart"]["stages"]
    assert stages["test"] == {
        "status": "failed",
        "duration_s": 4.0,
        "log": "logs/cart/test.log",
        "findings": 0,
        "reason": "2 tests failed",
        "queued_at": None,
        "started_at": "2026-01-01T00:00:02.500000Z",
        "finished_at": "2026-01-01T00:00:06.500000Z",
    }
    assert stages["lint"]["status"] == "skipped"
    assert stages["lint"]["log"] is None


def test_service_entry_sums_its_stages(tmp_path: Path) -> None:
    services = _report(tmp_path)["services"]
    assert services["cart"]["language"] == "go"
    assert services["cart"]["path"] == "services/cart"
    assert services["cart"]["status"] == "failed"
    assert services["cart"]["duration_s"] == 6.5
    assert services["ad"]["status"] == "passed"
    assert services["ad"]["stages"]["sca"]["findings"] == 3


def test_a_log_outside_the_report_dir_is_an_absolute_path(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "build.log"
    result = RunResult(
        "local",
        T0,
        T0 + 1,
        (
            ServiceResult(
                "cart",
                "go",
                "services/cart",
                (StageResult("cart", Stage.BUILD, Status.PASSED, 1.0, log_path=elsewhere),),
            ),
        ),
    )
    paths = write_reports(result, tmp_path / "report", env={})
    doc = json.loads(paths.json.read_text())
    assert doc["services"]["cart"]["stages"]["build"]["log"] == elsewhere.resolve().as_posix()


def test_interrupted_run_says_so(tmp_path: Path) -> None:
    result = RunResult("local", T0, T0 + 1, (), interrupted=True)
    assert _report(tmp_path, result)["status"] == "interrupted"


def test_extra_adds_service_keys_and_top_level_keys(tmp_path: Path) -> None:
    image = {"repository": "registry.local/commerce/cart", "digest": "sha256:" + "a" * 64}
    result = _run(tmp_path, services={"cart": {"image": image}}, gitops={"commit": "def456"})
    doc = _report(tmp_path, result)
    assert doc["services"]["cart"]["image"] == image
    assert "image" not in doc["services"]["ad"]
    assert doc["gitops"] == {"commit": "def456"}


def test_extra_may_not_overwrite_what_the_engine_wrote(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"services\.cart\.'status'"):
        _report(tmp_path, _run(tmp_path, services={"cart": {"status": "passed"}}))
    with pytest.raises(ValueError, match="'engine'"):
        _report(tmp_path, _run(tmp_path, engine="dagger"))


def test_extra_naming_an_unknown_service_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'nope'"):
        _report(tmp_path, _run(tmp_path, services={"nope": {"image": {}}}))


def test_reports_are_replaced_whole_and_leave_no_temp_files(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("old contents")
    write_reports(_run(tmp_path), tmp_path, env={})
    assert json.loads((tmp_path / "report.json").read_text())["version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "findings.sarif",
        "index.html",
        "junit.xml",
        "report.json",
        "summary.md",
    ]


def test_a_report_file_that_cannot_be_read_becomes_a_warning(tmp_path: Path) -> None:
    step = Step(
        Stage.SCA,
        "osv-scanner",
        "img:1",
        ("osv-scanner",),
        reports=(ReportFile("osv-json", "osv.json"),),
    )
    broken = tmp_path / "osv.json"
    broken.write_text("{not json")
    outcome = StepOutcome(step, 1, 1.0, tmp_path / "sca.log", reports=(broken,))
    stage = StageResult("cart", Stage.SCA, Status.FAILED, 1.0, steps=(outcome,))
    result = RunResult(
        "local", T0, T0 + 1, (ServiceResult("cart", "go", "services/cart", (stage,)),)
    )
    doc = _report(tmp_path / "report", result)
    (warning,) = doc["warnings"]
    assert warning.startswith("cart sca:") and "osv.json" in warning
