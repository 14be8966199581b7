"""The Node toolchain on a real npm project: build, test and lint pass, planted faults fail.

The fixture is installed once per module (`npm ci`); tests that plant a fault work on a copy of
the installed service.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _runsteps import Runner, copy_fixture, copy_service, junit_cases, shared_cache_dir

from pipelines.steps import Stage

pytestmark = pytest.mark.toolchain("node")

NAME = "node-svc"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> tuple[Runner, Path]:
    root = tmp_path_factory.mktemp("node-repo")
    _, folder = copy_fixture(NAME, root)
    runner = Runner(root, cache_dir)
    result = runner.run(NAME, Stage.BUILD)
    assert result.passed, result.output
    return runner, folder


def fresh_copy(built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path) -> tuple[Runner, Path]:
    return Runner(tmp_path, cache_dir), copy_service(built[1], tmp_path)


def test_build_installs_exactly_the_locked_dev_tools(built: tuple[Runner, Path]) -> None:
    _, folder = built
    installed = (folder / "node_modules" / "eslint" / "package.json").read_text()
    assert '"version": "10.15.0"' in installed


def test_npm_downloads_into_the_engines_cache_dir(
    built: tuple[Runner, Path], cache_dir: Path
) -> None:
    assert any((cache_dir / "npm" / "_cacache").iterdir())


def test_test_stage_passes_and_reports_each_case_in_junit(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.TEST)
    assert result.passed, result.output
    assert "✔ products of the cart's categories come first" in result.output
    cases = junit_cases(result.reports)
    assert len(cases) == 3
    assert not any(c.failed for c in cases)


def test_lint_stage_passes_on_clean_code(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.LINT)
    assert result.passed, result.output


def test_an_unused_variable_fails_lint_naming_the_rule(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    source = folder / "src" / "recommend.js"
    source.write_text(source.read_text() + "\nconst forgotten = 42;\n")

    result = runner.run(NAME, Stage.LINT)

    assert not result.passed
    assert "'forgotten' is assigned a value but never used" in result.output
    assert "no-unused-vars" in result.output


def test_a_failing_test_fails_the_test_stage_and_is_reported(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    test_file = folder / "test" / "recommend.test.js"
    test_file.write_text(test_file.read_text().replace('["c", "b"]', '["b", "c"]'))

    result = runner.run(NAME, Stage.TEST)

    assert not result.passed
    failed = {c.name for c in junit_cases(result.reports) if c.failed}
    assert failed == {"products of the cart's categories come first"}
