"""findings.sarif: lint/SCA SARIF merged, osv-scanner JSON converted, locations repo-relative."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.reports import write_reports
from pipelines.reports.sarif import osv_to_sarif_run
from pipelines.results import RunResult, ServiceResult, StageResult, Status, StepOutcome
from pipelines.steps import ReportFile, ReportKind, Stage, Step

# Shape of `semgrep --sarif` output (semgrep 1.x), one finding, run inside the service folder.
SEMGREP_SARIF = {
    "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json",
    "version": "2.1.0",
    "runs": [
        {
            "tool": {
                "driver": {
                    "name": "Semgrep OSS",
                    "semanticVersion": "1.95.0",
                    "rules": [
                        {
                            "id": "commerce.python.subprocess-shell-true",
                            "name": "commerce.python.subprocess-shell-true",
                            "shortDescription": {"text": "subprocess with shell=True"},
                            "defaultConfiguration": {"level": "error"},
                        }
                    ],
                }
            },
            "results": [
                {
                    "ruleId": "commerce.python.subprocess-shell-true",
                    "level": "error",
                    "message": {"text": "subprocess with shell=True"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {
                                    "uri": "app/main.py",
                                    "uriBaseId": "%SRCROOT%",
                                },
                                "region": {"startLine": 12, "startColumn": 5},
                            }
                        }
                    ],
                }
            ],
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": []}],
        }
    ],
}

# Shape of `osv-scanner scan source --format json -L requirements.txt` (v2.3), trimmed.
OSV_JSON = {
    "results": [
        {
            "source": {"path": "/src/services/recommendation/requirements.txt", "type": "lockfile"},
            "packages": [
                {
                    "package": {"name": "urllib3", "version": "1.24.1", "ecosystem": "PyPI"},
                    "vulnerabilities": [
                        {
                            "id": "PYSEC-2023-192",
                            "aliases": ["CVE-2023-43804", "GHSA-v845-jxx5-vc9f"],
                            "details": "urllib3 doesn't treat the `Cookie` HTTP header special.",
                            "severity": [
                                {
                                    "type": "CVSS_V3",
                                    "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N",
                                }
                            ],
                        },
                        {
                            "id": "PYSEC-2023-212",
                            "aliases": ["CVE-2023-45803", "GHSA-g4mx-q9vg-27p4"],
                            "details": "urllib3 does not remove the body on a 303 redirect.",
                        },
                    ],
                    "groups": [
                        {
                            "ids": ["PYSEC-2023-192"],
                            "aliases": ["CVE-2023-43804", "GHSA-v845-jxx5-vc9f", "PYSEC-2023-192"],
                            "max_severity": "8.1",
                        },
                        {
                            "ids": ["PYSEC-2023-212"],
                            "aliases": ["CVE-2023-45803", "GHSA-g4mx-q9vg-27p4", "PYSEC-2023-212"],
                            "max_severity": "4.2",
                        },
                    ],
                },
                {
                    "package": {"name": "pyyaml", "version": "5.3", "ecosystem": "PyPI"},
                    "vulnerabilities": [
                        {"id": "PYSEC-2020-96", "summary": "Arbitrary code execution"},
                        {
                            "id": "GHSA-6757-jp84-gxfx",
                            "database_specific": {"severity": "CRITICAL"},
                        },
                    ],
                    "groups": [
                        {
                            "ids": ["PYSEC-2020-96", "GHSA-6757-jp84-gxfx"],
                            "aliases": ["CVE-2020-1747"],
                            "max_severity": "",
                        }
                    ],
                },
            ],
        }
    ]
}


def assert_valid_sarif(log: dict[str, Any]) -> None:
    """The properties SARIF 2.1.0 requires, and that GitHub code scanning rejects files without."""
    assert log["version"] == "2.1.0"
    assert isinstance(log["runs"], list)
    for run in log["runs"]:
        assert run["tool"]["driver"]["name"]
        rule_ids = {r["id"] for r in run["tool"]["driver"].get("rules", [])}
        for result in run.get("results", []):
            assert result["message"]["text"]
            assert result.get("ruleId") in rule_ids
            assert result.get("level", "warning") in ("none", "note", "warning", "error")
            for location in result.get("locations", []):
                assert location["physicalLocation"]["artifactLocation"]["uri"]


def _stage(stage: Stage, files: list[tuple[ReportKind, Path]]) -> StageResult:
    step = Step(
        stage,
        str(stage),
        "img:1",
        ("scan",),
        reports=tuple(ReportFile(kind, f".commerce-ci/{p.name}") for kind, p in files),
    )
    outcome = StepOutcome(step, 0, 1.0, Path("/dev/null"), reports=tuple(p for _, p in files))
    return StageResult("svc", stage, Status.FAILED, 1.0, steps=(outcome,))


def _write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def _merged(tmp_path: Path) -> dict[str, Any]:
    semgrep = _write_json(tmp_path / "rec" / ".commerce-ci" / "semgrep.sarif", SEMGREP_SARIF)
    osv = _write_json(tmp_path / "rec" / ".commerce-ci" / "osv.json", OSV_JSON)
    lint = _write_json(tmp_path / "cart" / ".commerce-ci" / "lint.sarif", SEMGREP_SARIF)
    result = RunResult(
        "local",
        0.0,
        1.0,
        (
            ServiceResult(
                "recommendation",
                "python",
                "services/recommendation",
                (_stage(Stage.SCA, [("sarif", semgrep), ("osv-json", osv)]),),
            ),
            ServiceResult("cart", "go", "services/cart", (_stage(Stage.LINT, [("sarif", lint)]),)),
        ),
    )
    paths = write_reports(result, tmp_path / "report", env={})
    return json.loads(paths.sarif.read_text())


def test_merged_log_is_valid_sarif_with_one_run_per_report(tmp_path: Path) -> None:
    log = _merged(tmp_path)
    assert_valid_sarif(log)
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == [
        "Semgrep OSS",
        "osv-scanner",
        "Semgrep OSS",
    ]


def test_each_run_is_tagged_with_its_service_and_a_unique_category(tmp_path: Path) -> None:
    runs = _merged(tmp_path)["runs"]
    ids = [r["automationDetails"]["id"] for r in runs]
    assert len(set(ids)) == len(ids)
    assert [r["properties"]["commerce-ci.service"] for r in runs] == [
        "recommendation",
        "recommendation",
        "cart",
    ]


def test_scanner_locations_become_repository_relative(tmp_path: Path) -> None:
    runs = _merged(tmp_path)["runs"]
    uris = [
        r["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in runs
    ]
    assert uris == [
        "services/recommendation/app/main.py",
        "services/recommendation/requirements.txt",
        "services/cart/app/main.py",
    ]


def test_osv_gives_one_result_per_advisory_group_and_package() -> None:
    run = osv_to_sarif_run(OSV_JSON, "services/recommendation")
    assert_valid_sarif({"version": "2.1.0", "runs": [run]})
    assert [(r["ruleId"], r["properties"]["package"]) for r in run["results"]] == [
        ("PYSEC-2023-192", "urllib3"),
        ("PYSEC-2023-212", "urllib3"),
        ("PYSEC-2020-96", "pyyaml"),
    ]


def test_osv_level_follows_cvss_score_then_advisory_label() -> None:
    run = osv_to_sarif_run(OSV_JSON, "services/recommendation")
    levels = {r["ruleId"]: (r["level"], r["properties"]["severity"]) for r in run["results"]}
    assert levels == {
        "PYSEC-2023-192": ("error", "high"),
        "PYSEC-2023-212": ("warning", "medium"),
        "PYSEC-2020-96": ("error", "critical"),
    }


def test_osv_rule_carries_score_for_code_scanning_and_a_link() -> None:
    run = osv_to_sarif_run(OSV_JSON, "services/recommendation")
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "PYSEC-2023-192")
    assert rule["properties"]["security-severity"] == "8.1"
    assert rule["helpUri"] == "https://osv.dev/vulnerability/PYSEC-2023-192"


def test_advisory_without_any_severity_counts_as_high() -> None:
    data = {
        "results": [
            {
                "source": {"path": "Cargo.lock"},
                "packages": [
                    {
                        "package": {"name": "time", "version": "0.1.43"},
                        "vulnerabilities": [{"id": "RUSTSEC-2020-0071"}],
                    }
                ],
            }
        ]
    }
    (result,) = osv_to_sarif_run(data, "services/shipping")["results"]
    assert result["level"] == "error"
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "services/shipping/Cargo.lock"


def test_run_without_findings_still_writes_an_empty_valid_log(tmp_path: Path) -> None:
    paths = write_reports(RunResult("local", 0.0, 1.0), tmp_path, env={})
    log = json.loads(paths.sarif.read_text())
    assert_valid_sarif(log)
    assert log["runs"] == []
