"""The handlers of the stages that are not toolchain Steps: one each, in two tables.

`pipelines.steps.STAGES` declares what kind each stage is; the scheduler runs `STEPS` stages on
the engine and looks the others up here. A service's handlers are chained: each gets what the
service's earlier stages handed on (`Carried`) and returns what it hands on, so the image that
push made is the one sign signs, with nothing kept on the side. The run-level handler gets what
every service that did not fail handed on.

Adding a stage is its `Stage` member and `StageDecl` in pipelines/steps.py and its handler here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pipelines.errors import CommerceCiError, StageError
from pipelines.images.publisher import ImageInputs
from pipelines.steps import CHECK_STAGES, Part, Stage, Step

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.engines.base import RunContext
    from pipelines.gitops.release import ReleaseWriter
    from pipelines.images.publisher import ImagePublisher, ImageRecord
    from pipelines.scheduler import RunOptions
    from pipelines.supply.stage import Attestor
    from pipelines.toolchains.base import Toolchain, ToolchainOptions

T = TypeVar("T")


@dataclass(frozen=True)
class Carried:
    """What a service's stages hand on to the next ones, and at the end to the run."""

    #: The image: found by the lookup, built, pushed, then signed.
    image: ImageRecord | None = None
    #: The values-file update the manifest stage prepared for the run's commit.
    manifest: Any = None


def image_inputs(service: Service, toolchain: Toolchain, options: ToolchainOptions) -> ImageInputs:
    """What the service's image is made from, as this run derives it (for every engine)."""
    return ImageInputs(
        service, toolchain.steps(service, Stage.BUILD, options), toolchain.runtime(service)
    )


def needs(value: T | None, part: Part, stage: Stage) -> T:
    """`value`, the part of the run `stage` needs, or a StageError saying how to give it."""
    if value is None:
        raise StageError(f"the {stage} stage needs {part.how}")
    return value


@dataclass(frozen=True)
class Job:
    """One stage of one service: what its handler works with."""

    stage: Stage
    service: Service
    toolchain: Toolchain
    ctx: RunContext
    options: RunOptions
    log: Path

    @property
    def images(self) -> ImagePublisher:
        return needs(self.options.images, Part.IMAGES, self.stage)

    @property
    def attestor(self) -> Attestor:
        return needs(self.options.attestor, Part.ATTESTOR, self.stage)

    @property
    def release(self) -> ReleaseWriter:
        return needs(self.options.release, Part.RELEASE, self.stage)

    def inputs(self) -> ImageInputs:
        return image_inputs(self.service, self.toolchain, self.options.toolchain)

    def check_steps(self) -> tuple[Step, ...]:
        """Every Step of the check stages (the provenance lists how the image was checked)."""
        derive = self.toolchain.steps
        return tuple(
            s for st in CHECK_STAGES for s in derive(self.service, st, self.options.toolchain)
        )

    def pushed(self, carried: Carried) -> ImageRecord:
        if carried.image is None or carried.image.ref is None:
            raise StageError(f"the {self.stage} stage needs a pushed image (image and push stages)")
        return carried.image


Handler = Callable[[Job, Carried], Awaitable[Carried]]


async def image(job: Job, carried: Carried) -> Carried:
    return replace(carried, image=await job.images.build(job.inputs(), job.log))


async def push(job: Job, carried: Carried) -> Carried:
    return replace(carried, image=await job.images.push(job.service, job.log))


async def sbom(job: Job, carried: Carried) -> Carried:
    pushed = job.pushed(carried)
    await job.attestor.sbom(job.service, pushed, job.ctx.root, job.log)
    return carried


async def sign(job: Job, carried: Carried) -> Carried:
    pushed = job.pushed(carried)
    signed = await job.attestor.sign(job.service, pushed, job.check_steps(), job.log)
    return replace(carried, image=signed)


async def manifest(job: Job, carried: Carried) -> Carried:
    pushed = job.pushed(carried)
    return replace(carried, manifest=await job.release.manifest(job.service, pushed, job.log))


#: The handler of every SERVICE stage (pipelines.steps.STAGES).
SERVICE_HANDLERS: Mapping[Stage, Handler] = {
    Stage.IMAGE: image,
    Stage.PUSH: push,
    Stage.SBOM: sbom,
    Stage.SIGN: sign,
    Stage.MANIFEST: manifest,
}


@dataclass(frozen=True)
class RunJob:
    """A run-level stage: what every service that did not fail handed on."""

    stage: Stage
    ctx: RunContext
    options: RunOptions
    log: Path
    carried: Mapping[str, Carried]


@dataclass(frozen=True)
class RunDone:
    """What a run-level stage did: for whom, and what report.json gets at its top level."""

    #: The services the stage worked for; the others get `left_out` as their skip reason.
    included: tuple[str, ...]
    left_out: str
    extra: Mapping[str, object] = field(default_factory=dict)
    #: Why it failed, for every included service; None when it passed.
    error: str | None = None


RunHandler = Callable[[RunJob], Awaitable[RunDone]]


async def commit(job: RunJob) -> RunDone:
    """One GitOps commit with every prepared values-file update."""
    updates = {name: c.manifest for name, c in job.carried.items() if c.manifest is not None}
    done = RunDone(tuple(updates), "no manifest to commit")
    if not updates:
        return done
    release = needs(job.options.release, Part.RELEASE, job.stage)
    try:
        gitops = await release.commit(list(updates.values()), job.log)
    except CommerceCiError as exc:
        return replace(done, error=str(exc))
    return replace(done, extra={"gitops": gitops})


#: The handler of every RUN stage (pipelines.steps.STAGES).
RUN_HANDLERS: Mapping[Stage, RunHandler] = {Stage.COMMIT: commit}
