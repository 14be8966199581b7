"""The SCA gate: pass or fail a service from the scanners' report files, after they ran.

The scanners' own exit codes cannot decide: they know nothing of the run's severity threshold,
and a scanner that looked at nothing exits 0 just like one that looked at everything and found
nothing. So the gate reads the reports and fails on two things:
- a finding at or above the threshold (a severity it cannot read counts as high);
- an audit that audited nothing: no report, no packages, no rules, or an offline database
  that holds no advisories for the lockfile's ecosystem (npm, Maven, ... in ../shared/vulndb).

Pure Python over files: no process is started here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.severity import Severity
from pipelines.steps import ReportKind, Step

#: The subfolder of an offline database that the pinned osv-scanner (v2.0-v2.4) reads;
#: v2.5 and later read `osv-scalibr/` instead (see ../shared/vulndb/README.md).
OFFLINE_DB_SUBDIR = "osv-scanner"
#: How many blocking findings the one-line reason names before summarising the rest.
_NAMED_IN_REASON = 5


#: What a finding whose severity nobody wrote down counts as.
UNKNOWN_SEVERITY = Severity.HIGH


@dataclass(frozen=True)
class Finding:
    tool: str
    #: Rule id (semgrep) or advisory id (osv-scanner).
    id: str
    severity: Severity
    #: File and line, or package and version.
    where: str

    def describe(self) -> str:
        return f"{self.id} ({self.where}, {self.severity.name.lower()})"


@dataclass(frozen=True)
class GateVerdict:
    #: Every finding in the reports, below the threshold or not (the run report's count).
    findings: int
    failed: bool
    #: One line saying why the gate failed; None when it passed.
    reason: str | None
    #: The findings at or above the threshold.
    blocking: tuple[Finding, ...] = ()
    #: Packages the dependency audit looked at (0 when there was no dependency report).
    packages_audited: int = 0


@dataclass(frozen=True)
class _Read:
    findings: tuple[Finding, ...] = ()
    problems: tuple[str, ...] = ()
    packages: int = 0


def expected_reports(
    steps: Iterable[Step], service_dir: Path
) -> tuple[tuple[ReportKind, Path], ...]:
    """The (kind, host path) of every report the SCA steps promise, written or not."""
    return tuple(
        (report.kind, service_dir / step.workdir / report.path)
        for step in steps
        for report in step.reports
        if report.kind in ("sarif", "osv-json")
    )


def evaluate_steps(
    steps: Iterable[Step],
    service_dir: Path,
    severity_threshold: str,
    vulndb: Path | None = None,
) -> GateVerdict:
    """The gate over the reports that `steps` (the SCA stage's) write in `service_dir`."""
    return evaluate(expected_reports(steps, service_dir), severity_threshold, vulndb)


def evaluate(
    reports: Sequence[tuple[ReportKind, Path]],
    severity_threshold: str,
    vulndb: Path | None = None,
) -> GateVerdict:
    """Pass or fail from `reports`, (kind, path) pairs; `vulndb` is the offline DB, if used."""
    threshold = Severity.parse(severity_threshold)
    if not reports:
        return GateVerdict(0, True, "no SCA report to judge: the stage scanned nothing")
    reads: list[_Read] = []
    for kind, path in reports:
        if kind == "sarif":
            reads.append(_read_sarif(path))
        elif kind == "osv-json":
            reads.append(_read_osv(path, vulndb))
    findings = tuple(f for r in reads for f in r.findings)
    problems = [p for r in reads for p in r.problems]
    blocking = tuple(f for f in findings if f.severity >= threshold)
    if blocking:
        named = ", ".join(f.describe() for f in blocking[:_NAMED_IN_REASON])
        more = len(blocking) - _NAMED_IN_REASON
        named += f" and {more} more" if more > 0 else ""
        noun = "finding" if len(blocking) == 1 else "findings"
        problems.append(f"{len(blocking)} {noun} at or above {threshold.name.lower()}: {named}")
    return GateVerdict(
        findings=len(findings),
        failed=bool(problems),
        reason="; ".join(problems) if problems else None,
        blocking=blocking,
        packages_audited=sum(r.packages for r in reads),
    )


def _load_json(path: Path, tool: str) -> tuple[Any, str | None]:
    if not path.is_file():
        return None, f"{tool} wrote no report at {path}: the scan did not finish, nothing audited"
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = exc.__class__.__name__
        return None, f"{tool} report {path} is unreadable ({reason}): nothing audited"


def _read_sarif(path: Path) -> _Read:
    data, problem = _load_json(path, "semgrep")
    if problem:
        return _Read(problems=(problem,))
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list) or not runs:
        return _Read(problems=(f"SARIF report {path} has no runs: nothing was scanned",))
    findings: list[Finding] = []
    for run in runs:
        driver = run.get("tool", {}).get("driver", {})
        tool = str(driver.get("name") or "sarif")
        rules = {r.get("id"): r for r in driver.get("rules", []) if isinstance(r, dict)}
        # semgrep lists every rule it loaded, so none means it checked nothing; linters such as
        # checkstyle list only the rules that fired, so for them an empty list is a clean run.
        if not rules and tool.lower().startswith("semgrep"):
            return _Read(problems=(f"SARIF report {path} lists no rules: no check ran",))
        for result in run.get("results", []):
            rule_id = str(result.get("ruleId") or "unknown-rule")
            severity = _sarif_severity(result, rules.get(rule_id, {}))
            findings.append(Finding(tool, rule_id, severity, _sarif_location(result)))
    return _Read(findings=tuple(findings))


def _sarif_severity(result: dict[str, Any], rule: dict[str, Any]) -> Severity:
    score = rule.get("properties", {}).get("security-severity")
    try:
        by_score = Severity.from_score(float(score)) if score is not None else None
    except (TypeError, ValueError):
        by_score = None
    level = result.get("level") or rule.get("defaultConfiguration", {}).get("level")
    return by_score or Severity.from_label(level) or UNKNOWN_SEVERITY


def _sarif_location(result: dict[str, Any]) -> str:
    for location in result.get("locations", []):
        physical = location.get("physicalLocation", {})
        uri = physical.get("artifactLocation", {}).get("uri")
        line = physical.get("region", {}).get("startLine")
        if uri:
            return f"{uri}:{line}" if line else str(uri)
    return "unknown location"


def _read_osv(path: Path, vulndb: Path | None) -> _Read:
    data, problem = _load_json(path, "osv-scanner")
    if problem:
        return _Read(problems=(problem,))
    results = data.get("results") if isinstance(data, dict) else None
    entries = [
        entry
        for result in (results if isinstance(results, list) else [])
        for entry in result.get("packages", [])
        if isinstance(entry, dict)
    ]
    if not entries:
        return _Read(problems=(f"osv-scanner audited nothing: {path} lists no packages",))
    problems: list[str] = []
    if vulndb is not None:
        problems += _missing_ecosystems(entries, vulndb)
    findings = tuple(f for entry in entries for f in _osv_findings(entry))
    return _Read(findings=findings, problems=tuple(problems), packages=len(entries))


def _missing_ecosystems(entries: list[dict[str, Any]], vulndb: Path) -> list[str]:
    """An offline DB without an ecosystem's zip matches nothing for it: that audit is void."""
    counts: dict[str, int] = {}
    for entry in entries:
        ecosystem = str(entry.get("package", {}).get("ecosystem") or "unknown")
        counts[ecosystem] = counts.get(ecosystem, 0) + 1
    problems = []
    for ecosystem, count in sorted(counts.items()):
        zip_path = vulndb / OFFLINE_DB_SUBDIR / ecosystem / "all.zip"
        if not zip_path.is_file():
            problems.append(
                f"dependency audit audited nothing for {ecosystem} ({count} packages): "
                f"the offline vulnerability database has no {ecosystem} data "
                f"({zip_path} is missing)"
            )
    return problems


def _osv_findings(entry: dict[str, Any]) -> list[Finding]:
    package = entry.get("package", {})
    name, version = package.get("name", "?"), package.get("version", "?")
    where = f"{name} {version} ({package.get('ecosystem', '?')})"
    vulns = {v.get("id"): v for v in entry.get("vulnerabilities") or [] if isinstance(v, dict)}
    groups = entry.get("groups") or [{"ids": [vid]} for vid in vulns]
    findings = []
    for group in groups:
        ids = [str(i) for i in group.get("ids") or []]
        if not ids:
            continue
        severity = _osv_severity(group, [vulns[i] for i in ids if i in vulns])
        findings.append(Finding("osv-scanner", ids[0], severity, where))
    return findings


def _osv_severity(group: dict[str, Any], records: list[dict[str, Any]]) -> Severity:
    """osv-scanner's own CVSS score for the group first, then the advisories' labels."""
    try:
        by_score = Severity.from_score(float(group.get("max_severity") or 0))
    except (TypeError, ValueError):
        by_score = None
    if by_score is not None:
        return by_score
    labels = [
        Severity.from_label(record.get("database_specific", {}).get("severity"))
        for record in records
    ]
    known = [label for label in labels if label is not None]
    return max(known) if known else UNKNOWN_SEVERITY
