"""Go Steps derived from service.yaml alone: no process runs here."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pipelines.catalog import Service, load_service
from pipelines.steps import CHECK_STAGES, Stage
from pipelines.toolchains import get_toolchain
from pipelines.toolchains.base import ToolchainOptions

OPTIONS = ToolchainOptions()
OVERRIDE = """\
name: cart
language: go
description: A test service
port: 8080
image:
  repository: commerce/cart
commands:
  test: [go, test, -race, ./...]
  lint: [golangci-lint, run]
"""


def service(make_service: Callable[..., Path], text: str | None = None) -> Service:
    folder = make_service("cart", "go", text=text)
    return load_service(folder / "service.yaml", folder.parents[1])


def steps(svc: Service, stage: Stage, options: ToolchainOptions = OPTIONS):
    return get_toolchain("go").steps(svc, stage, options)


def test_every_step_uses_the_pinned_go_image(make_service: Callable[..., Path]) -> None:
    svc = service(make_service)
    images = {s.image for stage in CHECK_STAGES for s in steps(svc, stage) if stage != Stage.SCA}
    assert len(images) == 1
    assert re.fullmatch(r"golang:\d+\.\d+\.\d+-bookworm", images.pop())


def test_build_writes_a_static_binary_named_like_the_service(
    make_service: Callable[..., Path],
) -> None:
    (build,) = steps(service(make_service), Stage.BUILD)
    assert build.argv[:2] == ("go", "build")
    assert build.argv[-3:] == ("-o", "bin/cart", ".")
    assert build.outputs == ("bin/cart",)
    assert build.env["CGO_ENABLED"] == "0"


def test_module_and_build_caches_are_mounted_with_their_env_vars(
    make_service: Callable[..., Path],
) -> None:
    (build,) = steps(service(make_service), Stage.BUILD)
    assert {c.env for c in build.caches} == {"GOMODCACHE", "GOCACHE"}


def test_tests_report_as_go_test_json_saved_from_stdout(make_service: Callable[..., Path]) -> None:
    (test,) = steps(service(make_service), Stage.TEST)
    assert test.argv == ("go", "test", "-vet=off", "-json", "./...")
    assert test.stdout_to == ".commerce-ci/go-test.json"
    assert [(r.kind, r.path) for r in test.reports] == [
        ("go-test-json", ".commerce-ci/go-test.json")
    ]


def test_lint_is_go_vet_then_a_gofmt_that_exits_non_zero_on_a_diff(
    make_service: Callable[..., Path],
) -> None:
    vet, fmt = steps(service(make_service), Stage.LINT)
    assert vet.argv == ("go", "vet", "./...")
    assert fmt.argv[:2] == ("gofmt", "-d")
    assert "-l" not in fmt.argv  # -l exits 0 on findings


def test_service_commands_override_test_and_lint(make_service: Callable[..., Path]) -> None:
    svc = service(make_service, OVERRIDE)
    (test,) = steps(svc, Stage.TEST)
    (lint,) = steps(svc, Stage.LINT)
    assert test.argv == ("go", "test", "-race", "./...")
    # The report is kept, read when the command writes it (`go test -json ...` does).
    assert test.stdout_to == ".commerce-ci/go-test.json"
    assert lint.argv == ("golangci-lint", "run")
    # -race needs cgo: a service's own command runs without the build's settings.
    assert "CGO_ENABLED" not in test.env and "-trimpath" not in test.env["GOFLAGS"]


def test_build_test_and_vet_share_the_builds_settings_so_they_share_compiled_packages(
    make_service: Callable[..., Path],
) -> None:
    svc = service(make_service)
    (build,) = steps(svc, Stage.BUILD)
    (test,) = steps(svc, Stage.TEST)
    vet, _ = steps(svc, Stage.LINT)
    # go vet runs every check in lint; the subset go test would run is not run twice.
    assert "-vet=off" in test.argv and vet.argv == ("go", "vet", "./...")
    for step in (build, test, vet):
        assert step.env["CGO_ENABLED"] == "0", step.name
        assert step.env["GOFLAGS"] == "-mod=readonly -trimpath", step.name
        assert step.caches == build.caches, step.name


def test_a_build_override_stays_static(make_service: Callable[..., Path]) -> None:
    text = OVERRIDE + "  build: [go, build, -o, bin/cart, ./cmd/cart]\n"
    (build,) = steps(service(make_service, text), Stage.BUILD)
    assert build.env["CGO_ENABLED"] == "0"
    assert build.outputs == ("bin/cart",)


def test_sca_scans_go_mod_offline_when_asked(make_service: Callable[..., Path]) -> None:
    semgrep, osv = steps(service(make_service), Stage.SCA, ToolchainOptions(offline_vulndb=True))
    assert semgrep.program == "semgrep"
    assert osv.argv[osv.argv.index("--lockfile") + 1] == "go.mod"
    assert osv.argv[-3:] == ("--offline", "--local-db-path", "{vulndb}")


def test_runtime_is_the_static_binary_alone(make_service: Callable[..., Path]) -> None:
    runtime = get_toolchain("go").runtime(service(make_service))
    assert runtime.base == "static"
    assert runtime.files == ("bin/cart",)
    assert runtime.command == ("bin/cart",)
    assert runtime.env == ()


def test_runtime_runs_the_file_the_build_writes(make_service: Callable[..., Path]) -> None:
    svc = service(make_service)
    (build,) = steps(svc, Stage.BUILD)
    assert get_toolchain("go").runtime(svc).command[0] in build.outputs
