"""The SCA gate, over report files written by hand: what passes, what fails, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.errors import ConfigError
from pipelines.sca.gate import OFFLINE_DB_SUBDIR, Severity, evaluate


def sarif(tmp_path: Path, results: list[dict[str, Any]], level: str = "error") -> Path:
    rules = [{"id": "go-exec-through-shell", "defaultConfiguration": {"level": level}}]
    data = {
        "runs": [{"tool": {"driver": {"name": "Semgrep OSS", "rules": rules}}, "results": results}]
    }
    path = tmp_path / "semgrep.sarif"
    path.write_text(json.dumps(data))
    return path


def shell_finding(level: str | None = None) -> dict[str, Any]:
    location = {
        "physicalLocation": {"artifactLocation": {"uri": "main.go"}, "region": {"startLine": 7}}
    }
    result: dict[str, Any] = {"ruleId": "go-exec-through-shell", "locations": [location]}
    if level:
        result["level"] = level
    return result


def osv(tmp_path: Path, packages: list[dict[str, Any]]) -> Path:
    path = tmp_path / "osv.json"
    path.write_text(json.dumps({"results": [{"source": {"path": "go.mod"}, "packages": packages}]}))
    return path


def package(name: str, ecosystem: str = "Go", groups: list[dict[str, Any]] | None = None,
            vulns: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    entry: dict[str, Any] = {"package": {"name": name, "version": "1.0.0", "ecosystem": ecosystem}}
    if groups is not None:
        entry["groups"] = groups
    if vulns is not None:
        entry["vulnerabilities"] = vulns
    return entry


def vulndb_with(tmp_path: Path, *ecosystems: str) -> Path:
    root = tmp_path / "vulndb"
    for ecosystem in ecosystems:
        folder = root / OFFLINE_DB_SUBDIR / ecosystem
        folder.mkdir(parents=True)
        (folder / "all.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    return root


def test_clean_reports_pass(tmp_path: Path) -> None:
    verdict = evaluate(
        [("sarif", sarif(tmp_path, [])), ("osv-json", osv(tmp_path, [package("a")]))], "low"
    )
    assert (verdict.failed, verdict.reason, verdict.findings, verdict.packages_audited) == (
        False, None, 0, 1,
    )  # fmt: skip


def test_semgrep_error_level_finding_fails_a_high_threshold(tmp_path: Path) -> None:
    verdict = evaluate([("sarif", sarif(tmp_path, [shell_finding()]))], "high")
    assert verdict.failed
    assert "go-exec-through-shell (main.go:7, high)" in (verdict.reason or "")


def test_warning_level_finding_passes_a_high_threshold_but_counts(tmp_path: Path) -> None:
    verdict = evaluate([("sarif", sarif(tmp_path, [shell_finding("warning")]))], "high")
    assert not verdict.failed
    assert verdict.findings == 1


def test_warning_level_finding_fails_a_medium_threshold(tmp_path: Path) -> None:
    verdict = evaluate([("sarif", sarif(tmp_path, [shell_finding("warning")]))], "medium")
    assert verdict.failed


def test_osv_cvss_score_decides_the_severity(tmp_path: Path) -> None:
    groups = [{"ids": ["GO-2099-0001"], "max_severity": "5.3"}]
    report = [("osv-json", osv(tmp_path, [package("a", groups=groups)]))]
    assert not evaluate(report, "high").failed
    verdict = evaluate(report, "medium")
    assert verdict.failed
    assert "GO-2099-0001 (a 1.0.0 (Go), medium)" in (verdict.reason or "")


def test_advisory_label_is_used_when_there_is_no_score(tmp_path: Path) -> None:
    vulns = [{"id": "GHSA-xxxx", "database_specific": {"severity": "MODERATE"}}]
    groups = [{"ids": ["GHSA-xxxx"], "max_severity": ""}]
    report = [("osv-json", osv(tmp_path, [package("a", groups=groups, vulns=vulns)]))]
    assert not evaluate(report, "high").failed
    assert evaluate(report, "medium").failed


def test_unknown_severity_counts_as_high(tmp_path: Path) -> None:
    vulns = [{"id": "GO-2099-0002"}]
    report = [("osv-json", osv(tmp_path, [package("a", vulns=vulns)]))]
    assert evaluate(report, "high").failed
    assert not evaluate(report, "critical").failed


def test_missing_report_fails_as_nothing_audited(tmp_path: Path) -> None:
    verdict = evaluate([("osv-json", tmp_path / "osv.json")], "low")
    assert verdict.failed
    assert "wrote no report" in (verdict.reason or "")


def test_audit_of_zero_packages_fails(tmp_path: Path) -> None:
    verdict = evaluate([("osv-json", osv(tmp_path, []))], "critical")
    assert verdict.failed
    assert "audited nothing" in (verdict.reason or "")


def test_npm_lockfile_against_a_db_without_npm_fails_as_audited_nothing(tmp_path: Path) -> None:
    vulndb = vulndb_with(tmp_path, "Go", "PyPI", "crates.io")
    report = [("osv-json", osv(tmp_path, [package("lodash", ecosystem="npm")]))]
    verdict = evaluate(report, "critical", vulndb=vulndb)
    assert verdict.failed
    assert "audited nothing for npm" in (verdict.reason or "")


def test_ecosystem_present_in_the_offline_db_passes(tmp_path: Path) -> None:
    vulndb = vulndb_with(tmp_path, "Go")
    verdict = evaluate([("osv-json", osv(tmp_path, [package("a")]))], "low", vulndb=vulndb)
    assert not verdict.failed


def test_semgrep_sarif_without_rules_fails_as_no_check_ran(tmp_path: Path) -> None:
    path = tmp_path / "empty.sarif"
    run = {"tool": {"driver": {"name": "Semgrep OSS", "rules": []}}, "results": []}
    path.write_text(json.dumps({"runs": [run]}))
    verdict = evaluate([("sarif", path)], "low")
    assert verdict.failed
    assert "no rules" in (verdict.reason or "")


def test_a_linter_sarif_listing_only_fired_rules_is_clean_when_none_fired(tmp_path: Path) -> None:
    path = tmp_path / "checkstyle.sarif"
    run = {"tool": {"driver": {"name": "Checkstyle", "rules": []}}, "results": []}
    path.write_text(json.dumps({"runs": [run]}))
    verdict = evaluate([("sarif", path)], "low")
    assert not verdict.failed
    assert verdict.findings == 0


def test_unreadable_report_fails(tmp_path: Path) -> None:
    path = tmp_path / "osv.json"
    path.write_text("{not json")
    assert evaluate([("osv-json", path)], "low").failed


def test_no_reports_at_all_fails(tmp_path: Path) -> None:
    assert evaluate([], "low").failed


def test_unknown_threshold_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown severity 'severe'"):
        evaluate([("sarif", sarif(tmp_path, []))], "severe")


def test_cvss_bands() -> None:
    scores = [9.8, 7.0, 6.9, 0.1, 0.0]
    assert [Severity.from_score(s) for s in scores] == [
        Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, None,
    ]  # fmt: skip
