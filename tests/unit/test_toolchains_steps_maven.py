"""The Steps the Maven toolchains (java, kotlin) derive, checked as data without running Maven."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.catalog import Service
from pipelines.catalog.model import ServiceSpec
from pipelines.sca.steps import sca_steps
from pipelines.steps import REPORT_DIR, ReportFile, Stage, cache_path
from pipelines.toolchains import ToolchainOptions, get_toolchain
from pipelines.toolchains.maven import IMAGE, JAVA, KOTLIN, REPOSITORY_CACHE, MavenToolchain

OPTIONS = ToolchainOptions()


def service(language: str = "java", **commands: list[str]) -> Service:
    spec = ServiceSpec.model_validate(
        {
            "name": "shipping",
            "language": language,
            "description": "Shipping quotes",
            "port": 8080,
            "image": {"repository": "commerce/shipping"},
            "commands": commands,
        }
    )
    return Service(spec=spec, path="services/shipping", lockfile="pom.xml")


def mvn_args(argv: tuple[str, ...]) -> tuple[str, ...]:
    """What Maven receives after the repository flag every Maven step starts with."""
    assert argv[:2] == ("mvn", "-Dmaven.repo.local={cache:maven-repository}")
    return argv[2:]


def test_registry_maps_java_and_kotlin_to_the_maven_toolchains() -> None:
    assert get_toolchain("java") is JAVA
    assert get_toolchain("kotlin") is KOTLIN
    assert (JAVA.language, KOTLIN.language) == ("java", "kotlin")


@pytest.mark.parametrize("toolchain", [JAVA, KOTLIN], ids=["java", "kotlin"])
@pytest.mark.parametrize("stage", [Stage.BUILD, Stage.TEST, Stage.LINT])
def test_every_step_uses_the_pinned_maven_image_and_repository_cache(
    toolchain: MavenToolchain, stage: Stage
) -> None:
    steps = toolchain.steps(service(toolchain.language), stage, OPTIONS)
    assert steps
    for step in steps:
        assert re.fullmatch(r"maven:3\.9\.\d+-eclipse-temurin-17", step.image)
        assert step.caches == (REPOSITORY_CACHE,)
        assert mvn_args(step.argv)[:2] == ("-B", "-ntp")
        assert step.tools == ("java",)


def test_repository_cache_is_maven_default_location_in_the_container() -> None:
    assert REPOSITORY_CACHE.path == "/root/.m2/repository"


def test_maven_is_pointed_at_the_cache_through_the_engine_resolved_placeholder() -> None:
    (step,) = JAVA.steps(service(), Stage.BUILD, OPTIONS)
    assert step.argv[1] == "-Dmaven.repo.local=" + cache_path(REPOSITORY_CACHE.name)


def test_build_packages_without_tests_and_declares_the_jar() -> None:
    (step,) = JAVA.steps(service(), Stage.BUILD, OPTIONS)
    assert mvn_args(step.argv)[-2:] == ("-DskipTests", "package")
    assert step.outputs == ("target/*.jar", "target/lib/*.jar")


def test_test_runs_surefire_and_reports_its_junit_files() -> None:
    (step,) = JAVA.steps(service(), Stage.TEST, OPTIONS)
    assert mvn_args(step.argv)[-1] == "test"
    assert step.reports == (ReportFile("junit", "target/surefire-reports/TEST-*.xml"),)


def test_java_lint_is_a_pinned_checkstyle_that_fails_on_warnings_and_writes_sarif() -> None:
    (step,) = JAVA.steps(service(), Stage.LINT, OPTIONS)
    args = mvn_args(step.argv)
    assert "org.apache.maven.plugins:maven-checkstyle-plugin:3.6.0:check" in args
    assert "-Dcheckstyle.failOnViolation=true" in args
    assert "-Dcheckstyle.violationSeverity=warning" in args
    assert step.reports == (ReportFile("sarif", f"{REPORT_DIR}/checkstyle.sarif"),)


def test_kotlin_lint_is_a_pinned_ktlint_that_fails_on_violations() -> None:
    (step,) = KOTLIN.steps(service("kotlin"), Stage.LINT, OPTIONS)
    args = mvn_args(step.argv)
    assert "com.github.gantsign.maven:ktlint-maven-plugin:3.5.0:check" in args
    assert "-Dktlint.failOnViolation=true" in args


def test_kotlin_builds_and_tests_like_java_but_compiles_in_maven_not_a_daemon() -> None:
    for stage in (Stage.BUILD, Stage.TEST):
        java = JAVA.steps(service(), stage, OPTIONS)
        kotlin = KOTLIN.steps(service("kotlin"), stage, OPTIONS)
        in_maven = "-Dkotlin.compiler.daemon=false"
        assert kotlin == tuple(replace(s, argv=(*s.argv, in_maven)) for s in java)


def test_a_kotlin_service_mvn_command_compiles_in_maven_too() -> None:
    svc = service("kotlin", test=["mvn", "-B", "verify"])
    (step,) = KOTLIN.steps(svc, Stage.TEST, OPTIONS)
    assert mvn_args(step.argv) == ("-B", "verify", "-Dkotlin.compiler.daemon=false")


def test_a_service_mvn_command_replaces_the_default_and_keeps_the_cache() -> None:
    svc = service(test=["mvn", "-B", "verify", "-Pintegration"])
    (step,) = JAVA.steps(svc, Stage.TEST, OPTIONS)
    assert mvn_args(step.argv) == ("-B", "verify", "-Pintegration")
    assert step.reports == (ReportFile("junit", "target/surefire-reports/TEST-*.xml"),)


def test_a_service_command_of_another_program_runs_unchanged() -> None:
    svc = service(lint=["./scripts/lint.sh", "--strict"])
    (step,) = JAVA.steps(svc, Stage.LINT, OPTIONS)
    assert step.argv == ("./scripts/lint.sh", "--strict")
    assert step.tools == ()


def test_a_command_override_touches_only_its_own_stage() -> None:
    svc = service(build=["mvn", "-B", "install"])
    assert JAVA.steps(svc, Stage.TEST, OPTIONS) == JAVA.steps(service(), Stage.TEST, OPTIONS)
    (build,) = JAVA.steps(svc, Stage.BUILD, OPTIONS)
    assert build.outputs == ("target/*.jar", "target/lib/*.jar")


def test_the_host_maven_installed_for_the_local_engine_matches_the_builder_image() -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "tools.d" / "20-jvm-node.sh"
    match = re.search(r"^MAVEN_VERSION=(\S+)$", script.read_text(), re.MULTILINE)
    assert match is not None
    assert IMAGE.startswith(f"maven:{match.group(1)}-")


@pytest.mark.parametrize("offline", [False, True])
def test_sca_is_the_shared_scan_of_the_pom(offline: bool) -> None:
    options = ToolchainOptions(offline_vulndb=offline)
    for toolchain in (JAVA, KOTLIN):
        svc = service(toolchain.language)
        steps = toolchain.steps(svc, Stage.SCA, options)
        assert steps == sca_steps(svc, options)
        assert "pom.xml" in steps[-1].argv


def test_install_hints_cover_maven_java_and_the_scanners() -> None:
    assert {"mvn", "java", "semgrep", "osv-scanner"} <= set(JAVA.install_hints)


@pytest.mark.parametrize("language", ["java", "kotlin"])
def test_runtime_runs_the_service_jar_on_a_jre(language: str) -> None:
    runtime = get_toolchain(language).runtime(service(language))
    assert runtime.base == "jre"
    assert runtime.command == ("java", "-jar", "target/shipping.jar")


def test_runtime_ships_the_jar_and_its_copied_dependencies() -> None:
    runtime = JAVA.runtime(service())
    assert runtime.files == ("target/shipping.jar", "target/lib/*.jar")
    assert runtime.env == ()
