"""Rust: `cargo build --release` of the binary named like the service, clippy + rustfmt for lint.

Every cargo call takes `--locked`: Cargo.lock is what the SCA stage audited, so a build that
would quietly re-resolve it must fail instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime, ToolchainBase

if TYPE_CHECKING:
    from pipelines.catalog import Service

RUST_IMAGE = "rust:1.95.0-bookworm"
CARGO_TEST_REPORT = f"{REPORT_DIR}/cargo-test.txt"

#: The official image keeps CARGO_HOME at /usr/local/cargo; its registry (index and crate
#: sources) is what is worth caching. Locally the whole CARGO_HOME moves to the cache dir.
CACHES = (CacheMount("cargo-registry", "/usr/local/cargo/registry", env="CARGO_HOME"),)
ENV: Mapping[str, str] = {"CARGO_TERM_COLOR": "never", "CARGO_INCREMENTAL": "0"}
#: The image is built with rustup's minimal profile, which leaves the linters out.
LINT_SETUP = (("rustup", "component", "add", "clippy", "rustfmt"),)
COMPONENTS_SCRIPT = "scripts/tools.d/12-rust-components.sh"
#: The host programs the lint steps need beyond cargo.
CLIPPY = ("cargo-clippy",)
FMT = ("cargo-fmt", "rustfmt")


def binary_path(service: Service) -> str:
    return f"target/release/{service.name}"


@dataclass(frozen=True)
class RustToolchain(ToolchainBase):
    language: str = "rust"
    image: str = RUST_IMAGE
    env: ClassVar[Mapping[str, str]] = ENV
    caches: ClassVar[tuple[CacheMount, ...]] = CACHES
    tools: ClassVar[Mapping[str, str]] = {
        "cargo": "install Rust with rustup (https://rustup.rs)",
        "cargo-clippy": f"rustup component add clippy ({COMPONENTS_SCRIPT})",
        "cargo-fmt": f"rustup component add rustfmt ({COMPONENTS_SCRIPT})",
        "rustfmt": f"rustup component add rustfmt ({COMPONENTS_SCRIPT})",
    }

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        if stage is Stage.BUILD:
            argv = ("cargo", "build", "--release", "--locked", "--bin", service.name)
            return (self.step(stage, "cargo build", argv, outputs=(binary_path(service),)),)
        if stage is Stage.TEST:
            # libtest prints results on stdout and cargo its progress on stderr: keep stdout.
            return (
                self.step(
                    stage,
                    "cargo test",
                    ("cargo", "test", "--locked"),
                    stdout_to=CARGO_TEST_REPORT,
                    reports=(ReportFile("cargo-test-text", CARGO_TEST_REPORT),),
                ),
            )
        if stage is Stage.LINT:
            clippy = ("cargo", "clippy", "--locked", "--all-targets", "--", "-D", "warnings")
            return (
                self.step(stage, "cargo clippy", clippy, tools=CLIPPY, setup=LINT_SETUP),
                self.step(
                    stage, "cargo fmt", ("cargo", "fmt", "--check"), tools=FMT, setup=LINT_SETUP
                ),
            )
        return ()

    def runtime(self, service: Service) -> Runtime:
        """The release binary alone; it links glibc dynamically, so the base must provide it."""
        binary = binary_path(service)
        return Runtime("glibc", (binary,), (binary,))


RUST = RustToolchain()
