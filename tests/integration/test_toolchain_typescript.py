"""The TypeScript toolchain on a real npm project: compile, test, type check and eslint.

The fixture is installed and compiled once per module; tests that plant a fault work on a copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _runsteps import Runner, copy_fixture, copy_service, junit_cases, shared_cache_dir

from pipelines.steps import Stage

pytestmark = pytest.mark.toolchain("typescript")

NAME = "ts-svc"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> tuple[Runner, Path]:
    root = tmp_path_factory.mktemp("ts-repo")
    _, folder = copy_fixture(NAME, root)
    runner = Runner(root, cache_dir)
    result = runner.run(NAME, Stage.BUILD)
    assert result.passed, result.output
    return runner, folder


def fresh_copy(built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path) -> tuple[Runner, Path]:
    return Runner(tmp_path, cache_dir), copy_service(built[1], tmp_path)


def test_build_compiles_the_service_into_dist(built: tuple[Runner, Path]) -> None:
    _, folder = built
    assert "export function total" in (folder / "dist" / "src" / "total.js").read_text()


def test_test_stage_runs_the_compiled_tests_and_reports_junit(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.TEST)
    assert result.passed, result.output
    cases = junit_cases(result.reports)
    assert "carts from fifty euros ship free" in {c.name for c in cases}
    assert len(cases) == 4
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
    source = folder / "src" / "total.ts"
    source.write_text(source.read_text() + '\nexport const broken: number = "not a number";\n')

    result = runner.run(NAME, Stage.LINT)

    assert not result.passed
    assert result.outcomes[-1].step.name == "tsc --noEmit"
    assert "error TS2322" in result.output


def test_an_explicit_any_fails_lint_at_eslint(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    source = folder / "src" / "total.ts"
    source.write_text(
        source.read_text() + "\nexport const loose = (value: any): string => value;\n"
    )

    result = runner.run(NAME, Stage.LINT)

    assert not result.passed
    assert result.outcomes[-1].step.name == "eslint"
    assert "@typescript-eslint/no-explicit-any" in result.output


def test_a_failing_test_fails_the_test_stage_and_is_reported(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    test_file = folder / "test" / "total.test.ts"
    test_file.write_text(test_file.read_text().replace(").tax, 67)", ").tax, 66)"))
    assert runner.run(NAME, Stage.BUILD).passed

    result = runner.run(NAME, Stage.TEST)

    assert not result.passed
    failed = {c.name for c in junit_cases(result.reports) if c.failed}
    assert failed == {"tax is rounded to whole cents"}
