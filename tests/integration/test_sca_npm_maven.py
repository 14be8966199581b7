"""The SCA stage audits npm and Maven lockfiles when the offline database has their ecosystems.

The team's snapshot (../shared/vulndb) has no npm or Maven data, so each test writes a small
database of its own: with advisories that match none of the fixture's pins the stage passes
(the audit really ran over the packages), and with one naming a pinned version it fails with
that advisory's id.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _osvdb import advisory, write_db
from _runsteps import copy_fixture, run_stage, shared_cache_dir
from testenv import require_tool

from pipelines.steps import Stage

ECOSYSTEM = {
    "node-svc": "npm",
    "ts-svc": "npm",
    "expo-svc": "npm",
    "java-svc": "Maven",
    "kotlin-svc": "Maven",
}
#: A package each fixture's lockfile pins, at its pinned version.
PINNED = {
    "node-svc": ("eslint", "10.15.0"),
    "expo-svc": ("react-native", "0.81.5"),
    "java-svc": ("org.junit.jupiter:junit-jupiter", "6.1.3"),
}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("semgrep", "scripts/tools.d/10-semgrep.sh")
    require_tool("osv-scanner", "scripts/tools.d/11-osv-scanner.sh")
    return shared_cache_dir(tmp_path_factory)


def unrelated_db(root: Path, ecosystem: str) -> Path:
    """A database for the ecosystem whose only advisory matches nothing the fixtures pin."""
    name = "left-pad" if ecosystem == "npm" else "com.example:nothing"
    return write_db(root, {ecosystem: [advisory("TEST-0000-0001", ecosystem, name, "0.0.1")]})


@pytest.mark.parametrize("fixture", sorted(ECOSYSTEM))
def test_sca_passes_when_no_advisory_matches_the_pins(
    tmp_path: Path, cache_dir: Path, fixture: str
) -> None:
    ecosystem = ECOSYSTEM[fixture]
    service, folder = copy_fixture(fixture, tmp_path)
    vulndb = unrelated_db(tmp_path / "vulndb", ecosystem)
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=vulndb)
    assert result.passed, result.output
    assert result.gate is not None and result.gate.packages_audited >= 1


@pytest.mark.parametrize("fixture", sorted(PINNED))
def test_sca_fails_on_an_advisory_for_a_pinned_version(
    tmp_path: Path, cache_dir: Path, fixture: str
) -> None:
    ecosystem, (package, version) = ECOSYSTEM[fixture], PINNED[fixture]
    service, folder = copy_fixture(fixture, tmp_path)
    planted = advisory("TEST-2099-0042", ecosystem, package, version)
    vulndb = write_db(tmp_path / "vulndb", {ecosystem: [planted]})
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=vulndb)
    assert not result.passed
    assert "TEST-2099-0042" in (result.result.reason or "")
