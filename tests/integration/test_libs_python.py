"""The shared Python libraries pass the Python toolchain's own test and lint stages.

libs/python/* have no service.yaml, so no `commerce-ci run` tests them; a change only marks the
services that install them as affected. Their tests (commerce-proto's regenerates the code from
proto/ and compares it with the committed copy) run here, through the toolchain, in CI.
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

pytestmark = pytest.mark.toolchain("python")

LIBRARIES = Path("libs") / "python"
PROTO_LIBRARY = "commerce-proto"
TELEMETRY_LIBRARY = "commerce-telemetry"
IGNORED = shutil.ignore_patterns(REPORT_DIR, "build", "dist", "__pycache__", ".ruff_cache")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("python", "install Python 3.11 with pip (python3 -m ensurepip)")
    return shared_cache_dir(tmp_path_factory)


def copy_library(tmp_path: Path, name: str) -> tuple[Service, Path]:
    """A private copy of the library, and of proto/ at the same distance, posing as a service.

    run_stage takes the folder two levels up (here libs/) as the repository root.
    """
    shutil.copytree(PROJECT_ROOT / "proto", tmp_path / "proto", ignore=IGNORED)
    folder = tmp_path / LIBRARIES / name
    shutil.copytree(PROJECT_ROOT / LIBRARIES / name, folder, ignore=IGNORED)
    spec = ServiceSpec.model_construct(name=name, language="python")
    path = folder.relative_to(folder.parents[1]).as_posix()
    return Service(spec=spec, path=path, lockfile="requirements.txt"), folder


def passed_test_names(folder: Path) -> set[str | None]:
    cases = ET.parse(folder / REPORT_DIR / "junit.xml").getroot().iter("testcase")
    return {c.get("name") for c in cases}


def test_the_generated_code_matches_the_proto(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_library(tmp_path, PROTO_LIBRARY)
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert result.passed, result.output
    assert "test_generated_modules_match_the_proto" in passed_test_names(folder)


def test_a_stale_generated_module_fails_the_test_stage(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_library(tmp_path, PROTO_LIBRARY)
    stale = folder / "commerce" / "v1" / "commerce_pb2.pyi"
    stale.write_text(stale.read_text().replace("ListProductsResponse", "ListProductsReply", 1))
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert not result.passed
    assert "commerce/v1/commerce_pb2.pyi is stale" in result.output


def test_the_telemetry_library_tests_pass(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_library(tmp_path, TELEMETRY_LIBRARY)
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert result.passed, result.output
    passed = passed_test_names(folder)
    assert "test_inside_a_span_the_line_carries_its_ids" in passed
    assert "test_a_grpc_call_is_counted_in_the_scrape" in passed
    assert "test_without_metrics_port_nothing_listens" in passed


@pytest.mark.parametrize("name", [PROTO_LIBRARY, TELEMETRY_LIBRARY])
def test_the_library_passes_ruff(name: str, tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_library(tmp_path, name)
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert result.passed, result.output
    assert [r.step.name for r in result.runs] == ["ruff check", "ruff format"]
