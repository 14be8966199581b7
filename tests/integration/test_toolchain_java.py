"""The Java toolchain on a real Maven project: build, test and lint pass, planted faults fail.

The fixture is built once per module; tests that plant a fault work on a copy of the built
service, so Maven only recompiles what changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _runsteps import Runner, copy_fixture, copy_service, junit_cases, shared_cache_dir

from pipelines.steps import Stage

pytestmark = [pytest.mark.toolchain("java"), pytest.mark.slow]

NAME = "java-svc"
SOURCE = Path("src/main/java/com/commerce/shipping")
TESTS = Path("src/test/java/com/commerce/shipping")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> tuple[Runner, Path]:
    root = tmp_path_factory.mktemp("java-repo")
    _, folder = copy_fixture(NAME, root)
    runner = Runner(root, cache_dir)
    result = runner.run(NAME, Stage.BUILD)
    assert result.passed, result.output
    return runner, folder


def fresh_copy(built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path) -> tuple[Runner, Path]:
    return Runner(tmp_path, cache_dir), copy_service(built[1], tmp_path)


def test_build_packages_a_jar_under_target(built: tuple[Runner, Path]) -> None:
    _, folder = built
    assert (folder / "target" / "java-svc-1.0.0.jar").is_file()


def test_maven_downloads_into_the_engines_cache_dir(
    built: tuple[Runner, Path], cache_dir: Path
) -> None:
    plugins = cache_dir / "maven-repository" / "org" / "apache" / "maven" / "plugins"
    assert (plugins / "maven-jar-plugin" / "3.5.1").is_dir()


def test_test_stage_passes_and_reports_each_case_in_junit(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.TEST)
    assert result.passed, result.output
    cases = junit_cases(result.reports)
    assert "firstKiloCostsTheZoneBasePrice" in {c.name for c in cases}
    assert len(cases) == 4
    assert not any(c.failed for c in cases)


def test_lint_stage_passes_on_clean_code_and_writes_sarif(built: tuple[Runner, Path]) -> None:
    runner, _ = built
    result = runner.run(NAME, Stage.LINT)
    assert result.passed, result.output
    (sarif,) = result.reports
    run = json.loads(sarif.read_text())["runs"][0]
    assert run["tool"]["driver"]["name"] == "Checkstyle"
    assert run["results"] == []


def test_an_unused_import_fails_lint_and_is_a_sarif_finding(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    quote = folder / SOURCE / "ShippingQuote.java"
    text = quote.read_text().replace(
        "import java.util.Map;", "import java.util.List;\nimport java.util.Map;"
    )
    quote.write_text(text)

    result = runner.run(NAME, Stage.LINT)

    assert not result.passed
    assert "Unused import - java.util.List. [UnusedImports]" in result.output
    (sarif,) = result.reports
    (finding,) = json.loads(sarif.read_text())["runs"][0]["results"]
    assert finding["ruleId"].endswith("UnusedImportsCheck")


def test_a_failing_test_fails_the_test_stage_and_is_reported(
    built: tuple[Runner, Path], tmp_path: Path, cache_dir: Path
) -> None:
    runner, folder = fresh_copy(built, tmp_path, cache_dir)
    test_file = folder / TESTS / "ShippingQuoteTest.java"
    test_file.write_text(test_file.read_text().replace("assertEquals(499L,", "assertEquals(500L,"))

    result = runner.run(NAME, Stage.TEST)

    assert not result.passed
    failed = {c.name for c in junit_cases(result.reports) if c.failed}
    assert failed == {"firstKiloCostsTheZoneBasePrice"}
