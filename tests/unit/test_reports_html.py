"""The run report page and the waterfall, from report.json data alone (no browser here; the
browser tests are tests/integration/test_html_report.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.errors import ConfigError
from pipelines.reports import details, junit
from pipelines.reports.html import load_report, render_page
from pipelines.reports.html.view import check_report, run_bars
from pipelines.waterfall import Bar, Timeline, render_waterfall


def _stage(status: str, start: float, end: float, queued: float | None = None, **more) -> dict:
    at = lambda s: f"2026-01-01T00:00:{s:06.3f}Z"  # noqa: E731
    return {
        "status": status,
        "duration_s": end - start,
        "log": more.pop("log", None),
        "reason": more.pop("reason", None),
        "queued_at": at(queued if queued is not None else start),
        "started_at": at(start),
        "finished_at": at(end),
        **more,
    }


def _doc() -> dict:
    return {
        "version": 1,
        "engine": "local",
        "status": "failed",
        "started_at": "2026-01-01T00:00:00Z",
        "duration_s": 9.0,
        "services": {
            "cart": {
                "language": "go",
                "status": "passed",
                "duration_s": 3.0,
                "queued_at": "2026-01-01T00:00:00Z",
                "started_at": "2026-01-01T00:00:00Z",
                "stages": {"test": _stage("passed", 2, 3), "build": _stage("passed", 0, 2)},
            },
            "ad": {
                "language": "java",
                "status": "failed",
                "queued_at": "2026-01-01T00:00:00Z",
                "started_at": "2026-01-01T00:00:03Z",
                "stages": {
                    "build": _stage(
                        "failed",
                        3,
                        9,
                        queued=0,
                        log="logs/ad/build.log",
                        reason="mvn exited with code 1",
                    ),
                },
                "image": {"ref": "r/ad:1@sha256:ab", "digest": "sha256:ab", "input_digest": "x"},
            },
        },
        "gitops": {"commit": "0123456789abcdef", "remote": "r.git", "branch": "main"},
    }


def _report(tmp_path: Path, doc: dict | None = None):
    return check_report(doc or _doc(), tmp_path / "report.json")


def test_stages_are_drawn_in_pipeline_order_whatever_the_file_order(tmp_path: Path) -> None:
    bars = run_bars(_report(tmp_path), lambda log: log).bars
    assert [(b.kind, b.label) for b in bars[:3]] == [
        ("service", "cart"),
        ("stage", "build"),
        ("stage", "test"),
    ]


def test_a_stage_that_waited_has_its_queued_time(tmp_path: Path) -> None:
    bars = run_bars(_report(tmp_path), str).bars
    build = next(b for b in bars if b.data == (("service", "ad"), ("stage", "build")))
    assert (build.queued_s, build.start_s, build.end_s) == (0.0, 3.0, 9.0)
    assert build.waited_s == 3.0


def test_the_service_that_ends_last_is_the_critical_path(tmp_path: Path) -> None:
    bars = run_bars(_report(tmp_path), str).bars
    assert {b.data[0][1] for b in bars if b.critical} == {"ad"}


def test_the_page_lists_failures_before_the_waterfall(tmp_path: Path) -> None:
    html = render_page([_report(tmp_path)], tmp_path)
    assert html.index('id="failures"') < html.index('id="waterfall"')
    assert "mvn exited with code 1" in html
    assert 'href="logs/ad/build.log"' in html


def test_log_links_are_relative_to_where_the_page_is_written(tmp_path: Path) -> None:
    html = render_page([_report(tmp_path)], tmp_path / "elsewhere")
    assert 'href="../logs/ad/build.log"' in html


def test_the_page_shows_images_and_the_gitops_commit(tmp_path: Path) -> None:
    html = render_page([_report(tmp_path)], tmp_path)
    assert "r/ad:1@sha256:ab" in html and "0123456789ab" in html


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    html = render_page([_report(tmp_path)], tmp_path)
    assert "http://" not in html and "https://" not in html and "<script" not in html


def test_text_from_the_report_is_escaped(tmp_path: Path) -> None:
    doc = _doc()
    doc["services"]["ad"]["stages"]["build"]["reason"] = "<img src=x onerror=alert(1)>"
    html = render_page([_report(tmp_path, doc)], tmp_path)
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_several_reports_add_trends_and_show_the_newest(tmp_path: Path) -> None:
    old, new = _doc(), _doc()
    old["started_at"], old["status"] = "2025-12-31T00:00:00Z", "passed"
    new["services"]["cart"]["status"] = "cached"
    html = render_page([_report(tmp_path, new), _report(tmp_path, old)], tmp_path)
    assert 'id="trends"' in html
    assert 'id="run-status">failed<' in html
    assert 'data-service="cart" data-durations="3.000,3.000"' in html
    assert 'data-cached="false">miss</td><td data-cached="true">hit' in html


def test_a_file_that_is_not_a_report_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"services": {"cart": {"stages": {"build": {}}}}}))
    with pytest.raises(ConfigError, match=r"services\.cart\.stages\.build\.status: missing"):
        load_report(path)


def test_a_file_that_is_not_json_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("{")
    with pytest.raises(ConfigError, match="not a JSON report"):
        load_report(path)


def test_the_waterfall_has_one_row_per_bar_with_status_and_duration() -> None:
    html = render_waterfall(
        Timeline.of((Bar("a", 0, 1.5, "passed"), Bar("b", 1.5, 2, "failed", depth=1)))
    )
    assert html.count('class="wf-row"') == 2
    assert 'data-status="failed" data-duration="0.500"' in html


def test_tests_summary_lists_failed_cases_and_counts_all() -> None:
    cases = (
        junit.TestCase("ok", "c"),
        junit.TestCase("bad", "c", outcome="failed", message="boom"),
    )
    suite = junit.TestSuite("cart/pkg", cases)
    summary = details.tests_summary([("cart", suite)])
    assert (summary["tests"], summary["passed"], summary["failures"]) == (2, 1, 1)
    assert summary["failed_cases"] == [
        {
            "service": "cart",
            "suite": "cart/pkg",
            "name": "bad",
            "outcome": "failed",
            "message": "boom",
        }
    ]


def test_findings_summary_keeps_file_and_line() -> None:
    log = {
        "runs": [
            {
                "tool": {"driver": {"name": "semgrep"}},
                "properties": {"commerce-ci.service": "cart", "commerce-ci.stage": "sca"},
                "results": [
                    {
                        "ruleId": "no-eval",
                        "level": "error",
                        "message": {"text": "eval"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "services/cart/main.go"},
                                    "region": {"startLine": 12},
                                }
                            }
                        ],
                    }
                ],
            }
        ]
    }
    found = details.findings_summary(log)
    assert found["total"] == 1
    assert (found["results"][0]["file"], found["results"][0]["line"]) == (
        "services/cart/main.go",
        12,
    )
