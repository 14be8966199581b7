"""summary.md: a Markdown table of services x stages, failures listed, appended for Actions."""

from __future__ import annotations

from pathlib import Path

from pipelines.reports import write_reports
from pipelines.reports.summary import format_duration, render_summary
from pipelines.results import RunResult, ServiceResult, StageResult, Status
from pipelines.steps import Stage


def _result() -> RunResult:
    cart = ServiceResult(
        "cart",
        "go",
        "services/cart",
        (
            StageResult("cart", Stage.BUILD, Status.PASSED, 2.0),
            StageResult("cart", Stage.TEST, Status.FAILED, 3.0, reason="TestTotal | failed"),
            StageResult("cart", Stage.LINT, Status.SKIPPED),
            StageResult("cart", Stage.SCA, Status.SKIPPED),
        ),
    )
    ad = ServiceResult(
        "ad",
        "java",
        "services/ad",
        (
            StageResult("ad", Stage.BUILD, Status.CACHED),
            StageResult("ad", Stage.TEST, Status.CACHED),
        ),
    )
    return RunResult("local", 100.0, 175.0, (cart, ad), revision="0123456789abcdef")


def _table_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line in text.splitlines()
        if line.startswith("| ")
    ]


def test_table_has_a_row_per_service_with_each_stage_status() -> None:
    rows = _table_rows(render_summary(_result()))
    assert rows == [
        ["service", "language", "build", "test", "lint", "sca", "duration"],
        ["cart", "go", "passed", "**FAILED**", "skipped", "skipped", "5.0s"],
        ["ad", "java", "cached", "cached", "-", "-", "0.0s"],
    ]


def test_a_release_adds_its_stages_the_image_digest_and_the_gitops_commit() -> None:
    digest = "sha256:" + "ab" * 32
    cart = ServiceResult(
        "cart",
        "go",
        "services/cart",
        tuple(StageResult("cart", stage, Status.PASSED) for stage in Stage),
    )
    result = RunResult(
        "local",
        100.0,
        110.0,
        (cart,),
        extra={
            "services": {"cart": {"image": {"ref": "r/cart:x@" + digest, "digest": digest}}},
            "gitops": {"remote": "/g.git", "branch": "main", "commit": "c" * 40, "files": ["a"]},
        },
    )
    text = render_summary(result)
    header, row = _table_rows(text)
    assert header[2:-1] == [*(str(stage) for stage in Stage), "image"]
    assert row[-2] == "`" + "ab" * 6 + "`"
    assert "GitOps: `cccccccccccc` on `/g.git` (main), 1 file(s)." in text


def test_failures_are_listed_with_reasons_escaped_for_markdown() -> None:
    text = render_summary(_result())
    assert "### Failures" in text
    assert "- `cart` test: TestTotal \\| failed" in text


def test_heading_says_the_run_failed_and_names_the_revision() -> None:
    text = render_summary(_result())
    assert text.startswith("## commerce-ci: FAILED\n")
    assert "revision `0123456789ab`" in text
    assert "1m 15s" in text


def test_passing_run_has_no_failures_section() -> None:
    ok = RunResult("local", 0.0, 1.0, (ServiceResult("ad", "java", "services/ad", ()),))
    text = render_summary(ok)
    assert text.startswith("## commerce-ci: passed")
    assert "Failures" not in text


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (0.04, 59.94, 61, 3725)] == [
        "0.0s",
        "59.9s",
        "1m 01s",
        "1h 02m",
    ]


def test_summary_is_appended_to_github_step_summary(tmp_path: Path) -> None:
    step_summary = tmp_path / "step_summary.md"
    step_summary.write_text("## earlier step\n")
    paths = write_reports(
        _result(), tmp_path / "report", env={"GITHUB_STEP_SUMMARY": str(step_summary)}
    )
    summary = paths.summary.read_text()
    assert step_summary.read_text() == "## earlier step\n" + summary
    assert paths.step_summary == step_summary


def test_without_github_step_summary_only_the_report_file_is_written(tmp_path: Path) -> None:
    paths = write_reports(_result(), tmp_path, env={})
    assert paths.step_summary is None
    assert "| cart | go |" in paths.summary.read_text()


def test_the_summary_links_the_html_report_next_to_it(tmp_path: Path) -> None:
    paths = write_reports(_result(), tmp_path, env={})
    assert paths.html == tmp_path / "index.html" and paths.html.is_file()
    assert "[index.html](index.html)" in paths.summary.read_text()


def test_the_step_summary_stays_markdown(tmp_path: Path) -> None:
    step = tmp_path / "step.md"
    write_reports(_result(), tmp_path / "reports", env={"GITHUB_STEP_SUMMARY": str(step)})
    assert "<html" not in step.read_text() and "| service |" in step.read_text()
