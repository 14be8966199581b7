""".NET services, built by the dotnet CLI.

The machines this project runs on have no .NET SDK, so these Steps run in the Dagger engine, in
the SDK image; the local engine finds no `dotnet` and says so with the hint below instead of
skipping. Restores are locked (`packages.lock.json` must match the project), so a build can never
pick up a dependency version the lockfile does not name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pipelines.steps import REPORT_DIR, ROOT, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime, ToolchainBase

if TYPE_CHECKING:
    from pipelines.catalog import Service

IMAGE = "mcr.microsoft.com/dotnet/sdk:8.0.404"

#: NuGet's global packages folder; `NUGET_PACKAGES` is NuGet's own setting for its location.
NUGET_CACHE = CacheMount(name="nuget", path="/root/.nuget/packages", env="NUGET_PACKAGES")

ENV: Mapping[str, str] = {
    "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
    "DOTNET_NOLOGO": "1",
    "NUGET_XMLDOC_MODE": "skip",
}

CONFIGURATION = "Release"

#: Every project's build output (the image recipe publishes from these).
BUILD_OUTPUTS = (f"**/bin/{CONFIGURATION}",)

#: One JUnit file per test assembly ({assembly} is the logger's token, not an engine placeholder).
JUNIT_GLOB = f"{REPORT_DIR}/junit/*.xml"

INSTALL_HINTS: Mapping[str, str] = {
    "dotnet": "no .NET SDK here: run .NET services with `--engine dagger` (image "
    f"{IMAGE}), or install the .NET 8 SDK (Microsoft's apt package dotnet-sdk-8.0)",
}


def junit_logger(service: Service) -> str:
    """The JUnit logger (package JunitXml.TestLogger in each test project), by absolute path:
    relative paths would resolve against each test project's folder, not the service's."""
    folder = f"{ROOT}/{service.path}/{REPORT_DIR}/junit"
    options = "MethodFormat=Class;FailureBodyFormat=Verbose"
    return f"junit;LogFilePath={folder}/{{assembly}}.xml;{options}"


#: The target framework services build for (the SDK image's major version).
TARGET_FRAMEWORK = "net8.0"


@dataclass(frozen=True)
class DotnetToolchain(ToolchainBase):
    language: str = "dotnet"
    image: str = IMAGE
    env: ClassVar[Mapping[str, str]] = ENV
    caches: ClassVar[tuple[CacheMount, ...]] = (NUGET_CACHE,)
    tools: ClassVar[Mapping[str, str]] = INSTALL_HINTS

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        if stage is Stage.BUILD:
            return (
                self.step(stage, "dotnet restore", ("dotnet", "restore", "--locked-mode")),
                self.step(
                    stage,
                    "dotnet build",
                    ("dotnet", "build", "--no-restore", "--configuration", CONFIGURATION),
                    outputs=BUILD_OUTPUTS,
                ),
            )
        if stage is Stage.TEST:
            argv = (
                "dotnet",
                "test",
                "--no-restore",
                "--configuration",
                CONFIGURATION,
                "--logger",
                "console;verbosity=normal",
                "--logger",
                junit_logger(service),
            )
            return (self.step(stage, "dotnet test", argv),)
        if stage is Stage.LINT:
            lint = ("dotnet", "format", "--verify-no-changes", "--no-restore", "--severity", "warn")
            return (self.step(stage, "dotnet format", lint),)
        return ()

    def runtime(self, service: Service) -> Runtime:
        """The Release build of the project whose assembly is named after the service."""
        output = f"bin/Release/{TARGET_FRAMEWORK}"
        return Runtime(
            base="dotnet",
            files=(f"{output}/**",),
            command=("dotnet", f"{output}/{service.name}.dll"),
            env=(("DOTNET_CLI_TELEMETRY_OPTOUT", "1"),),
        )

    def step(self, stage: Stage, name: str, argv: tuple[str, ...], **fields: Any) -> Step:
        """A test step writes one JUnit file per test assembly."""
        if stage is Stage.TEST:
            fields.setdefault("reports", (ReportFile("junit", JUNIT_GLOB),))
        return super().step(stage, name, argv, **fields)


DOTNET = DotnetToolchain()
