"""The Rust toolchain's Steps, run for real on tests/fixtures/services/rust-svc."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _osvdb import advisory, write_db
from _runsteps import PROJECT_ROOT, copy_fixture, run_stage, shared_cache_dir
from testenv import require_tool

from pipelines.steps import Stage

pytestmark = pytest.mark.toolchain("rust")

SHARED_VULNDB = PROJECT_ROOT.parent / "shared" / "vulndb"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("cargo", "install Rust with rustup (https://rustup.rs)")
    require_tool("clippy-driver", "scripts/tools.d/12-rust-components.sh")
    require_tool("cargo-fmt", "scripts/tools.d/12-rust-components.sh")
    return shared_cache_dir(tmp_path_factory)


def test_build_writes_the_release_binary(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("rust-svc", tmp_path)
    result = run_stage(service, folder, Stage.BUILD, cache_dir)
    assert result.passed, result.output
    binary = folder / "target" / "release" / "rust-svc"
    assert binary.is_file() and os.access(binary, os.X_OK)


def test_tests_pass_and_leave_the_libtest_output(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("rust-svc", tmp_path)
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert result.passed, result.output
    report = (folder / ".commerce-ci/cargo-test.txt").read_text()
    assert "test tests::partial_kilograms_round_up ... ok" in report
    assert "test result: ok. 3 passed" in report


def test_clean_code_passes_clippy_and_rustfmt(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("rust-svc", tmp_path)
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert result.passed, result.output
    assert [r.step.name for r in result.runs] == ["cargo clippy", "cargo fmt"]


def test_clippy_warning_fails_lint(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("rust-svc", tmp_path)
    lib = folder / "src" / "lib.rs"
    # `x == true` is clippy::bool_comparison: a warning, made an error by -D warnings.
    planted = "\npub fn is_set(x: bool) -> bool {\n    x == true\n}\n"
    lib.write_text(lib.read_text().replace("#[cfg(test)]", planted + "\n#[cfg(test)]"))
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert not result.passed
    assert result.runs[-1].step.name == "cargo clippy"
    assert "bool_comparison" in result.runs[-1].output


def test_clippy_lints_code_the_build_and_tests_already_compiled(
    tmp_path: Path, cache_dir: Path
) -> None:
    # Lint compiles under `cargo build` in the target dir build and test filled: cargo must not
    # take the service's crates as fresh, or a finding would pass unseen.
    service, folder = copy_fixture("rust-svc", tmp_path)
    lib = folder / "src" / "lib.rs"
    planted = "\npub fn is_set(x: bool) -> bool {\n    x == true\n}\n"
    lib.write_text(lib.read_text().replace("#[cfg(test)]", planted + "\n#[cfg(test)]"))
    for stage in (Stage.BUILD, Stage.TEST):
        result = run_stage(service, folder, stage, cache_dir)
        assert result.passed, result.output
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert not result.passed
    assert result.runs[-1].step.name == "cargo clippy"
    assert "bool_comparison" in result.runs[-1].output


def test_unformatted_code_fails_lint_at_rustfmt(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("rust-svc", tmp_path)
    lib = folder / "src" / "lib.rs"
    planted = "pub fn  spaced( )->u8{1}\n\n"
    lib.write_text(lib.read_text().replace("#[cfg(test)]", planted + "#[cfg(test)]"))
    result = run_stage(service, folder, Stage.LINT, cache_dir)
    assert not result.passed
    assert result.runs[-1].step.name == "cargo fmt"
    assert "lib.rs" in result.runs[-1].output


def test_failing_unit_test_fails_the_test_stage(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("rust-svc", tmp_path)
    lib = folder / "src" / "lib.rs"
    lib.write_text(
        lib.read_text().replace("quote_cents(0, 500, 200), 500", "quote_cents(0, 500, 200), 501")
    )
    result = run_stage(service, folder, Stage.TEST, cache_dir)
    assert not result.passed
    report = (folder / ".commerce-ci/cargo-test.txt").read_text()
    assert "test tests::empty_parcel_costs_the_base_price ... FAILED" in report


def test_sca_passes_against_the_shared_vulndb(tmp_path: Path, cache_dir: Path) -> None:
    require_tool("semgrep", "scripts/tools.d/10-semgrep.sh")
    require_tool("osv-scanner", "scripts/tools.d/11-osv-scanner.sh")
    service, folder = copy_fixture("rust-svc", tmp_path)
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=SHARED_VULNDB)
    assert result.passed, (result.gate, result.output)
    assert result.gate is not None and result.gate.packages_audited == 2


def test_vulnerable_pin_fails_sca_with_the_advisory_id(tmp_path: Path, cache_dir: Path) -> None:
    require_tool("semgrep", "scripts/tools.d/10-semgrep.sh")
    require_tool("osv-scanner", "scripts/tools.d/11-osv-scanner.sh")
    service, folder = copy_fixture("rust-svc", tmp_path)
    planted = advisory("RUSTSEC-2099-0001", "crates.io", "itoa", "1.0.11")
    vulndb = write_db(tmp_path / "vulndb", {"crates.io": [planted]})
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=vulndb)
    assert not result.passed
    assert result.gate is not None and "RUSTSEC-2099-0001" in (result.gate.reason or "")
