"""Rust: `cargo build --release` of the binary named like the service, clippy + rustfmt for lint.

Every cargo call takes `--locked`: Cargo.lock is what the SCA stage audited, so a build that
would quietly re-resolve it must fail instead.

A service compiles its dependencies once, not once per stage. Build, test and clippy share one
target dir per service (a cache: `CARGO_TARGET_DIR` under the local cache dir, a cache volume
keyed by the service in Dagger), and all three use the release profile: `cargo test --release`
reuses every dependency the build compiled and runs the tests against the optimised code the
image ships. Clippy runs the way `cargo clippy` runs it (clippy-driver as the compiler of the
service's own crates, `RUSTC_WORKSPACE_WRAPPER`, its arguments in `CLIPPY_ARGS`), but under
`cargo build` rather than `cargo check`: check mode would compile every dependency a second time
(metadata only, still a third of the build), build mode finds them all fresh and recompiles only
the service's crates, with every lint and `-D warnings`, and without optimising them
(`-C opt-level=0` reaches clippy-driver only: nothing runs what the lint compiles, and clippy
analyses unoptimised MIR either way). cargo fingerprints the wrapper and clippy-driver tracks
`CLIPPY_ARGS`, so code the test stage compiled is linted again. The binary
is copied from the shared target dir to `target/release/<name>` in the service folder right
after the build, so the image ships the build's binary, whatever the lint compiles later. A
service's own commands (`commands:` in service.yaml) run as written, in the service folder's
`target/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step, cache_path
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
CLIPPY = ("clippy-driver",)
#: What `cargo clippy -- -D warnings` hands cargo (see the module docstring): clippy-driver for
#: the service's own crates, and its arguments, each followed by cargo-clippy's separator.
CLIPPY_ARGS = ("-D", "warnings", "-C", "opt-level=0")
CLIPPY_ENV: Mapping[str, str] = {
    "RUSTC_WORKSPACE_WRAPPER": "clippy-driver",
    "CLIPPY_ARGS": "".join(f"{arg}__CLIPPY_HACKERY__" for arg in CLIPPY_ARGS),
}
FMT = ("cargo-fmt", "rustfmt")
#: Where the shared target dir is mounted in a builder container.
TARGET_MOUNT = "/cargo-target"


def binary_path(service: Service) -> str:
    return f"target/release/{service.name}"


def target_cache(service: Service) -> CacheMount:
    """The target dir the service's build, test and lint share, kept between runs like the
    registry: one per service, so two services never wait on each other's cargo lock."""
    return CacheMount(f"cargo-target-{service.name}", TARGET_MOUNT, env="CARGO_TARGET_DIR")


@dataclass(frozen=True)
class RustToolchain(ToolchainBase):
    language: str = "rust"
    image: str = RUST_IMAGE
    env: ClassVar[Mapping[str, str]] = ENV
    caches: ClassVar[tuple[CacheMount, ...]] = CACHES
    tools: ClassVar[Mapping[str, str]] = {
        "cargo": "install Rust with rustup (https://rustup.rs)",
        "clippy-driver": f"rustup component add clippy ({COMPONENTS_SCRIPT})",
        "cargo-fmt": f"rustup component add rustfmt ({COMPONENTS_SCRIPT})",
        "rustfmt": f"rustup component add rustfmt ({COMPONENTS_SCRIPT})",
        "install": "ships with coreutils (apt-get install coreutils)",
    }

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        shared = target_cache(service)
        if stage is Stage.BUILD:
            cargo = ("cargo", "build", "--release", "--locked", "--bin", service.name)
            built = f"{cache_path(shared.name)}/release/{service.name}"
            copy = ("install", "-D", "-m", "0755", built, binary_path(service))
            return (
                self.shared_step(shared, stage, "cargo build", cargo),
                self.shared_step(
                    shared, stage, "copy binary", copy, outputs=(binary_path(service),)
                ),
            )
        if stage is Stage.TEST:
            # libtest prints results on stdout and cargo its progress on stderr: keep stdout.
            return (
                self.shared_step(
                    shared,
                    stage,
                    "cargo test",
                    ("cargo", "test", "--release", "--locked"),
                    stdout_to=CARGO_TEST_REPORT,
                    reports=(ReportFile("cargo-test-text", CARGO_TEST_REPORT),),
                ),
            )
        if stage is Stage.LINT:
            clippy = ("cargo", "build", "--release", "--locked", "--all-targets")
            return (
                self.shared_step(
                    shared,
                    stage,
                    "cargo clippy",
                    clippy,
                    extra_env=CLIPPY_ENV,
                    tools=CLIPPY,
                    setup=LINT_SETUP,
                ),
                self.step(
                    stage, "cargo fmt", ("cargo", "fmt", "--check"), tools=FMT, setup=LINT_SETUP
                ),
            )
        return ()

    def shared_step(
        self,
        target: CacheMount,
        stage: Stage,
        name: str,
        argv: tuple[str, ...],
        extra_env: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> Step:
        """A Step whose cargo works in the service's shared target dir (the variable names the
        mount path in a container; the local engine points it at the cache dir, as it does
        every cache's variable). A service's own commands keep their folder's `target/`."""
        env = {**self.env, **(extra_env or {}), "CARGO_TARGET_DIR": target.path}
        return self.step(stage, name, argv, env=env, caches=(*self.caches, target), **fields)

    def runtime(self, service: Service) -> Runtime:
        """The release binary alone; it links glibc dynamically, so the base must provide it."""
        binary = binary_path(service)
        return Runtime("glibc", (binary,), (binary,))


RUST = RustToolchain()
