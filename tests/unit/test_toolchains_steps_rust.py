"""Rust Steps derived from service.yaml alone: no process runs here."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pipelines.catalog import Service, load_service
from pipelines.steps import CHECK_STAGES, Stage
from pipelines.toolchains import get_toolchain
from pipelines.toolchains.base import ToolchainOptions

OPTIONS = ToolchainOptions()
OVERRIDE = """\
name: quotes
language: rust
description: A test service
port: 8080
image:
  repository: commerce/quotes
commands:
  build: [cargo, build, --release, --locked, --features, fast]
"""


def service(make_service: Callable[..., Path], text: str | None = None) -> Service:
    folder = make_service("quotes", "rust", text=text)
    return load_service(folder / "service.yaml", folder.parents[1])


def steps(svc: Service, stage: Stage, options: ToolchainOptions = OPTIONS):
    return get_toolchain("rust").steps(svc, stage, options)


def test_every_step_uses_the_pinned_rust_image(make_service: Callable[..., Path]) -> None:
    svc = service(make_service)
    images = {s.image for stage in CHECK_STAGES for s in steps(svc, stage) if stage != Stage.SCA}
    assert len(images) == 1
    assert re.fullmatch(r"rust:\d+\.\d+\.\d+-bookworm", images.pop())


def test_build_is_locked_and_outputs_the_release_binary(make_service: Callable[..., Path]) -> None:
    cargo, copy = steps(service(make_service), Stage.BUILD)
    assert "--locked" in cargo.argv and "--release" in cargo.argv
    assert copy.argv == (
        "install", "-D", "-m", "0755", "{cache:cargo-target-quotes}/release/quotes",
        "target/release/quotes",
    )  # fmt: skip
    assert copy.outputs == ("target/release/quotes",)
    assert [(c.env, c.path) for c in cargo.caches] == [
        ("CARGO_HOME", "/usr/local/cargo/registry"),
        ("CARGO_TARGET_DIR", "/cargo-target"),
    ]


def test_build_test_and_clippy_share_one_target_dir_and_the_release_profile(
    make_service: Callable[..., Path],
) -> None:
    svc = service(make_service)
    cargo = [s for stage in CHECK_STAGES for s in steps(svc, stage) if s.program == "cargo"]
    compiling = [s for s in cargo if s.argv[1] in ("build", "test")]
    assert [s.name for s in compiling] == ["cargo build", "cargo test", "cargo clippy"]
    for step in compiling:
        assert "--release" in step.argv and "--locked" in step.argv, step.name
        target = [c for c in step.caches if c.env == "CARGO_TARGET_DIR"]
        assert [c.name for c in target] == ["cargo-target-quotes"], step.name
        assert step.env["CARGO_TARGET_DIR"] == target[0].path


def test_tests_save_libtest_text_from_stdout(make_service: Callable[..., Path]) -> None:
    (test,) = steps(service(make_service), Stage.TEST)
    assert test.argv == ("cargo", "test", "--release", "--locked")
    assert test.stdout_to == ".commerce-ci/cargo-test.txt"
    assert [r.kind for r in test.reports] == ["cargo-test-text"]


def test_lint_denies_clippy_warnings_and_checks_formatting(
    make_service: Callable[..., Path],
) -> None:
    clippy, fmt = steps(service(make_service), Stage.LINT)
    # `cargo clippy -- -D warnings`, as cargo-clippy hands it to cargo, under a release build.
    assert clippy.argv == ("cargo", "build", "--release", "--locked", "--all-targets")
    assert clippy.env["RUSTC_WORKSPACE_WRAPPER"] == "clippy-driver"
    args = clippy.env["CLIPPY_ARGS"].split("__CLIPPY_HACKERY__")
    assert args == ["-D", "warnings", "-C", "opt-level=0", ""]  # nothing runs the lint's build
    assert fmt.argv == ("cargo", "fmt", "--check")
    assert clippy.tools == ("clippy-driver",)
    assert ("rustup", "component", "add", "clippy", "rustfmt") in clippy.setup


def test_service_command_overrides_build_but_keeps_the_artifact(
    make_service: Callable[..., Path],
) -> None:
    (build,) = steps(service(make_service, OVERRIDE), Stage.BUILD)
    assert build.argv[-2:] == ("--features", "fast")
    assert build.outputs == ("target/release/quotes",)
    # Run as written: cargo's own default target dir, where the artifact is declared.
    assert "CARGO_TARGET_DIR" not in build.env
    assert [c.env for c in build.caches] == ["CARGO_HOME"]


def test_sca_scans_cargo_lock_online_by_default(make_service: Callable[..., Path]) -> None:
    _, osv = steps(service(make_service), Stage.SCA)
    assert osv.argv[osv.argv.index("--lockfile") + 1] == "Cargo.lock"
    assert "--offline" not in osv.argv
    assert osv.ok_exit_codes == (0, 1)


def test_runtime_runs_the_release_binary_on_a_glibc_base(
    make_service: Callable[..., Path],
) -> None:
    runtime = get_toolchain("rust").runtime(service(make_service))
    assert runtime.base == "glibc"
    assert runtime.files == ("target/release/quotes",)
    assert runtime.command == ("target/release/quotes",)
    assert runtime.env == ()


def test_runtime_binary_is_what_the_build_declares(make_service: Callable[..., Path]) -> None:
    svc = service(make_service)
    _, copy = steps(svc, Stage.BUILD)
    assert get_toolchain("rust").runtime(svc).files == copy.outputs
