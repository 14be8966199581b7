"""What every toolchain shares, held for each of them: SCA, overrides, install hints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.catalog import Service, load_service
from pipelines.sca.steps import INSTALL_HINTS as SCA_HINTS
from pipelines.sca.steps import sca_steps
from pipelines.steps import Stage, Step
from pipelines.toolchains import REGISTRY, get_toolchain
from pipelines.toolchains.base import TEST_REPORT_KINDS, ToolchainOptions

LANGUAGES = sorted(REGISTRY)
OPTIONS = ToolchainOptions()


def service(make_service: Callable[..., Path], language: str, **commands: str) -> Service:
    text = (
        f"name: cart\nlanguage: {language}\ndescription: d\nport: 8080\n"
        "image:\n  repository: commerce/cart\n"
    )
    if commands:
        text += "commands:\n" + "".join(f"  {k}: [{v}]\n" for k, v in commands.items())
    folder = make_service("cart", language, text=text)
    return load_service(folder / "service.yaml", folder.parents[1])


def steps(svc: Service, stage: Stage) -> tuple[Step, ...]:
    return get_toolchain(svc.language).steps(svc, stage, OPTIONS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("offline", [False, True])
def test_sca_is_the_shared_scan_of_the_lockfile(make_service, language, offline):
    svc = service(make_service, language)
    options = ToolchainOptions(offline_vulndb=offline)

    assert get_toolchain(language).steps(svc, Stage.SCA, options) == sca_steps(svc, options)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_toolchain_says_how_to_install_the_scanners(language):
    assert set(SCA_HINTS) <= set(get_toolchain(language).install_hints)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_build_override_keeps_the_outputs_the_image_reads(make_service, language):
    default = {o for s in steps(service(make_service, language), Stage.BUILD) for o in s.outputs}

    overridden = steps(service(make_service, language, build="make, all"), Stage.BUILD)

    assert overridden[0].argv == ("make", "all")
    assert overridden[0].name == "build (service command)"
    assert default <= {o for s in overridden for o in s.outputs}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_test_override_keeps_the_test_report_of_every_language_alike(make_service, language):
    default = steps(service(make_service, language), Stage.TEST)

    (step,) = steps(service(make_service, language, test="make, check"), Stage.TEST)

    promised = {(r.kind, r.path) for s in default for r in s.reports}
    assert promised and promised <= {(r.kind, r.path) for r in step.reports}
    assert step.stdout_to == next((s.stdout_to for s in default if s.stdout_to), None)


def test_a_lint_override_drops_findings_reports_that_the_gate_would_demand(make_service):
    (checkstyle,) = steps(service(make_service, "java"), Stage.LINT)
    assert {r.kind for r in checkstyle.reports} == {"sarif"}

    (step,) = steps(service(make_service, "java", lint="make, lint"), Stage.LINT)

    assert step.reports == ()
    assert not {r.kind for r in step.reports} - TEST_REPORT_KINDS


def test_a_python_build_override_is_still_normalised_for_reproducible_images(make_service):
    command, normalise = steps(service(make_service, "python", build="make, dist"), Stage.BUILD)

    assert command.argv == ("make", "dist")
    assert normalise.name.startswith("normalise")
