"""Every commerce service goes through the release chain: it builds, its tests pass, its lint
passes, its scan passes wherever the offline advisory data covers its ecosystem, and then its
image is pushed and recorded in one GitOps commit."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from _pipeline import PROJECT_ROOT, run_pipeline

from pipelines.catalog import load_catalog

SERVICES = load_catalog(PROJECT_ROOT).names()
#: Ecosystems ../shared/vulndb has advisories for; npm and Maven lockfiles fail the audit gate
#: offline by design ("audited nothing"), which the last test pins down.
AUDITED_OFFLINE = {"go", "rust", "python"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_pipeline(tmp_path_factory.mktemp("pipeline-reports"))


def stage(report: dict[str, Any], service: str, name: str) -> dict[str, Any]:
    return report["services"][service]["stages"][name]


OK = ("passed", "cached")
AUDITED = [s.name for s in load_catalog(PROJECT_ROOT) if s.language in AUDITED_OFFLINE]
UNAUDITED = [s.name for s in load_catalog(PROJECT_ROOT) if s.language not in AUDITED_OFFLINE]


@pytest.mark.parametrize("service", SERVICES)
def test_service_builds_passes_its_tests_and_its_lint(report, service):
    for name in ("build", "test", "lint"):
        result = stage(report, service, name)
        assert result["status"] in OK, f"{service} {name}: {result['reason']}"


@pytest.mark.parametrize("service", AUDITED)
def test_service_passes_its_scan_against_the_offline_advisories(report, service):
    result = stage(report, service, "sca")
    assert result["status"] in OK, f"{service} sca: {result['reason']}"


@pytest.mark.parametrize("service", AUDITED)
def test_a_scanned_service_is_imaged_pushed_and_recorded_in_gitops(report, service):
    for name in ("image", "push", "manifest", "commit"):
        result = stage(report, service, name)
        assert result["status"] in (*OK, "passed"), f"{service} {name}: {result['reason']}"
    image = report["services"][service]["image"]
    assert image["ref"].startswith(f"127.0.0.1:5055/commerce/{service}:")
    assert image["ref"].endswith("@" + image["digest"])
    gitops = report["gitops"]
    values = subprocess.run(
        ["git", "show", f"{gitops['branch']}:argocd/envs/dev/{service}.yaml"],
        cwd=gitops["remote"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert image["digest"] in values


@pytest.mark.parametrize("service", UNAUDITED)
def test_a_service_failing_its_scan_is_not_imaged(report, service):
    assert stage(report, service, "image")["status"] == "skipped"
    assert "image" not in report["services"][service]


@pytest.mark.parametrize("service", UNAUDITED)
def test_unaudited_ecosystems_fail_the_scan_saying_why(report, service):
    result = stage(report, service, "sca")
    assert result["status"] == "failed"
    assert "audited nothing" in result["reason"]
    assert result["findings"] == 0, f"{service}: semgrep or the audit found something"


def test_every_service_has_a_report_entry(report):
    assert sorted(report["services"]) == sorted(SERVICES)
