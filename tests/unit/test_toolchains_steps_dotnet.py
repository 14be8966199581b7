"""The Steps the dotnet toolchain derives; no SDK exists here, so only the data is checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.catalog import Service
from pipelines.catalog.model import ServiceSpec
from pipelines.engines.local import LocalEngine
from pipelines.sca.steps import sca_steps
from pipelines.steps import ReportFile, Stage
from pipelines.toolchains import ToolchainOptions, get_toolchain
from pipelines.toolchains.dotnet import DOTNET, NUGET_CACHE

OPTIONS = ToolchainOptions()


def service(**commands: list[str]) -> Service:
    spec = ServiceSpec.model_validate(
        {
            "name": "accounting",
            "language": "dotnet",
            "description": "Accounting",
            "port": 8080,
            "image": {"repository": "commerce/accounting"},
            "commands": commands,
        }
    )
    return Service(spec=spec, path="services/accounting", lockfile="packages.lock.json")


def test_registry_maps_dotnet_to_its_toolchain() -> None:
    assert get_toolchain("dotnet") is DOTNET


@pytest.mark.parametrize("stage", [Stage.BUILD, Stage.TEST, Stage.LINT])
def test_every_step_uses_the_pinned_sdk_image_and_nuget_cache(stage: Stage) -> None:
    for step in DOTNET.steps(service(), stage, OPTIONS):
        assert re.fullmatch(r"mcr\.microsoft\.com/dotnet/sdk:8\.0\.\d+", step.image)
        assert step.caches == (NUGET_CACHE,)
        assert step.env["DOTNET_CLI_TELEMETRY_OPTOUT"] == "1"
        assert step.argv[0] == "dotnet"


def test_nuget_cache_is_pointed_at_by_nugets_own_setting() -> None:
    assert NUGET_CACHE.env == "NUGET_PACKAGES"


def test_build_restores_in_locked_mode_then_builds_without_restoring() -> None:
    restore, build = DOTNET.steps(service(), Stage.BUILD, OPTIONS)
    assert restore.argv == ("dotnet", "restore", "--locked-mode")
    assert build.argv[:3] == ("dotnet", "build", "--no-restore")
    assert restore.outputs == ()
    assert build.outputs == ("**/bin/Release",)


def test_test_writes_one_junit_file_per_assembly_under_the_service_report_dir() -> None:
    (step,) = DOTNET.steps(service(), Stage.TEST, OPTIONS)
    loggers = [step.argv[i + 1] for i, arg in enumerate(step.argv) if arg == "--logger"]
    junit = next(logger for logger in loggers if logger.startswith("junit;"))
    assert "LogFilePath={root}/services/accounting/.commerce-ci/junit/{assembly}.xml" in junit
    assert step.reports == (ReportFile("junit", ".commerce-ci/junit/*.xml"),)


def test_the_junit_path_resolves_only_the_root_placeholder() -> None:
    (step,) = DOTNET.steps(service(), Stage.TEST, OPTIONS)
    resolved = " ".join(step.resolved({"{root}": "/src"}))
    assert "LogFilePath=/src/services/accounting/.commerce-ci/junit/{assembly}.xml" in resolved


def test_lint_verifies_formatting_without_changing_files() -> None:
    (step,) = DOTNET.steps(service(), Stage.LINT, OPTIONS)
    assert step.argv[:3] == ("dotnet", "format", "--verify-no-changes")


def test_a_service_command_replaces_the_default_of_its_stage() -> None:
    (step,) = DOTNET.steps(
        service(test=["dotnet", "test", "--filter", "Unit"]), Stage.TEST, OPTIONS
    )
    assert step.argv == ("dotnet", "test", "--filter", "Unit")


def test_the_local_engine_reports_dotnet_missing_with_a_hint(tmp_path: Path) -> None:
    engine = LocalEngine({"PATH": str(tmp_path)})
    for stage in (Stage.BUILD, Stage.TEST, Stage.LINT):
        for step in DOTNET.steps(service(), stage, OPTIONS):
            assert engine.missing_tools(step) == ("dotnet",)
    assert "--engine dagger" in DOTNET.install_hints["dotnet"]


def test_sca_is_the_shared_scan_of_the_nuget_lockfile() -> None:
    options = ToolchainOptions(offline_vulndb=True)
    steps = DOTNET.steps(service(), Stage.SCA, options)
    assert steps == sca_steps(service(), options)
    assert "packages.lock.json" in steps[-1].argv


def test_runtime_runs_the_release_assembly_named_after_the_service() -> None:
    from pipelines.toolchains.dotnet import DOTNET

    svc = service()
    runtime = DOTNET.runtime(svc)
    assert runtime.command == ("dotnet", f"bin/Release/net8.0/{svc.name}.dll")
    assert runtime.files == ("bin/Release/net8.0/**",)
