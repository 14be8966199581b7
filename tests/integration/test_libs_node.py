"""libs/node/commerce-telemetry, the package the Node services share, passes the Node
toolchain's own build, test and lint stages.

The package has no service.yaml, so no `commerce-ci run` ever tests it; a change to it only marks
the services that install it as affected. Running the toolchain's stages on it here (npm ci
against its own package-lock.json, node --test, eslint) holds it to a service's bar, in CI.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _runsteps import PROJECT_ROOT, run_stage, shared_cache_dir
from testenv import require_tool

from pipelines.catalog import Service
from pipelines.catalog.model import ServiceSpec
from pipelines.steps import REPORT_DIR, Stage

pytestmark = pytest.mark.toolchain("node")

LIBRARY = Path("libs") / "node" / "commerce-telemetry"
CONSUMERS = ("quote", "payment", "frontend")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("node", "apt-get install nodejs npm (Node 20)")
    require_tool("npm", "apt-get install npm")
    return shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> tuple[Service, Path]:
    """One private copy of the package, installed once (`npm ci`), posing as a Node service.

    run_stage takes the folder two levels up (here libs/) as the repository root.
    """
    folder = tmp_path_factory.mktemp("libs-node") / LIBRARY
    shutil.copytree(
        PROJECT_ROOT / LIBRARY, folder, ignore=shutil.ignore_patterns("node_modules", REPORT_DIR)
    )
    spec = ServiceSpec.model_construct(name="commerce-telemetry", language="node")
    path = folder.relative_to(folder.parents[1]).as_posix()
    service = Service(spec=spec, path=path, lockfile="package-lock.json")
    built = run_stage(service, folder, Stage.BUILD, cache_dir)
    assert built.passed, built.output
    return service, folder


def test_the_package_tests_pass(library: tuple[Service, Path], cache_dir: Path) -> None:
    service, folder = library
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert result.passed, result.output
    cases = ET.parse(folder / REPORT_DIR / "junit.xml").getroot().iter("testcase")
    names = {c.get("name") for c in cases}
    assert "does not load @grpc/grpc-js" in names
    assert "inside a span, the line carries its trace and span ids" in names
    assert "serves HTTP and gRPC request metrics in the Prometheus text format" in names
    assert "is not opened without METRICS_PORT: nothing of its own listens" in names


def test_the_package_passes_eslint(library: tuple[Service, Path], cache_dir: Path) -> None:
    service, folder = library
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert result.passed, result.output
    assert [r.step.name for r in result.runs] == ["eslint"]


@pytest.mark.parametrize("name", CONSUMERS)
def test_services_install_the_package_as_a_copy(name: str) -> None:
    """A symlinked install would resolve the package's requires from libs/ (a second
    @grpc/grpc-js the instrumentation never patches) and leave node_modules/ pointing outside
    the image; install-links=true makes npm copy it into the service's node_modules."""
    service = PROJECT_ROOT / "services" / name
    settings = (service / ".npmrc").read_text().splitlines()
    assert "install-links=true" in settings
    assert (
        '"resolved": "file:../../libs/node/commerce-telemetry"'
        in (service / "package-lock.json").read_text()
    )
