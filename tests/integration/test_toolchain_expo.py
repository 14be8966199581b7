"""The Expo toolchain on a real React Native app: build, test and lint pass, faults fail.

The fixture (tests/fixtures/services/expo-svc) is installed and exported once per module: `npm
ci`, `expo export` for both platforms, esbuild of its update server. Tests that plant a fault
work on a copy of the built app.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _runsteps import Runner, copy_fixture, copy_service, junit_cases, shared_cache_dir
from docker_fixtures import wait_for_http
from registry_fixtures import free_port

from pipelines.steps import Stage

pytestmark = [pytest.mark.toolchain("expo"), pytest.mark.slow]

NAME = "expo-svc"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> tuple[Runner, Path]:
    root = tmp_path_factory.mktemp("expo-repo")
    _, folder = copy_fixture(NAME, root)
    runner = Runner(root, cache_dir)
    result = runner.run(NAME, Stage.BUILD)
    assert result.passed, result.output
    return runner, folder


def fresh_copy(built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path) -> tuple[Runner, Path]:
    return Runner(tmp_path, cache_dir), copy_service(built[1], tmp_path)


def test_build_exports_a_hermes_bundle_per_platform(built: tuple[Runner, Path]) -> None:
    _, folder = built
    metadata = json.loads((folder / "dist" / "metadata.json").read_text())
    for platform in ("android", "ios"):
        bundle = folder / "dist" / metadata["fileMetadata"][platform]["bundle"]
        assert bundle.suffix == ".hbc"
        # Hermes bytecode files start with this magic number (little-endian).
        assert bundle.read_bytes()[:8] == bytes.fromhex("c61fbc03c103191f")


def test_the_bundled_server_runs_from_the_image_files_alone(
    built: tuple[Runner, Path], tmp_path: Path
) -> None:
    """What the image carries (dist/, build/server.js, app.json) runs without node_modules."""
    _, folder = built
    app = tmp_path / "app"
    shutil.copytree(folder / "dist", app / "dist")
    (app / "build").mkdir()
    shutil.copy(folder / "build" / "server.js", app / "build" / "server.js")
    port = free_port()
    server = subprocess.Popen(
        ["node", "build/server.js"], cwd=app, env={**os.environ, "PORT": str(port)}
    )
    try:
        answer = wait_for_http(f"http://127.0.0.1:{port}/healthz", "the fixture's update server")
        assert answer.text == "ok\n"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_test_stage_runs_jest_and_reports_each_case_in_junit(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.TEST)
    assert result.passed, result.output
    cases = junit_cases(result.reports)
    assert len(cases) == 3
    assert not any(c.failed for c in cases)


def test_lint_stage_passes_on_clean_code(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.LINT)
    assert result.passed, result.output
    assert [o.step.name for o in result.outcomes] == ["tsc --noEmit", "eslint"]


def test_a_type_error_fails_lint_at_the_type_check(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    source = folder / "src" / "CartBadge.tsx"
    source.write_text(source.read_text() + '\nexport const broken: number = "three";\n')

    result = runner.run(NAME, Stage.LINT)

    assert not result.passed
    assert result.outcomes[-1].step.name == "tsc --noEmit"
    assert "error TS2322" in result.output


def test_a_hook_called_conditionally_fails_lint_at_eslint(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    source = folder / "src" / "CartBadge.tsx"
    source.write_text(
        'import { useState } from "react";\n'
        + source.read_text()
        + "\nexport function Flaky({ on }: { on: boolean }) {\n"
        + "  if (on) useState(0);\n  return null;\n}\n"
    )

    result = runner.run(NAME, Stage.LINT)

    assert not result.passed
    assert result.outcomes[-1].step.name == "eslint"
    assert "react-hooks/rules-of-hooks" in result.output


def test_a_failing_test_fails_the_test_stage_and_is_reported(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    test_file = folder / "test" / "CartBadge.test.tsx"
    test_file.write_text(test_file.read_text().replace('"3 items"', '"4 items"'))

    result = runner.run(NAME, Stage.TEST)

    assert not result.passed
    failed = {c.name for c in junit_cases(result.reports) if c.failed}
    assert failed == {"CartBadge counts every item of the cart"}
