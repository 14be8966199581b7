"""Go: a static binary under bin/, `go test -json` for results, go vet + gofmt for lint.

gofmt's usual CI form, `gofmt -l`, lists unformatted files but exits 0, so it cannot fail a
stage, and a Step is an argv, not a shell line that could test its output. `gofmt -d` prints
the diff and exits 1 when there is one (Go 1.22 and later), which is exactly the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime, ToolchainBase, command_name

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
    tools: ClassVar[Mapping[str, str]] = {
        "go": "install Go 1.26 from https://go.dev/dl/ (or the golang-go package)",
        "gofmt": "ships with Go: put $(go env GOROOT)/bin on PATH",
    }

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        if stage is Stage.BUILD:
            argv = ("go", "build", "-trimpath", "-ldflags=-s -w", "-o", binary_path(service), ".")
            return (self._step(stage, "go build", argv, outputs=(binary_path(service),)),)
        if stage is Stage.TEST:
            step = self._step(stage, "go test", ("go", "test", "-json", "./..."))
            report = ReportFile("go-test-json", GO_TEST_REPORT)
            return (replace(step, stdout_to=GO_TEST_REPORT, reports=(report,)),)
        if stage is Stage.LINT:
            return (
                self._step(stage, "go vet", ("go", "vet", "./...")),
                self._step(stage, "gofmt", ("gofmt", "-d", "-e", ".")),
            )
        return ()

    def command(self, service: Service, stage: Stage, argv: tuple[str, ...]) -> tuple[Step, ...]:
        return (self._step(stage, command_name(stage), argv),)

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
    ) -> Step:
        """A step in the Go image; builds are static (CGO_ENABLED=0: the base has no libc)."""
        env = {**ENV, "CGO_ENABLED": "0"} if stage is Stage.BUILD else ENV
        return Step(
            stage=stage,
            name=name,
            image=self.image,
            argv=tuple(argv),
            env=dict(env),
            caches=CACHES,
            outputs=outputs,
        )


GO = GoToolchain()
