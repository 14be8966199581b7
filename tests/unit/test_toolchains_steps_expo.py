"""The Steps the Expo toolchain derives, checked as data without running npm or Metro."""

from __future__ import annotations

import re

import pytest

from pipelines.catalog import Service
from pipelines.catalog.model import ServiceSpec
from pipelines.sca.steps import sca_steps
from pipelines.steps import REPORT_DIR, ReportFile, Stage
from pipelines.toolchains import ToolchainOptions, get_toolchain
from pipelines.toolchains.expo import EXPO
from pipelines.toolchains.node import NPM_CACHE

OPTIONS = ToolchainOptions()
JUNIT = f"{REPORT_DIR}/junit.xml"


def service(**commands: list[str]) -> Service:
    spec = ServiceSpec.model_validate(
        {
            "name": "mobile",
            "language": "expo",
            "description": "The app",
            "port": 8088,
            "image": {"repository": "commerce/mobile"},
            "commands": commands,
        }
    )
    return Service(spec=spec, path="services/mobile", lockfile="package-lock.json")


def argvs(stage: Stage, svc: Service | None = None) -> list[tuple[str, ...]]:
    return [s.argv for s in EXPO.steps(svc or service(), stage, OPTIONS)]


def test_registry_maps_expo_to_its_toolchain() -> None:
    assert get_toolchain("expo") is EXPO


@pytest.mark.parametrize("stage", [Stage.BUILD, Stage.TEST, Stage.LINT])
def test_every_step_runs_in_the_pinned_node_image_with_the_npm_cache(stage: Stage) -> None:
    for step in EXPO.steps(service(), stage, OPTIONS):
        assert re.fullmatch(r"node:20\.\d+\.\d+-bookworm-slim", step.image)
        assert step.caches == (NPM_CACHE,)
        assert step.tools == ("node",)
        # Expo CLI must neither prompt nor phone home on an air-gapped runner.
        assert step.env["CI"] == "1"
        assert step.env["EXPO_NO_TELEMETRY"] == "1"
        assert step.env["EXPO_OFFLINE"] == "1"


def test_build_installs_the_lockfile_exports_both_platforms_then_bundles_the_server() -> None:
    install, export, server = EXPO.steps(service(), Stage.BUILD, OPTIONS)
    assert install.argv[:2] == ("npm", "ci")
    assert export.argv == (
        "npx", "--no", "--", "expo", "export",
        "--platform", "android", "--platform", "ios", "--output-dir", "dist",
    )  # fmt: skip
    assert server.argv[:5] == ("npx", "--no", "--", "esbuild", "server/main.ts")
    assert "--bundle" in server.argv and "--platform=node" in server.argv
    # The runtime base runs Debian's Node 18: the bundle must not use newer syntax.
    assert "--target=node18" in server.argv
    assert "--outfile=build/server.js" in server.argv
    # Only the last step declares outputs, once they all exist.
    assert (install.outputs, export.outputs) == ((), ())
    assert server.outputs == ("dist", "build/server.js")


def test_test_is_jest_in_ci_mode_writing_junit_to_the_report_dir() -> None:
    (step,) = EXPO.steps(service(), Stage.TEST, OPTIONS)
    assert step.argv == (
        "npx", "--no", "--", "jest", "--ci", "--reporters=default", "--reporters=jest-junit",
    )  # fmt: skip
    assert step.env["JEST_JUNIT_OUTPUT_FILE"] == JUNIT
    assert step.reports == (ReportFile("junit", JUNIT),)


def test_lint_type_checks_then_runs_eslint_failing_on_warnings() -> None:
    assert argvs(Stage.LINT) == [
        ("npx", "--no", "--", "tsc", "--noEmit"),
        ("npx", "--no", "--", "eslint", "--max-warnings=0", "."),
    ]


def test_sca_is_the_shared_semgrep_and_lockfile_audit() -> None:
    assert EXPO.steps(service(), Stage.SCA, OPTIONS) == sca_steps(service(), OPTIONS)
    assert "package-lock.json" in EXPO.steps(service(), Stage.SCA, OPTIONS)[1].argv


def test_a_service_command_replaces_the_stage_and_build_still_declares_outputs() -> None:
    svc = service(build=["npm", "run", "export"], test=["npx", "jest"])
    (build,) = EXPO.steps(svc, Stage.BUILD, OPTIONS)
    assert build.argv == ("npm", "run", "export")
    assert build.outputs == ("dist", "build/server.js")
    assert argvs(Stage.TEST, svc) == [("npx", "jest")]


def test_the_image_runs_the_bundled_server_over_the_export_and_no_node_modules() -> None:
    runtime = EXPO.runtime(service())
    assert runtime.base == "node"
    assert runtime.command == ("node", "build/server.js")
    assert runtime.files == ("dist/**", "build/server.js", "app.json")
    assert not any("node_modules" in f for f in runtime.files)
    assert runtime.npm_lockfile is None
