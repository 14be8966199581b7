"""The Steps the Node and TypeScript toolchains derive, checked as data without running npm."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.catalog import Service
from pipelines.catalog.model import ServiceSpec
from pipelines.sca.steps import sca_steps
from pipelines.steps import REPORT_DIR, ReportFile, Stage
from pipelines.toolchains import ToolchainOptions, get_toolchain
from pipelines.toolchains.node import NODE, NPM_CACHE, TYPESCRIPT, NodeToolchain

OPTIONS = ToolchainOptions()
JUNIT = f"{REPORT_DIR}/junit.xml"


def service(language: str = "node", **commands: list[str]) -> Service:
    spec = ServiceSpec.model_validate(
        {
            "name": "checkout",
            "language": language,
            "description": "Checkout",
            "port": 8080,
            "image": {"repository": "commerce/checkout"},
            "commands": commands,
        }
    )
    return Service(spec=spec, path="services/checkout", lockfile="package-lock.json")


def argvs(toolchain: NodeToolchain, stage: Stage, svc: Service | None = None) -> list[tuple]:
    return [s.argv for s in toolchain.steps(svc or service(toolchain.language), stage, OPTIONS)]


def test_registry_maps_node_and_typescript_to_their_toolchains() -> None:
    assert get_toolchain("node") is NODE
    assert get_toolchain("typescript") is TYPESCRIPT


@pytest.mark.parametrize("toolchain", [NODE, TYPESCRIPT], ids=["node", "typescript"])
@pytest.mark.parametrize("stage", [Stage.BUILD, Stage.TEST, Stage.LINT])
def test_every_step_uses_the_pinned_node_image_and_npm_cache(
    toolchain: NodeToolchain, stage: Stage
) -> None:
    steps = toolchain.steps(service(toolchain.language), stage, OPTIONS)
    assert steps
    for step in steps:
        assert re.fullmatch(r"node:20\.\d+\.\d+-bookworm-slim", step.image)
        assert step.caches == (NPM_CACHE,)
        assert step.env["npm_config_update_notifier"] == "false"


def test_npm_cache_is_pointed_at_by_npms_own_setting() -> None:
    assert NPM_CACHE.env == "npm_config_cache"
    assert NPM_CACHE.path == "/root/.npm"


def test_node_build_installs_exactly_the_lockfile_and_ships_the_app_folder() -> None:
    (step,) = NODE.steps(service(), Stage.BUILD, OPTIONS)
    assert step.argv[:2] == ("npm", "ci")
    assert step.outputs == (".",)


def test_node_test_writes_junit_to_the_report_dir_and_a_spec_to_the_log() -> None:
    (step,) = NODE.steps(service(), Stage.TEST, OPTIONS)
    assert step.argv[:2] == ("node", "--test")
    assert "--test-reporter=spec" in step.argv
    assert "--test-reporter-destination=stdout" in step.argv
    assert "--test-reporter=junit" in step.argv
    assert f"--test-reporter-destination={JUNIT}" in step.argv
    assert step.reports == (ReportFile("junit", JUNIT),)


def test_node_lint_is_eslint_from_the_lockfile_failing_on_warnings() -> None:
    assert argvs(NODE, Stage.LINT) == [("npx", "--no", "--", "eslint", "--max-warnings=0", ".")]


def test_typescript_build_compiles_after_install_and_declares_dist() -> None:
    steps = TYPESCRIPT.steps(service("typescript"), Stage.BUILD, OPTIONS)
    assert [s.argv[:2] for s in steps] == [("npm", "ci"), ("npx", "--no")]
    assert "tsc" in steps[1].argv
    assert steps[0].outputs == ()
    assert "dist" in steps[1].outputs


def test_typescript_tests_run_from_the_compiled_output() -> None:
    (step,) = TYPESCRIPT.steps(service("typescript"), Stage.TEST, OPTIONS)
    assert step.argv[-1] == "dist/test/"
    assert step.reports == (ReportFile("junit", JUNIT),)


def test_typescript_lint_type_checks_then_runs_eslint() -> None:
    first, second = argvs(TYPESCRIPT, Stage.LINT)
    assert first == ("npx", "--no", "--", "tsc", "--noEmit", "-p", "tsconfig.json")
    assert second[3:] == ("eslint", "--max-warnings=0", ".")


def test_a_service_command_replaces_every_default_step_of_its_stage() -> None:
    svc = service("typescript", build=["npm", "run", "bundle"])
    (step,) = TYPESCRIPT.steps(svc, Stage.BUILD, OPTIONS)
    assert step.argv == ("npm", "run", "bundle")
    assert step.outputs == TYPESCRIPT.outputs
    assert argvs(TYPESCRIPT, Stage.LINT, svc) == argvs(TYPESCRIPT, Stage.LINT)


def test_npm_and_npx_steps_also_need_node_on_the_host() -> None:
    for stage in (Stage.BUILD, Stage.LINT):
        for step in TYPESCRIPT.steps(service("typescript"), stage, OPTIONS):
            assert step.tools == ("node",)


@pytest.mark.parametrize("offline", [False, True])
def test_sca_is_the_shared_scan_of_the_package_lock(offline: bool) -> None:
    options = ToolchainOptions(offline_vulndb=offline)
    for toolchain in (NODE, TYPESCRIPT):
        svc = service(toolchain.language)
        steps = toolchain.steps(svc, Stage.SCA, options)
        assert steps == sca_steps(svc, options)
        assert "package-lock.json" in steps[-1].argv


def test_install_hints_cover_node_npm_and_the_scanners() -> None:
    assert {"node", "npm", "npx", "semgrep", "osv-scanner"} <= set(TYPESCRIPT.install_hints)


def test_node_runtime_runs_the_entry_script_with_its_modules() -> None:
    runtime = NODE.runtime(service())
    assert runtime.base == "node"
    assert runtime.command == ("node", "src/server.js")
    assert runtime.files == ("package.json", "src/**", "node_modules/**")
    assert ("NODE_ENV", "production") in runtime.env


def test_typescript_runtime_runs_the_compiled_entry_from_dist() -> None:
    runtime = TYPESCRIPT.runtime(service("typescript"))
    assert runtime.command == ("node", "dist/src/server.js")
    assert "dist/**" in runtime.files
    assert "src/**" not in runtime.files


@pytest.mark.parametrize("toolchain", [NODE, TYPESCRIPT], ids=["node", "typescript"])
def test_runtime_entry_is_shipped_in_its_files(toolchain: NodeToolchain) -> None:
    runtime = toolchain.runtime(service(toolchain.language))
    entry = Path(runtime.command[-1])
    assert f"{entry.parts[0]}/**" in runtime.files
