"""Stages declared as data, one handler each, results handed from stage to stage.

Everything here runs on stand-ins (no process starts): an engine that runs nothing, a
publisher and an attestor that record what they were handed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import anyio
import pytest

from pipelines.catalog import load_catalog
from pipelines.engines.base import RunContext
from pipelines.events import ListSink, StepStarted
from pipelines.images.publisher import ImageRecord
from pipelines.results import Status, StepOutcome
from pipelines.scheduler import RunOptions, run_services
from pipelines.stages import RUN_HANDLERS, SERVICE_HANDLERS
from pipelines.steps import STAGES, Stage, StageKind, Step
from pipelines.toolchains.base import Runtime

DIGEST = "sha256:" + "d" * 64
INPUTS = "sha256:" + "1" * 64
BUILD = Step(Stage.BUILD, "make", "img", ("make", "{root}/out"))


def test_every_stage_is_declared_in_pipeline_order():
    assert tuple(STAGES) == tuple(Stage)


def test_every_stage_that_is_not_steps_has_exactly_one_handler():
    service = {s for s, d in STAGES.items() if d.kind is StageKind.SERVICE}
    run = {s for s, d in STAGES.items() if d.kind is StageKind.RUN}
    assert set(SERVICE_HANDLERS) == service
    assert set(RUN_HANDLERS) == run


class _Engine:
    name = "fake"

    def __init__(self) -> None:
        self.ran: list[str] = []

    def missing_tools(self, step):
        return ()

    def display(self, step, service, ctx):
        return f"shown by the engine: {step.argv[0]}"

    async def run_step(self, step, service, ctx, log_path):
        self.ran.append(step.name)
        return StepOutcome(step, 0, 0.0, log_path)


class _Toolchain:
    language = "python"
    install_hints: dict[str, str] = {}

    def steps(self, service, stage, options):
        return (BUILD,) if stage is Stage.BUILD else ()

    def runtime(self, service):
        return Runtime("static", ("out",), ("out",))


@dataclasses.dataclass
class _Images:
    handed: list[tuple[str, object]] = dataclasses.field(default_factory=list)

    async def lookup(self, inputs, log):
        self.handed.append(("lookup", inputs.build))
        return None

    async def build(self, inputs, log):
        self.handed.append(("build", inputs.runtime))
        return ImageRecord(None, "", INPUTS)

    async def push(self, service, log):
        return ImageRecord(f"reg/{service.name}:t@{DIGEST}", DIGEST, INPUTS)


@dataclasses.dataclass
class _Attestor:
    signed: list[ImageRecord] = dataclasses.field(default_factory=list)

    async def sbom(self, service, record, root, log):
        return None

    async def sign(self, service, record, steps, log):
        self.signed.append(record)
        return dataclasses.replace(record, signature="reg/cart:sig")


def _run(tmp_path: Path, stages: tuple[Stage, ...], **parts):
    folder = tmp_path / "services" / "cart"
    folder.mkdir(parents=True)
    (folder / "service.yaml").write_text(
        "name: cart\nlanguage: python\ndescription: x\nport: 80\n"
        "image:\n  repository: commerce/cart\n"
    )
    (folder / "requirements.txt").write_text("")
    catalog = load_catalog(tmp_path)
    ctx = RunContext(tmp_path, tmp_path / "cache", tmp_path / "reports", revision="c0ffee")
    engine, sink = _Engine(), ListSink()
    options = RunOptions(stages=stages, **parts)
    run = run_services(
        list(catalog), engine, ctx, options, sink, toolchain_for=lambda s: _Toolchain()
    )
    return anyio.run(lambda: run), engine, sink


def _stage(result, stage: Stage):
    return next(s for s in result.services[0].stages if s.stage is stage)


def test_the_image_stages_get_the_build_steps_and_runtime_the_run_derived(tmp_path):
    images = _Images()

    _run(tmp_path, (Stage.BUILD, Stage.IMAGE, Stage.PUSH), images=images)

    assert images.handed == [("lookup", (BUILD,)), ("build", _Toolchain().runtime(None))]


def test_sign_signs_the_image_push_handed_on_and_the_report_keeps_what_sign_handed_on(tmp_path):
    attestor = _Attestor()
    stages = (Stage.IMAGE, Stage.PUSH, Stage.SBOM, Stage.SIGN)

    result, _, _ = _run(tmp_path, stages, images=_Images(), attestor=attestor)

    assert [r.digest for r in attestor.signed] == [DIGEST]
    assert result.extra["services"]["cart"]["image"]["signature"] == "reg/cart:sig"


@pytest.mark.parametrize(
    ("stages", "parts", "failed", "reason"),
    [
        ((Stage.IMAGE,), {}, Stage.IMAGE, "the image stage needs a registry"),
        ((Stage.IMAGE, Stage.PUSH, Stage.SBOM), {"images": _Images()}, Stage.SBOM, "a signer"),
        ((Stage.MANIFEST,), {"release": object()}, Stage.MANIFEST, "needs a pushed image"),
    ],
)
def test_a_stage_without_what_it_needs_fails_saying_what(tmp_path, stages, parts, failed, reason):
    result, _, _ = _run(tmp_path, stages, **parts)

    stage = _stage(result, failed)
    assert stage.status is Status.FAILED
    assert reason in (stage.reason or "")


def test_progress_shows_the_command_as_the_engine_renders_it(tmp_path):
    _, _, sink = _run(tmp_path, (Stage.BUILD,))

    (started,) = [e for e in sink.events if isinstance(e, StepStarted)]
    assert started.command == "shown by the engine: make"


def test_the_result_names_the_revision_the_run_is_at(tmp_path):
    result, _, _ = _run(tmp_path, (Stage.BUILD,))

    assert result.revision == "c0ffee"
