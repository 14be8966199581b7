"""Test counts and findings copied into report.json, so the HTML page renders from it alone.

JUnit and SARIF stay the files their consumers read; report.json carries the totals and a
bounded list of what failed and what was found (file:line), enough for a person to start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipelines.reports import junit

#: Failed test cases and findings listed in report.json; the totals always count all of them.
MAX_LISTED = 500
MAX_MESSAGE = 400


def _short(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def tests_summary(suites: Iterable[tuple[str, junit.TestSuite]]) -> dict[str, Any]:
    """Totals over every merged suite, and the first MAX_LISTED failed or erroring cases."""
    pairs = list(suites)
    total = junit.totals(s for _, s in pairs)
    failed = [
        {
            "service": service,
            "suite": suite.name,
            "name": case.name,
            "outcome": case.outcome,
            "message": _short(case.message),
        }
        for service, suite in pairs
        for case in suite.cases
        if case.outcome in ("failed", "error")
    ]
    return {
        "tests": total.tests,
        "passed": total.passed,
        "failures": total.failures,
        "errors": total.errors,
        "skipped": total.skipped,
        "failed_cases": failed[:MAX_LISTED],
    }


def _location(result: Mapping[str, Any]) -> tuple[str | None, int | None]:
    for location in result.get("locations") or []:
        physical = location.get("physicalLocation") or {}
        uri = (physical.get("artifactLocation") or {}).get("uri")
        line = (physical.get("region") or {}).get("startLine")
        if uri:
            return str(uri), line if isinstance(line, int) else None
    return None, None


def findings_summary(log: Mapping[str, Any]) -> dict[str, Any]:
    """Every SARIF result counted; the first MAX_LISTED with service, rule, level, file:line."""
    listed: list[dict[str, Any]] = []
    total = 0
    for run in log.get("runs") or []:
        props = run.get("properties") or {}
        tool = ((run.get("tool") or {}).get("driver") or {}).get("name", "tool")
        for result in run.get("results") or []:
            total += 1
            if len(listed) >= MAX_LISTED:
                continue
            file, line = _location(result)
            listed.append(
                {
                    "service": props.get("commerce-ci.service"),
                    "stage": props.get("commerce-ci.stage"),
                    "tool": tool,
                    "rule": result.get("ruleId"),
                    "level": result.get("level", "warning"),
                    "file": file,
                    "line": line,
                    "message": _short((result.get("message") or {}).get("text")),
                }
            )
    return {"total": total, "results": listed}
