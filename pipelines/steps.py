"""Steps: what a stage runs, as plain data that both engines execute the same way.

A Step names its builder image (for the Dagger engine) and its argv (for both engines). Paths in
a Step are relative to the service folder, except where an argv item uses one of the
placeholders below, which each engine replaces with its own location of that thing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

#: The repository root (the whole repo is mounted, since inputs may live outside the service).
ROOT = "{root}"
#: The offline OSV database directory, when the run has one.
VULNDB = "{vulndb}"
PLACEHOLDERS = (ROOT, VULNDB)


def cache_path(name: str) -> str:
    """Placeholder for the location of the step's cache mount `name` (host dir or container
    path), for tools that take a cache location only as a flag (Maven's -Dmaven.repo.local)."""
    return "{cache:" + name + "}"


#: Where steps write machine-readable reports, relative to the service folder.
REPORT_DIR = ".commerce-ci"


class Stage(enum.StrEnum):
    BUILD = "build"
    TEST = "test"
    LINT = "lint"
    SCA = "sca"
    #: Assemble the service's image from the build's outputs and its runtime recipe.
    IMAGE = "image"
    #: Push that image (blobs the registry lacks, then its tags).
    PUSH = "push"
    #: List what the pushed image holds (syft) and audit that list (osv-scanner, the SCA gate).
    SBOM = "sbom"
    #: Sign the image digest and attach the SBOM and SLSA provenance as attestations (cosign).
    SIGN = "sign"
    #: Render the new image into the service's GitOps values file.
    MANIFEST = "manifest"
    #: Commit and push the values files of the run (one commit for every service).
    COMMIT = "commit"


class StageKind(enum.Enum):
    """Who does a stage's work, which is all the scheduler needs to know to run it."""

    #: The toolchain's Steps, run by the engine (processes or containers), then the gate.
    STEPS = "steps"
    #: A handler (pipelines.stages) working on what the service's earlier stages handed on.
    SERVICE = "service"
    #: Once for the whole run, over what every service handed on (pipelines.stages).
    RUN = "run"


class Part(enum.Enum):
    """A part of the run a stage cannot work without (a RunOptions field); the value says
    what to give the run for it."""

    IMAGES = "a registry (--registry HOST[/PREFIX])"
    ATTESTOR = "a signer (cosign key or keyless)"
    RELEASE = "a GitOps remote"

    @property
    def how(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class StageDecl:
    kind: StageKind
    #: What the run must be given for the stage; missing, the stage fails saying so.
    needs: Part | None = None
    #: Marked `cached` (not run) when the registry already holds an image of the inputs.
    cached_with_image: bool = False


#: Every stage, in pipeline order: how its work is done and what it needs. Adding a stage is a
#: line here, a member of `Stage`, and its handler in pipelines.stages (or toolchain Steps).
STAGES: Mapping[Stage, StageDecl] = MappingProxyType(
    {
        Stage.BUILD: StageDecl(StageKind.STEPS, cached_with_image=True),
        Stage.TEST: StageDecl(StageKind.STEPS, cached_with_image=True),
        Stage.LINT: StageDecl(StageKind.STEPS, cached_with_image=True),
        Stage.SCA: StageDecl(StageKind.STEPS, cached_with_image=True),
        Stage.IMAGE: StageDecl(StageKind.SERVICE, Part.IMAGES, cached_with_image=True),
        Stage.PUSH: StageDecl(StageKind.SERVICE, Part.IMAGES, cached_with_image=True),
        Stage.SBOM: StageDecl(StageKind.SERVICE, Part.ATTESTOR),
        Stage.SIGN: StageDecl(StageKind.SERVICE, Part.ATTESTOR),
        Stage.MANIFEST: StageDecl(StageKind.SERVICE, Part.RELEASE),
        Stage.COMMIT: StageDecl(StageKind.RUN, Part.RELEASE),
    }
)


def stages_of(kind: StageKind) -> tuple[Stage, ...]:
    return tuple(stage for stage, decl in STAGES.items() if decl.kind is kind)


def stages_needing(part: Part) -> tuple[Stage, ...]:
    return tuple(stage for stage, decl in STAGES.items() if decl.needs is part)


#: Stages whose work is toolchain Steps.
CHECK_STAGES: tuple[Stage, ...] = stages_of(StageKind.STEPS)
#: Stages that make and publish the image.
IMAGE_STAGES: tuple[Stage, ...] = stages_needing(Part.IMAGES)
#: Stages that say what the pushed image holds and who made it from what.
SUPPLY_STAGES: tuple[Stage, ...] = stages_needing(Part.ATTESTOR)
#: Stages that record the image in GitOps.
GITOPS_STAGES: tuple[Stage, ...] = stages_needing(Part.RELEASE)
RELEASE_STAGES: tuple[Stage, ...] = tuple(STAGES)


def parse_stages(text: str) -> tuple[Stage, ...]:
    """Stages from a comma list, in pipeline order whatever order they were given in."""
    names = {n.strip() for n in text.split(",") if n.strip()}
    unknown = sorted(names - {s.value for s in Stage})
    if unknown or not names:
        raise ValueError(
            f"unknown stage {', '.join(unknown) or '(none)'}; "
            f"choose from {', '.join(s.value for s in Stage)}"
        )
    return tuple(s for s in Stage if s.value in names)


ReportKind = Literal["junit", "sarif", "osv-json", "go-test-json", "cargo-test-text"]


@dataclass(frozen=True)
class CacheMount:
    """A cache volume: `path` inside a container; `env` points a host tool at the local copy."""

    name: str
    path: str
    env: str | None = None


@dataclass(frozen=True)
class ReportFile:
    """A file a step writes that the run report reads (test results, findings)."""

    kind: ReportKind
    path: str


@dataclass(frozen=True)
class Step:
    stage: Stage
    #: Short label for progress and logs, e.g. "go vet".
    name: str
    #: Builder image for the Dagger engine, pinned to a version.
    image: str
    argv: tuple[str, ...]
    #: Working directory relative to the service folder.
    workdir: str = "."
    env: Mapping[str, str] = field(default_factory=dict)
    caches: tuple[CacheMount, ...] = ()
    #: Build artifacts, relative to the service folder.
    outputs: tuple[str, ...] = ()
    reports: tuple[ReportFile, ...] = ()
    #: Save the step's stdout here (relative to the service folder) for tools that report on it.
    stdout_to: str | None = None
    #: Exit codes that do not fail the step by themselves (a gate may still fail it).
    ok_exit_codes: tuple[int, ...] = (0,)
    #: Host programs the local engine needs, beyond argv[0].
    tools: tuple[str, ...] = ()
    #: Programs to run in the builder image first (install a linter, say), Dagger engine only.
    setup: tuple[tuple[str, ...], ...] = ()

    @property
    def program(self) -> str:
        return self.argv[0]

    def resolved(self, values: Mapping[str, str]) -> tuple[str, ...]:
        """argv with placeholders replaced by `values` (keys from PLACEHOLDERS)."""
        out = []
        for arg in self.argv:
            for key, value in values.items():
                arg = arg.replace(key, value)
            out.append(arg)
        return tuple(out)
