"""write_reports: every report file of a run, written into one folder."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.reports import junit, sarif
from pipelines.reports.details import findings_summary, tests_summary
from pipelines.reports.files import report_files, unmatched_reports, write_atomic
from pipelines.reports.html import write_html_report
from pipelines.reports.run_report import build_report, json_default
from pipelines.reports.summary import render_summary
from pipelines.results import RunResult, ServiceResult
from pipelines.steps import Stage

TEST_KINDS = ("junit", "go-test-json", "cargo-test-text")
FINDING_KINDS = ("sarif", "osv-json")
FINDING_STAGES = (Stage.LINT, Stage.SCA)


@dataclass(frozen=True)
class ReportPaths:
    json: Path
    junit: Path
    sarif: Path
    summary: Path
    #: The self-contained HTML page (index.html), rendered from report.json alone.
    html: Path | None = None
    #: The file the summary was appended to (`$GITHUB_STEP_SUMMARY`), when there was one.
    step_summary: Path | None = None


def collect_tests(
    services: tuple[ServiceResult, ...],
) -> tuple[list[tuple[str, junit.TestSuite]], list[str]]:
    """(service, suite) pairs from every test stage, and a warning per unreadable report."""
    suites: list[tuple[str, junit.TestSuite]] = []
    warnings: list[str] = []
    for service in services:
        for stage in service.stages:
            if stage.stage is not Stage.TEST:
                continue
            for kind, path in report_files(stage):
                if kind not in TEST_KINDS:
                    continue
                try:
                    found = junit.parse_report(kind, path)
                except ValueError as exc:
                    warnings.append(f"{service.name} {stage.stage}: {exc}")
                    continue
                suites += [(service.name, s) for s in junit.prefixed(service.name, found)]
    return suites, warnings


def collect_findings(services: tuple[ServiceResult, ...]) -> tuple[dict[str, Any], list[str]]:
    log = sarif.empty_log()
    warnings: list[str] = []
    for service in services:
        for stage in service.stages:
            if stage.stage not in FINDING_STAGES:
                continue
            for kind, path in report_files(stage):
                try:
                    if kind == "sarif":
                        runs = sarif.read_sarif_runs(path)
                    elif kind == "osv-json":
                        runs = [sarif.read_osv_run(path, service.path)]
                    else:
                        continue
                except ValueError as exc:
                    warnings.append(f"{service.name} {stage.stage}: {exc}")
                    continue
                log["runs"] += [
                    sarif.tag_run(r, service.name, service.path, str(stage.stage)) for r in runs
                ]
    return log, warnings


def _unmatched(services: tuple[ServiceResult, ...]) -> list[str]:
    return [
        f"{service.name} {stage.stage}: no step declares report file {path}"
        for service in services
        for stage in service.stages
        for path in unmatched_reports(stage)
    ]


def write_reports(result: RunResult, report_dir: Path, env: Mapping[str, str]) -> ReportPaths:
    """Write report.json, junit.xml, findings.sarif and summary.md into `report_dir`.

    A report file that cannot be read does not stop the others: it becomes a warning in
    report.json and the summary, so a broken tool output is visible rather than silently lost.
    The summary is also appended to the file named by `GITHUB_STEP_SUMMARY`, when set.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    suites, test_warnings = collect_tests(result.services)
    findings_log, finding_warnings = collect_findings(result.services)
    warnings = tuple(_unmatched(result.services) + test_warnings + finding_warnings)

    doc = build_report(result, report_dir, warnings)
    doc["tests"] = tests_summary(suites)
    doc["findings"] = findings_summary(findings_log)
    paths = ReportPaths(
        json=report_dir / "report.json",
        junit=report_dir / "junit.xml",
        sarif=report_dir / "findings.sarif",
        summary=report_dir / "summary.md",
        html=report_dir / "index.html",
    )
    body = json.dumps(doc, indent=2, default=json_default) + "\n"
    write_atomic(paths.json, body.encode())
    write_atomic(paths.junit, junit.render_junit(suites))
    write_atomic(paths.sarif, (json.dumps(findings_log, indent=2) + "\n").encode())
    write_html_report(json.loads(body), paths.json)

    findings = sum(len(run.get("results") or []) for run in findings_log["runs"])
    summary = render_summary(
        result, junit.totals(s for _, s in suites), findings, warnings, html="index.html"
    )
    write_atomic(paths.summary, summary.encode())

    step_summary = env.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        target = Path(step_summary)
        with target.open("a", encoding="utf-8") as handle:
            handle.write(summary)
        return ReportPaths(paths.json, paths.junit, paths.sarif, paths.summary, paths.html, target)
    return paths
