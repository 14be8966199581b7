"""Go: a static binary under bin/, `go test -json` for results, go vet + gofmt for lint.

gofmt's usual CI form, `gofmt -l`, lists unformatted files but exits 0, so it cannot fail a
stage, and a Step is an argv, not a shell line that could test its output. `gofmt -d` prints
the diff and exits 1 when there is one (Go 1.22 and later), which is exactly the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pipelines.sca.steps import sca_steps
from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.toolchains.base import ToolchainOptions

GO_IMAGE = "golang:1.26.8-bookworm"
GO_TEST_REPORT = f"{REPORT_DIR}/go-test.json"

CACHES = (
    CacheMount("go-mod", "/go/pkg/mod", env="GOMODCACHE"),
    CacheMount("go-build", "/root/.cache/go-build", env="GOCACHE"),
)
#: GOTOOLCHAIN=local: a go.mod asking for a newer Go fails plainly instead of downloading one.
ENV: Mapping[str, str] = {"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly"}


def binary_path(service: Service) -> str:
    return f"bin/{service.name}"


@dataclass(frozen=True)
class GoToolchain:
    language: str = "go"
    image: str = GO_IMAGE
    install_hints: dict[str, str] = field(
        default_factory=lambda: {
            "go": "install Go 1.26 from https://go.dev/dl/ (or the golang-go package)",
            "gofmt": "ships with Go: put $(go env GOROOT)/bin on PATH",
        }
    )

    def steps(self, service: Service, stage: Stage, options: ToolchainOptions) -> tuple[Step, ...]:
        if stage is Stage.SCA:
            return sca_steps(service, options)
        override = service.spec.commands.get(stage.value)
        if stage is Stage.BUILD:
            argv = override or (
                "go", "build", "-trimpath", "-ldflags=-s -w", "-o", binary_path(service), ".",
            )  # fmt: skip
            return (
                self._step(
                    stage, "go build", argv, CGO_ENABLED="0", outputs=(binary_path(service),)
                ),
            )
        if stage is Stage.TEST:
            if override:
                return (self._step(stage, "go test (service command)", override),)
            step = self._step(stage, "go test", ("go", "test", "-json", "./..."))
            return (
                replace(
                    step,
                    stdout_to=GO_TEST_REPORT,
                    reports=(ReportFile("go-test-json", GO_TEST_REPORT),),
                ),
            )
        if stage is Stage.LINT:
            if override:
                return (self._step(stage, "lint (service command)", override),)
            return (
                self._step(stage, "go vet", ("go", "vet", "./...")),
                self._step(stage, "gofmt", ("gofmt", "-d", "-e", ".")),
            )
        return ()

    def runtime(self, service: Service) -> Runtime:
        """The build's static binary is the whole runtime: CGO_ENABLED=0 needs no libc."""
        binary = binary_path(service)
        return Runtime("static", (binary,), (binary,))

    def _step(
        self,
        stage: Stage,
        name: str,
        argv: tuple[str, ...],
        outputs: tuple[str, ...] = (),
        **env: str,
    ) -> Step:
        return Step(
            stage=stage,
            name=name,
            image=self.image,
            argv=tuple(argv),
            env={**ENV, **env},
            caches=CACHES,
            outputs=outputs,
        )


GO = GoToolchain()
