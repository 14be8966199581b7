"""Findings of every lint and SCA stage as one SARIF 2.1.0 log.

SARIF files from scanners (semgrep, linters) are merged run by run; osv-scanner's JSON has no
SARIF form we can rely on offline, so it is converted here into a run of its own. Every run is
tagged with its service (an `automationDetails.id` GitHub code scanning uses as the category)
and file locations are made repository-relative, since scanners report them relative to the
service folder they ran in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

#: SARIF levels by severity name; an unknown severity counts as high (as the SCA gate does).
LEVELS: Mapping[str, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "moderate": "warning",
    "low": "note",
}


def empty_log() -> dict[str, Any]:
    return {"version": SARIF_VERSION, "$schema": SARIF_SCHEMA, "runs": []}


def read_sarif_runs(path: Path) -> list[dict[str, Any]]:
    """The runs of one SARIF file; ValueError when it is not SARIF 2.1.0."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read SARIF: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != SARIF_VERSION:
        raise ValueError(f"{path}: not a SARIF {SARIF_VERSION} log")
    runs = data.get("runs")
    if not isinstance(runs, list) or not all(
        isinstance(r, dict) and isinstance(r.get("tool"), dict) for r in runs
    ):
        raise ValueError(f"{path}: SARIF runs must each name their tool")
    return runs


def _is_relative_uri(uri: str) -> bool:
    return "://" not in uri and not uri.startswith(("/", "file:"))


def _rebase(node: Any, service_path: str, declared_bases: frozenset[str]) -> None:
    """Prefix relative artifact URIs with the service folder, in place.

    A URI resolved against a base the run itself declares (`originalUriBaseIds`) is left alone;
    semgrep's undeclared `%SRCROOT%` means "where the scanner ran", i.e. the service folder.
    """
    if isinstance(node, dict):
        location = node.get("artifactLocation")
        if isinstance(location, dict):
            uri = location.get("uri")
            if (
                isinstance(uri, str)
                and location.get("uriBaseId") not in declared_bases
                and _is_relative_uri(uri)
                and not uri.startswith(f"{service_path}/")
            ):
                clean = PurePosixPath(uri.removeprefix("./"))
                location["uri"] = str(PurePosixPath(service_path) / clean)
                location.pop("uriBaseId", None)
        for value in node.values():
            _rebase(value, service_path, declared_bases)
    elif isinstance(node, list):
        for item in node:
            _rebase(item, service_path, declared_bases)


def tag_run(run: dict[str, Any], service: str, service_path: str, stage: str) -> dict[str, Any]:
    """A copy of `run` with repo-relative locations and the service named on it."""
    run = json.loads(json.dumps(run))
    declared = frozenset((run.get("originalUriBaseIds") or {}).keys())
    _rebase(run.get("results", []), service_path, declared)
    tool = run.get("tool", {}).get("driver", {}).get("name", "tool")
    run["automationDetails"] = {"id": f"commerce-ci/{service}/{stage}/{tool}/"}
    props = run.setdefault("properties", {})
    props.update({"commerce-ci.service": service, "commerce-ci.stage": stage})
    return run


# --- osv-scanner JSON ------------------------------------------------------------------------


def _severity_name(score: str | None, vulns: Iterable[Mapping[str, Any]]) -> str:
    """critical/high/medium/low from a CVSS base score, else from the advisory's own label."""
    try:
        value = float(score) if score else None
    except ValueError:
        value = None
    if value is not None and value > 0:
        if value >= 9.0:
            return "critical"
        if value >= 7.0:
            return "high"
        if value >= 4.0:
            return "medium"
        return "low"
    for vuln in vulns:
        label = str((vuln.get("database_specific") or {}).get("severity", "")).lower()
        if label in LEVELS:
            return "medium" if label == "moderate" else label
    return "unknown"


def _lockfile_uri(source_path: str, service_path: str) -> str:
    """The lockfile's repo-relative path, from the (host or container) path osv-scanner saw."""
    parts = PurePosixPath(source_path).parts
    wanted = PurePosixPath(service_path).parts
    for i in range(len(parts) - len(wanted), -1, -1):
        if parts[i : i + len(wanted)] == wanted:
            return str(PurePosixPath(*parts[i:]))
    return str(PurePosixPath(service_path) / PurePosixPath(source_path).name)


def osv_to_sarif_run(data: Mapping[str, Any], service_path: str) -> dict[str, Any]:
    """One SARIF run: a result per advisory per package, at the lockfile that pins it.

    osv-scanner groups aliases of one vulnerability (a PYSEC and its GHSA); each group becomes
    one result named by its first id, so one flaw is never counted twice.
    """
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for source in data.get("results") or []:
        uri = _lockfile_uri(str((source.get("source") or {}).get("path", "")), service_path)
        for entry in source.get("packages") or []:
            package = entry.get("package") or {}
            vulns = {v.get("id"): v for v in entry.get("vulnerabilities") or [] if v.get("id")}
            groups = entry.get("groups") or [
                {"ids": [vid], "aliases": [], "max_severity": ""} for vid in vulns
            ]
            for group in groups:
                ids = [i for i in group.get("ids") or [] if i]
                if not ids:
                    continue
                members = [vulns[i] for i in ids if i in vulns]
                severity = _severity_name(group.get("max_severity"), members)
                rule_id = ids[0]
                summary = next((m.get("summary") for m in members if m.get("summary")), None)
                details = next((m.get("details") for m in members if m.get("details")), None)
                rules.setdefault(rule_id, _osv_rule(rule_id, summary, details, severity, group))
                name, version = package.get("name", "?"), package.get("version", "?")
                text = f"{name}@{version} is affected by {rule_id}"
                if summary:
                    text += f": {summary}"
                result: dict[str, Any] = {
                    "ruleId": rule_id,
                    "level": LEVELS.get(severity, "error"),
                    "message": {"text": text},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
                    "properties": {
                        "package": name,
                        "version": version,
                        "ecosystem": package.get("ecosystem"),
                        "severity": severity,
                        "aliases": sorted(set(group.get("aliases") or []) - {rule_id}),
                    },
                }
                results.append(result)
    return {
        "tool": {
            "driver": {
                "name": "osv-scanner",
                "informationUri": "https://google.github.io/osv-scanner/",
                "rules": list(rules.values()),
            }
        },
        "results": results,
    }


def _osv_rule(
    rule_id: str, summary: str | None, details: str | None, severity: str, group: Mapping[str, Any]
) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": summary or rule_id},
        "helpUri": f"https://osv.dev/vulnerability/{rule_id}",
        "properties": {"tags": ["security", "vulnerability"], "severity": severity},
    }
    if details:
        rule["fullDescription"] = {"text": details[:4000]}
    score = group.get("max_severity")
    if score:
        rule["properties"]["security-severity"] = str(score)
    return rule


def read_osv_run(path: Path, service_path: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read osv-scanner JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
        raise ValueError(f"{path}: not osv-scanner JSON output (no 'results' list)")
    return osv_to_sarif_run(data, service_path)
