"""The README's main job: every commerce service goes through the whole release chain against
the team's offline advisories (../shared/vulndb: PyPI, Go, crates.io, npm, Maven): it builds,
its tests, lint and scan pass, its image is pushed, its SBOM audited, its digest signed with
SBOM and provenance attached (checked here with the real cosign), and recorded in one GitOps
commit."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from typing import Any

import pytest
from _pipeline import PROJECT_ROOT, RUN_TIMEOUT_S, run_pipeline
from registry_fixtures import require_binary

from pipelines.catalog import load_catalog

#: The run has its own budget (cold Rust, Maven and Go builds on two shared cores); the suite's
#: default per-test timeout (900 s) would stop its fixture first.
pytestmark = pytest.mark.timeout(RUN_TIMEOUT_S + 300)

SERVICES = load_catalog(PROJECT_ROOT).names()
OK = ("passed", "cached")
#: The key pair a run with no cosign settings generates (pipelines/supply/keys.py).
PUBLIC_KEY = PROJECT_ROOT / ".cache" / "commerce-ci" / "cosign" / "cosign.pub"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any]]:
    return run_pipeline(tmp_path_factory.mktemp("pipeline-reports"))


@pytest.fixture(scope="module")
def report(run) -> dict[str, Any]:
    return run[1]


def stage(report: dict[str, Any], service: str, name: str) -> dict[str, Any]:
    return report["services"][service]["stages"][name]


def test_the_main_job_exits_0(run) -> None:
    code, report = run
    failed = {
        f"{name} {stage_name}": result["reason"]
        for name, service in report["services"].items()
        for stage_name, result in service["stages"].items()
        if result["status"] == "failed"
    }
    assert code == 0, failed


@pytest.mark.parametrize("service", SERVICES)
def test_service_passes_every_check_stage(report, service):
    for name in ("build", "test", "lint", "sca"):
        result = stage(report, service, name)
        assert result["status"] in OK, f"{service} {name}: {result['reason']}"


@pytest.mark.parametrize("service", SERVICES)
def test_service_is_imaged_audited_signed_and_recorded_in_gitops(report, service):
    for name in ("image", "push", "sbom", "sign", "manifest", "commit"):
        result = stage(report, service, name)
        assert result["status"] in OK, f"{service} {name}: {result['reason']}"
    image = report["services"][service]["image"]
    assert image["ref"].startswith(f"127.0.0.1:5055/commerce/{service}:")
    assert image["ref"].endswith("@" + image["digest"])
    hexdigest = image["digest"].removeprefix("sha256:")
    assert image["signature"] == f"127.0.0.1:5055/commerce/{service}:sha256-{hexdigest}.sig"
    assert image["attestations"] == f"127.0.0.1:5055/commerce/{service}:sha256-{hexdigest}.att"
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


@pytest.fixture(scope="module")
def embedded_registry_up(run):
    """The run's embedded registry again (it stops with the run), on its storage, for cosign."""
    from pipelines.engines.local import host_env
    from pipelines.registry.server import embedded_registry

    state = PROJECT_ROOT / ".cache" / "commerce-ci" / "registry"
    with embedded_registry(state, host_env(dict(os.environ), PROJECT_ROOT)) as address:
        yield address


def _cosign(*args: str) -> subprocess.CompletedProcess[str]:
    cosign = require_binary("cosign", "run scripts/tools.d/71-cosign.sh")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [cosign, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("service", SERVICES)
def test_every_digest_verifies_with_cosign(report, embedded_registry_up, service):
    image = report["services"][service]["image"]
    pinned = image["ref"].split("@")[0].rsplit(":", 1)[0] + "@" + image["digest"]
    flags = ["--key", str(PUBLIC_KEY), "--insecure-ignore-tlog=true", "--allow-http-registry"]
    signed = _cosign("verify", *flags, pinned)
    assert signed.returncode == 0, signed.stderr[-1000:]
    for kind in ("slsaprovenance", "cyclonedx"):
        attested = _cosign("verify-attestation", "--type", kind, *flags, pinned)
        assert attested.returncode == 0, f"{kind}: {attested.stderr[-1000:]}"
    line = next(x for x in attested.stdout.splitlines() if x.startswith("{"))
    statement = json.loads(base64.b64decode(json.loads(line)["payload"]))
    assert statement["subject"][0]["digest"]["sha256"] == image["digest"].removeprefix("sha256:")


def test_every_service_has_a_report_entry(report):
    assert sorted(report["services"]) == sorted(SERVICES)
