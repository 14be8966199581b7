"""The Expo toolchain's Steps as Dagger container chains: the same Steps the local engine runs,
in the pinned Node builder image, inspected without an engine (the SDK builds queries lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dagger import dag

from pipelines.catalog import Catalog, load_catalog
from pipelines.engines.dagger import container_for
from pipelines.steps import Stage, Step
from pipelines.toolchains import toolchain_for
from pipelines.toolchains.base import ToolchainOptions
from pipelines.toolchains.node import IMAGE

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NAME = "expo-svc"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(FIXTURES)


def chain(obj: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(f.name, dict(f.args)) for f in obj._ctx.selections]


def calls(obj: Any, name: str) -> list[dict[str, Any]]:
    return [args for field, args in chain(obj) if field == name]


def steps(catalog: Catalog, stage: Stage) -> tuple[Step, ...]:
    service = catalog.get(NAME)
    return toolchain_for(service).steps(service, stage, ToolchainOptions())


def containers(catalog: Catalog, stage: Stage) -> list[Any]:
    source = dag.directory().with_new_file("README.md", "repo")
    return [container_for(step, catalog.get(NAME), source) for step in steps(catalog, stage)]


@pytest.mark.parametrize("stage", [Stage.BUILD, Stage.TEST, Stage.LINT])
def test_each_step_runs_in_the_node_builder_in_the_app_folder_with_the_npm_cache(
    catalog: Catalog, stage: Stage
) -> None:
    for ctr in containers(catalog, stage):
        assert calls(ctr, "from") == [{"address": IMAGE}]
        assert calls(ctr, "withWorkdir") == [{"path": f"/src/services/{NAME}"}]
        (mount,) = calls(ctr, "withMountedCache")
        assert mount["path"] == "/root/.npm"
        env = {c["name"]: c["value"] for c in calls(ctr, "withEnvVariable")}
        assert {"CI": "1", "EXPO_NO_TELEMETRY": "1", "EXPO_OFFLINE": "1"}.items() <= env.items()


def test_build_is_npm_ci_then_expo_export_then_the_server_bundle(catalog: Catalog) -> None:
    execs = [calls(ctr, "withExec")[0]["args"] for ctr in containers(catalog, Stage.BUILD)]
    assert [args[:5] for args in execs] == [
        ["npm", "ci", "--no-audit", "--no-fund"],
        ["npx", "--no", "--", "expo", "export"],
        ["npx", "--no", "--", "esbuild", "server/main.ts"],
    ]


def test_jest_writes_junit_where_the_engine_collects_reports(catalog: Catalog) -> None:
    (ctr,) = containers(catalog, Stage.TEST)
    env = {c["name"]: c["value"] for c in calls(ctr, "withEnvVariable")}
    assert env["JEST_JUNIT_OUTPUT_FILE"] == ".commerce-ci/junit.xml"
    (run,) = calls(ctr, "withExec")
    assert run["args"][3:5] == ["jest", "--ci"]
