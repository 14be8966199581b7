"""libs/go, the Go module the Go services share, passes the Go toolchain's own test and lint.

The library has no service.yaml, so no `commerce-ci run` ever tests it; a change to it only
marks the services that use it as affected. Running the toolchain's TEST and LINT stages on it
here holds it to exactly the bar a service meets (go test -json, go vet, gofmt -d), in CI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _runsteps import PROJECT_ROOT, run_stage, shared_cache_dir
from testenv import require_tool

from pipelines.catalog import Service
from pipelines.catalog.model import ServiceSpec
from pipelines.steps import REPORT_DIR, Stage

pytestmark = pytest.mark.toolchain("go")

LIBRARY = PROJECT_ROOT / "libs" / "go"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("go", "install Go 1.26 (https://go.dev/dl/)")
    return shared_cache_dir(tmp_path_factory)


@pytest.fixture
def library(tmp_path: Path) -> tuple[Service, Path]:
    """A private copy of libs/go (a self-contained module), posing as a Go service."""
    folder = tmp_path / "libs" / "go"
    shutil.copytree(LIBRARY, folder, ignore=shutil.ignore_patterns(REPORT_DIR))
    spec = ServiceSpec.model_construct(name="libs-go", language="go")
    return Service(spec=spec, path="libs/go", lockfile="go.mod"), folder


def test_the_library_tests_of_both_packages_pass(
    library: tuple[Service, Path], cache_dir: Path
) -> None:
    service, folder = library
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert result.passed, result.output
    report = (folder / REPORT_DIR / "go-test.json").read_text().splitlines()
    passed = {
        (e["Package"].rsplit("/", 1)[-1], e["Test"])
        for e in map(json.loads, report)
        if e.get("Action") == "pass" and "Test" in e
    }
    assert ("grpcserver", "TestHealthIsNotServingUntilReady") in passed
    assert ("telemetry", "TestLogLinesInsideASpanCarryItsIDs") in passed


def test_the_library_passes_go_vet_and_gofmt(
    library: tuple[Service, Path], cache_dir: Path
) -> None:
    service, folder = library
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert result.passed, result.output
    assert [r.step.name for r in result.runs] == ["go vet", "gofmt"]
