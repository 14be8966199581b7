"""The one run both front ends call: bad input refused before anything starts, and only the
parts its stages need asked of the engine's kit."""

from __future__ import annotations

import contextlib
from pathlib import Path

import anyio
import pytest

from pipelines.catalog import load_catalog
from pipelines.errors import ConfigError
from pipelines.events import ListSink
from pipelines.images.config import RegistryTarget
from pipelines.results import StepOutcome
from pipelines.run.assemble import RunRequest, check, execute
from pipelines.settings import resolve
from pipelines.steps import Stage


@pytest.fixture
def root(tmp_path: Path, make_service) -> Path:
    make_service(name="cart", language="go")
    return tmp_path


def request(root: Path, stages: tuple[Stage, ...], **more) -> RunRequest:
    settings = resolve(more.pop("flags", {}), {}, root, root)
    services = tuple(load_catalog(root))
    return RunRequest(root, settings, services, stages, {"PATH": "/usr/bin:/bin"}, **more)


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ((Stage.BUILD, Stage.IMAGE), "--registry: the image and push stages need a registry"),
        ((Stage.SBOM,), "--registry: the image and push stages need a registry"),
    ],
)
def test_a_stage_that_needs_a_registry_without_one_is_bad_input(root, stages, message):
    with pytest.raises(ConfigError, match=message):
        check(request(root, stages))


def test_manifest_and_commit_without_a_gitops_remote_are_bad_input(root):
    registry = RegistryTarget("registry.example")

    with pytest.raises(ConfigError, match="--gitops-remote"):
        check(request(root, (Stage.MANIFEST, Stage.COMMIT), registry=registry))


def test_an_offline_database_that_is_not_a_folder_is_bad_input_naming_the_setting(root):
    asked = request(root, (Stage.SCA,), flags={"vuln_db": str(root / "nope")})

    with pytest.raises(ConfigError, match=r"--vuln-db: vuln_db: .*nope is not a dir"):
        check(asked)


class _Kit:
    """Records what the run asks of it; its engine runs nothing."""

    name = "fake"

    def __init__(self) -> None:
        self.asked: list[str] = []

    @contextlib.asynccontextmanager
    async def session(self, ctx):
        self.asked.append("session")
        yield self

    def publisher(self, image, engine, ctx):
        self.asked.append("publisher")
        raise AssertionError("a check-only run needs no publisher")

    def attestor(self, image, settings, ctx):
        self.asked.append("attestor")
        raise AssertionError("a check-only run needs no attestor")

    def missing_tools(self, step):
        return ()

    def display(self, step, service, ctx):
        return step.name

    async def run_step(self, step, service, ctx, log_path):
        return StepOutcome(step, 0, 0.0, log_path)


@pytest.mark.processes  # git names the run's revision
def test_a_check_only_run_asks_the_kit_for_its_engine_and_nothing_else(root):
    kit = _Kit()
    asked = request(root, (Stage.BUILD, Stage.LINT), registry=RegistryTarget("r.example"))

    result = anyio.run(execute, asked, kit, ListSink(), lambda _line: None)

    assert not result.failed
    assert kit.asked == ["session"]
    assert (root / "reports" / "report.json").is_file()
