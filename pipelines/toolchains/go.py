"""Go: a static binary under bin/, `go test -json` for results, go vet + gofmt for lint.

gofmt's usual CI form, `gofmt -l`, lists unformatted files but exits 0, so it cannot fail a
stage, and a Step is an argv, not a shell line that could test its output. `gofmt -d` prints
the diff and exits 1 when there is one (Go 1.22 and later), which is exactly the check.

A service compiles each package once, not once per stage: build, test and vet share GOCACHE
(a cache) and run with the build's settings (`CHECK_ENV`: no cgo, trimmed paths), so the
packages `go build` compiled are the ones `go test` links its test binaries against and `go
vet` reads export data from. With cgo left on for tests (the default when a C compiler is
present) every package, the standard library's net and os/user included, compiled again under
other settings; the tests now run the code the image ships. `go test` also stops running its
own curated subset of vet checks (`-vet=off`): the lint stage runs `go vet` with every check, a
superset, and fails on its findings, so the subset only computed vet facts for the whole
dependency graph twice. A service's own commands (`commands:` in service.yaml, e.g.
`go test -race`, which needs cgo) run without those settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

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
#: The settings the static build needs, given to the default test and vet too (see above).
CHECK_ENV: Mapping[str, str] = {
    **ENV,
    "CGO_ENABLED": "0",
    "GOFLAGS": "-mod=readonly -trimpath",
}


def binary_path(service: Service) -> str:
    return f"bin/{service.name}"


@dataclass(frozen=True)
class GoToolchain(ToolchainBase):
    language: str = "go"
    image: str = GO_IMAGE
    env: ClassVar[Mapping[str, str]] = CHECK_ENV
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
            argv = ("go", "test", "-vet=off", "-json", "./...")
            return (self.step(stage, "go test", argv, stdout_to=GO_TEST_REPORT, reports=(report,)),)
        if stage is Stage.LINT:
            return (
                self.step(stage, "go vet", ("go", "vet", "./...")),
                self.step(stage, "gofmt", ("gofmt", "-d", "-e", ".")),
            )
        return ()

    def command(self, service: Service, stage: Stage, argv: tuple[str, ...]) -> tuple[Step, ...]:
        """A service's own command runs as written, without the checks' shared settings (a
        `go test -race` needs cgo); a build still builds static (the runtime base has no libc)."""
        env = {**ENV, "CGO_ENABLED": "0"} if stage is Stage.BUILD else dict(ENV)
        return tuple(replace(step, env=env) for step in super().command(service, stage, argv))

    def runtime(self, service: Service) -> Runtime:
        """The build's static binary is the whole runtime: CGO_ENABLED=0 needs no libc."""
        binary = binary_path(service)
        return Runtime("static", (binary,), (binary,))


GO = GoToolchain()
