"""Python Steps derived from service.yaml alone: no process runs here."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pipelines.catalog import Service, load_service
from pipelines.steps import CHECK_STAGES, Stage
from pipelines.toolchains import get_toolchain
from pipelines.toolchains.base import ToolchainOptions
from pipelines.toolchains.python import python_package

OPTIONS = ToolchainOptions()
OVERRIDE = """\
name: prices
language: python
description: A test service
port: 8080
image:
  repository: commerce/prices
commands:
  test: [python, -m, pytest, -x]
"""


def service(make_service: Callable[..., Path], text: str | None = None) -> Service:
    folder = make_service("prices", "python", text=text)
    return load_service(folder / "service.yaml", folder.parents[1])


def steps(svc: Service, stage: Stage, options: ToolchainOptions = OPTIONS):
    return get_toolchain("python").steps(svc, stage, options)


def test_every_step_uses_the_pinned_python_image(make_service: Callable[..., Path]) -> None:
    svc = service(make_service)
    images = {s.image for stage in CHECK_STAGES for s in steps(svc, stage) if stage != Stage.SCA}
    assert len(images) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", images.pop())


def test_build_installs_the_locked_pins_without_resolving(
    make_service: Callable[..., Path],
) -> None:
    deps, own, _ = steps(service(make_service), Stage.BUILD)
    assert "--no-deps" in deps.argv and deps.argv[-2:] == ("-r", "requirements.txt")
    assert own.argv[-1] == "." and own.outputs == ("dist/app",)
    assert [c.env for c in deps.caches] == ["PIP_CACHE_DIR"]


def test_pytest_writes_junit_under_the_report_dir(make_service: Callable[..., Path]) -> None:
    _, pytest_step = steps(service(make_service), Stage.TEST)
    assert "--junitxml=.commerce-ci/junit.xml" in pytest_step.argv
    assert [(r.kind, r.path) for r in pytest_step.reports] == [("junit", ".commerce-ci/junit.xml")]


def test_lint_is_ruff_check_and_ruff_format_check(make_service: Callable[..., Path]) -> None:
    check, fmt = steps(service(make_service), Stage.LINT)
    assert check.argv[:2] == ("ruff", "check")
    assert fmt.argv[:3] == ("ruff", "format", "--check")
    assert any("ruff==" in arg for argv in check.setup for arg in argv)


def test_service_command_overrides_the_test_stage(make_service: Callable[..., Path]) -> None:
    (test,) = steps(service(make_service, OVERRIDE), Stage.TEST)
    assert test.argv == ("python", "-m", "pytest", "-x")


def test_sca_scans_requirements_txt(make_service: Callable[..., Path]) -> None:
    _, osv = steps(service(make_service), Stage.SCA)
    assert osv.argv[osv.argv.index("--lockfile") + 1] == "requirements.txt"


def test_runtime_runs_the_service_package_from_the_artifact_folder(
    make_service: Callable[..., Path],
) -> None:
    runtime = get_toolchain("python").runtime(service(make_service))
    assert runtime.base == "python"
    assert runtime.files == ("dist/app/**",)
    assert runtime.command == ("python3", "-m", "commerce_prices")
    assert ("PYTHONPATH", "dist/app") in runtime.env


def test_runtime_package_never_shadows_the_standard_library() -> None:
    assert python_package("email") == "commerce_email"
    assert python_package("load-generator") == "commerce_load_generator"


def test_runtime_logs_are_unbuffered(make_service: Callable[..., Path]) -> None:
    runtime = get_toolchain("python").runtime(service(make_service))
    assert ("PYTHONUNBUFFERED", "1") in runtime.env


def test_build_writes_no_bytecode_and_ends_by_normalising_the_artifact(
    make_service: Callable[..., Path],
) -> None:
    deps, own, normalise = steps(service(make_service), Stage.BUILD)
    assert "--no-compile" in deps.argv and "--no-compile" in own.argv
    assert normalise.argv[:2] == ("python", "-c") and normalise.argv[-1] == "dist/app"


def test_runtime_leaves_out_console_scripts_with_host_shebangs(
    make_service: Callable[..., Path],
) -> None:
    runtime = get_toolchain("python").runtime(service(make_service))
    assert runtime.exclude == ("dist/app/bin",)
