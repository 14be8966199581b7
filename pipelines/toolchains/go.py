"""Go: a static binary under bin/, `go test -json` for results, go vet + gofmt for lint.

gofmt's usual CI form, `gofmt -l`, lists unformatted files but exits 0, so it cannot fail a
stage, and a Step is an argv, not a shell line that could test its output. `gofmt -d` prints
the diff and exits 1 when there is one (Go 1.22 and later), which is exactly the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime, ToolchainBase

if TYPE_CHECKING:
    from pipelines.catalog import Service

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
class GoToolchain(ToolchainBase):
    language: str = "go"
    image: str = GO_IMAGE
    env: ClassVar[Mapping[str, str]] = ENV
    caches: ClassVar[tuple[CacheMount, ...]] = CACHES
    tools: ClassVar[Mapping[str, str]] = {
        "go": "install Go 1.26 from https://go.dev/dl/ (or the golang-go package)",
        "gofmt": "ships with Go: put $(go env GOROOT)/bin on PATH",
    }

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        if stage is Stage.BUILD:
            argv = ("go", "build", "-trimpath", "-ldflags=-s -w", "-o", binary_path(service), ".")
            return (self.step(stage, "go build", argv, outputs=(binary_path(service),)),)
        if stage is Stage.TEST:
            report = ReportFile("go-test-json", GO_TEST_REPORT)
            argv = ("go", "test", "-json", "./...")
            return (self.step(stage, "go test", argv, stdout_to=GO_TEST_REPORT, reports=(report,)),)
        if stage is Stage.LINT:
            return (
                self.step(stage, "go vet", ("go", "vet", "./...")),
                self.step(stage, "gofmt", ("gofmt", "-d", "-e", ".")),
            )
        return ()

    def step(self, stage: Stage, name: str, argv: tuple[str, ...], **fields: Any) -> Step:
        """Builds are static (CGO_ENABLED=0: the runtime base has no libc), overrides too."""
        step = super().step(stage, name, argv, **fields)
        return replace(step, env={**step.env, "CGO_ENABLED": "0"}) if stage is Stage.BUILD else step

    def runtime(self, service: Service) -> Runtime:
        """The build's static binary is the whole runtime: CGO_ENABLED=0 needs no libc."""
        binary = binary_path(service)
        return Runtime("static", (binary,), (binary,))


GO = GoToolchain()
