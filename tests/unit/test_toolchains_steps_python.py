"""Python Steps derived from service.yaml alone: no process runs here."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pipelines.catalog import Service, load_service
from pipelines.images.bases import spec_for
from pipelines.steps import Stage
from pipelines.toolchains import get_toolchain
from pipelines.toolchains.base import ToolchainOptions
from pipelines.toolchains.python import LINT_IMAGE, PYTHON_IMAGE, python_package

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


def test_build_and_test_run_on_debian_12s_python_the_runtime_base_ships(
    make_service: Callable[..., Path],
) -> None:
    svc = service(make_service)
    runs = [s for stage in (Stage.BUILD, Stage.TEST) for s in steps(svc, stage)]
    assert {s.argv[0] for s in runs} == {"/usr/bin/python3.11"}
    assert {s.image for s in runs} == {PYTHON_IMAGE}
    assert re.fullmatch(r"debian:12\.\d+-slim", PYTHON_IMAGE)
    assert all(("python3.11" in cmd and "python3-pip" in cmd) for s in runs for cmd in s.setup[1:])
    assert "python3.11" in spec_for("python").packages


def test_lint_uses_the_pinned_ruff_image(make_service: Callable[..., Path]) -> None:
    lint = steps(service(make_service), Stage.LINT)
    assert {s.image for s in lint} == {LINT_IMAGE}
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", LINT_IMAGE)


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
    assert runtime.command == ("/usr/bin/python3.11", "-m", "commerce_prices")
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
    assert normalise.argv[:2] == ("/usr/bin/python3.11", "-c") and normalise.argv[-1] == "dist/app"


def test_runtime_leaves_out_console_scripts_with_host_shebangs(
    make_service: Callable[..., Path],
) -> None:
    runtime = get_toolchain("python").runtime(service(make_service))
    assert runtime.exclude == ("dist/app/bin",)
