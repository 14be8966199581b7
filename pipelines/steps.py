"""Steps: what a stage runs, as plain data that both engines execute the same way.

A Step names its builder image (for the Dagger engine) and its argv (for both engines). Paths in
a Step are relative to the service folder, except where an argv item uses one of the
placeholders below, which each engine replaces with its own location of that thing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
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


#: Stages whose work is toolchain Steps.
CHECK_STAGES: tuple[Stage, ...] = (Stage.BUILD, Stage.TEST, Stage.LINT, Stage.SCA)
#: Stages that make and publish the image.
IMAGE_STAGES: tuple[Stage, ...] = (Stage.IMAGE, Stage.PUSH)
#: Stages that say what the pushed image holds and who made it from what.
SUPPLY_STAGES: tuple[Stage, ...] = (Stage.SBOM, Stage.SIGN)
#: Stages that record the image in GitOps.
GITOPS_STAGES: tuple[Stage, ...] = (Stage.MANIFEST, Stage.COMMIT)
RELEASE_STAGES: tuple[Stage, ...] = CHECK_STAGES + IMAGE_STAGES + SUPPLY_STAGES + GITOPS_STAGES


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
