"""Rust: `cargo build --release` of the binary named like the service, clippy + rustfmt for lint.

Every cargo call takes `--locked`: Cargo.lock is what the SCA stage audited, so a build that
would quietly re-resolve it must fail instead.

A service compiles its dependencies once, not once per stage. Build, test and clippy share one
target dir per service (a cache: `CARGO_TARGET_DIR` under the local cache dir, a cache volume
keyed by the service in Dagger), and all three use the release profile: `cargo test --release`
reuses every dependency the build compiled and runs the tests against the optimised code the
image ships; clippy type-checks (its own check-mode artifacts) but reuses the build's compiled
build scripts and proc-macros, which dominate a gRPC service's dependency graph. The binary is
then copied from the shared target dir to `target/release/<name>` in the service folder, the
build's declared output. A service's own commands (`commands:` in service.yaml) run as written,
in the service folder's `target/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.sca.steps import sca_steps
from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step, cache_path
from pipelines.toolchains.base import Runtime

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.toolchains.base import ToolchainOptions

RUST_IMAGE = "rust:1.95.0-bookworm"
CARGO_TEST_REPORT = f"{REPORT_DIR}/cargo-test.txt"

#: The official image keeps CARGO_HOME at /usr/local/cargo; its registry (index and crate
#: sources) is what is worth caching. Locally the whole CARGO_HOME moves to the cache dir.
CACHES = (CacheMount("cargo-registry", "/usr/local/cargo/registry", env="CARGO_HOME"),)
ENV: Mapping[str, str] = {"CARGO_TERM_COLOR": "never", "CARGO_INCREMENTAL": "0"}
#: The image is built with rustup's minimal profile, which leaves the linters out.
LINT_SETUP = (("rustup", "component", "add", "clippy", "rustfmt"),)
#: Where the shared target dir is mounted in a builder container.
TARGET_MOUNT = "/cargo-target"


def binary_path(service: Service) -> str:
    return f"target/release/{service.name}"


def target_cache(service: Service) -> CacheMount:
    """The target dir the service's build, test and lint share, kept between runs like the
    registry: one per service, so two services never wait on each other's cargo lock."""
    return CacheMount(f"cargo-target-{service.name}", TARGET_MOUNT, env="CARGO_TARGET_DIR")


@dataclass(frozen=True)
class RustToolchain:
    language: str = "rust"
    image: str = RUST_IMAGE
    install_hints: dict[str, str] = field(
        default_factory=lambda: {
            "cargo": "install Rust with rustup (https://rustup.rs)",
            "cargo-clippy": "rustup component add clippy (scripts/tools.d/12-rust-components.sh)",
            "cargo-fmt": "rustup component add rustfmt (scripts/tools.d/12-rust-components.sh)",
            "rustfmt": "rustup component add rustfmt (scripts/tools.d/12-rust-components.sh)",
            "install": "ships with coreutils (apt-get install coreutils)",
        }
    )

    def steps(self, service: Service, stage: Stage, options: ToolchainOptions) -> tuple[Step, ...]:
        if stage is Stage.SCA:
            return sca_steps(service, options)
        override = service.spec.commands.get(stage.value)
        if override:
            return (self._own_command(service, stage, override),)
        shared = target_cache(service)
        if stage is Stage.BUILD:
            cargo = ("cargo", "build", "--release", "--locked", "--bin", service.name)
            built = f"{cache_path(shared.name)}/release/{service.name}"
            copy = ("install", "-D", "-m", "0755", built, binary_path(service))
            return (
                self._step(stage, "cargo build", cargo, shared),
                self._step(stage, "copy binary", copy, shared, outputs=(binary_path(service),)),
            )
        if stage is Stage.TEST:
            # libtest prints results on stdout and cargo its progress on stderr: keep stdout.
            return (
                self._step(
                    stage,
                    "cargo test",
                    ("cargo", "test", "--release", "--locked"),
                    shared,
                    stdout_to=CARGO_TEST_REPORT,
                    reports=(ReportFile("cargo-test-text", CARGO_TEST_REPORT),),
                ),
            )
        if stage is Stage.LINT:
            clippy = ("cargo", "clippy", "--release", "--locked", "--all-targets")
            return (
                self._step(
                    stage,
                    "cargo clippy",
                    (*clippy, "--", "-D", "warnings"),
                    shared,
                    tools=("cargo-clippy",),
                ),
                self._step(
                    stage,
                    "cargo fmt",
                    ("cargo", "fmt", "--check"),
                    None,
                    tools=("cargo-fmt", "rustfmt"),
                ),
            )
        return ()

    def _own_command(self, service: Service, stage: Stage, argv: tuple[str, ...]) -> Step:
        """A service's own command for `stage`, as written, with its default target dir."""
        if stage is Stage.BUILD:
            return self._step(stage, "cargo build", argv, None, outputs=(binary_path(service),))
        name = "cargo test (service command)" if stage is Stage.TEST else "lint (service command)"
        return self._step(stage, name, argv, None)

    def runtime(self, service: Service) -> Runtime:
        """The release binary alone; it links glibc dynamically, so the base must provide it."""
        binary = binary_path(service)
        return Runtime("glibc", (binary,), (binary,))

    def _step(
        self,
        stage: Stage,
        name: str,
        argv: tuple[str, ...],
        target: CacheMount | None,
        outputs: tuple[str, ...] = (),
        stdout_to: str | None = None,
        reports: tuple[ReportFile, ...] = (),
        tools: tuple[str, ...] = (),
    ) -> Step:
        """A Step in the builder image; with `target`, cargo works in that shared target dir
        (the variable names the mount path in a container; the local engine points it at
        the cache dir, as it does every cache's variable)."""
        env = dict(ENV)
        if target is not None:
            env["CARGO_TARGET_DIR"] = target.path
        return Step(
            stage=stage,
            name=name,
            image=self.image,
            argv=tuple(argv),
            env=env,
            caches=CACHES if target is None else (*CACHES, target),
            outputs=outputs,
            stdout_to=stdout_to,
            reports=reports,
            tools=tools,
            setup=LINT_SETUP if tools else (),
        )


RUST = RustToolchain()
