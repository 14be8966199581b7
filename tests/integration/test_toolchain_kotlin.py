"""The Kotlin toolchain on a real Maven project: build, test and lint pass, planted faults fail.

The fixture is built once per module; tests that plant a fault work on a copy of the built
service, so Maven only recompiles what changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _runsteps import Runner, copy_fixture, copy_service, junit_cases, shared_cache_dir

from pipelines.steps import Stage

pytestmark = [pytest.mark.toolchain("kotlin"), pytest.mark.slow]

NAME = "kotlin-svc"
SOURCE = Path("src/main/kotlin/com/commerce/currency")
TESTS = Path("src/test/kotlin/com/commerce/currency")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> tuple[Runner, Path]:
    root = tmp_path_factory.mktemp("kotlin-repo")
    _, folder = copy_fixture(NAME, root)
    runner = Runner(root, cache_dir)
    result = runner.run(NAME, Stage.BUILD)
    assert result.passed, result.output
    return runner, folder


def fresh_copy(built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path) -> tuple[Runner, Path]:
    return Runner(tmp_path, cache_dir), copy_service(built[1], tmp_path)


def test_build_packages_a_jar_under_target(built: tuple[Runner, Path]) -> None:
    _, folder = built
    assert (folder / "target" / "kotlin-svc-1.0.0.jar").is_file()
    assert (
        folder / "target" / "classes" / "com" / "commerce" / "currency" / "Converter.class"
    ).is_file()


def test_test_stage_passes_and_reports_each_case_in_junit(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.TEST)
    assert result.passed, result.output
    cases = junit_cases(result.reports)
    assert "an unknown currency is rejected" in {c.name for c in cases}
    assert len(cases) == 4
    assert not any(c.failed for c in cases)


def test_lint_stage_passes_on_clean_code(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.LINT)
    assert result.passed, result.output
    assert "ktlint-maven-plugin" in result.output


def test_badly_formatted_kotlin_fails_lint_naming_file_and_rule(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    (folder / SOURCE / "Discount.kt").write_text(
        "package com.commerce.currency\n\nfun  discount( cents:Long ):Long { return cents/10 }\n"
    )

    result = runner.run(NAME, Stage.LINT)

    assert not result.passed
    assert "Discount.kt:3:4: Single space expected after the fun keyword" in result.output


def test_a_failing_test_fails_the_test_stage_and_is_reported(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    test_file = folder / TESTS / "ConverterTest.kt"
    test_file.write_text(
        test_file.read_text().replace('BigDecimal("108.50")', 'BigDecimal("108.51")')
    )

    result = runner.run(NAME, Stage.TEST)

    assert not result.passed
    failed = {c.name for c in junit_cases(result.reports) if c.failed}
    assert failed == {"euros convert to dollars at the euro rate"}
