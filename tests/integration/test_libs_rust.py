"""libs/rust/commerce-telemetry, the crate the Rust services share, passes the Rust toolchain's
own test and lint stages.

The crate has no service.yaml, so no `commerce-ci run` ever tests it; a change to it only marks
the services that depend on it as affected. Running the toolchain's TEST and LINT stages on it
here holds it to exactly the bar a service meets (cargo test, clippy -D warnings, rustfmt, all
--locked against the crate's own Cargo.lock), in CI.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _runsteps import PROJECT_ROOT, run_stage, shared_cache_dir
from testenv import require_tool

from pipelines.catalog import Service
from pipelines.catalog.model import ServiceSpec
from pipelines.steps import REPORT_DIR, Stage

pytestmark = pytest.mark.toolchain("rust")

LIBRARY = Path("libs") / "rust" / "commerce-telemetry"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("cargo", "install Rust with rustup (https://rustup.rs)")
    require_tool("clippy-driver", "scripts/tools.d/12-rust-components.sh")
    require_tool("cargo-fmt", "scripts/tools.d/12-rust-components.sh")
    return shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Service, Path]:
    """One private copy of the crate, posing as a Rust service, for the whole module.

    Shared by both tests so that the OpenTelemetry dependency tree compiles into one target/.
    run_stage takes the folder two levels up (here libs/) as the repository root.
    """
    folder = tmp_path_factory.mktemp("libs-rust") / LIBRARY
    shutil.copytree(
        PROJECT_ROOT / LIBRARY, folder, ignore=shutil.ignore_patterns("target", REPORT_DIR)
    )
    spec = ServiceSpec.model_construct(name="commerce-telemetry", language="rust")
    path = folder.relative_to(folder.parents[1]).as_posix()
    return Service(spec=spec, path=path, lockfile="Cargo.lock"), folder


def test_the_crate_tests_pass(library: tuple[Service, Path], cache_dir: Path) -> None:
    service, folder = library
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert result.passed, result.output
    report = (folder / REPORT_DIR / "cargo-test.txt").read_text()
    assert "test tests::grpc_paths_split_into_service_and_method ... ok" in report
    assert "test tests::a_grpc_call_is_counted_in_the_prometheus_scrape ... ok" in report
    assert "test result: ok. 7 passed" in report


def test_the_crate_passes_clippy_and_rustfmt(
    library: tuple[Service, Path], cache_dir: Path
) -> None:
    service, folder = library
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert result.passed, result.output
    assert [r.step.name for r in result.runs] == ["cargo clippy", "cargo fmt"]
