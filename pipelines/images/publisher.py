"""What an engine's image and push stages take and return, and the protocol the scheduler calls."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.steps import Step
    from pipelines.toolchains.base import Runtime


@dataclass(frozen=True)
class ImageInputs:
    """What a service's image is made from, as the run derived it: the build stage's Steps
    (how the files under /app come to be) and the runtime recipe (which files, how they run).

    The scheduler hands the same value to whichever engine publishes, so the input digest of
    one service is the same whatever engine, runner or run options (a vulnerability database,
    say) computes it."""

    service: Service
    build: tuple[Step, ...]
    runtime: Runtime


@dataclass(frozen=True)
class ImageRecord:
    """One service's image: what report.json records under `services.<name>.image`."""

    #: `registry/repository:tag@digest` once pushed; None while only built.
    ref: str | None
    digest: str
    input_digest: str
    tags: tuple[str, ...] = ()
    #: Blob bytes sent by the push that made this record (0 when nothing was new).
    bytes_uploaded: int = 0
    #: True when the registry already had these inputs and nothing was built.
    reused: bool = False
    #: `registry/repository@digest` of the runtime base the image is assembled on.
    base: str | None = None
    #: cosign's signature reference (`repo:sha256-<hex>.sig`) once the sign stage passed.
    signature: str | None = None
    #: cosign's attestations reference (`repo:sha256-<hex>.att`: SBOM and provenance).
    attestations: str | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "ref": self.ref,
            "digest": self.digest,
            "input_digest": self.input_digest,
        }
        if self.base is not None:
            out["base"] = self.base
        if self.signature is not None:
            out["signature"] = self.signature
            out["attestations"] = self.attestations
        return out


class ImagePublisher(Protocol):
    """Builds and pushes service images for one run; each engine brings its own."""

    async def prepare(self, bases: Collection[str], log: Callable[[str], None]) -> None:
        """The runtime bases of these kinds, published where the base registry lacks them."""
        ...

    async def lookup(self, inputs: ImageInputs, log: Path) -> ImageRecord | None:
        """The image already pushed for the service's current input digest, tagged for this
        commit (no blob sent), or None when these inputs were never shipped."""
        ...

    async def build(self, inputs: ImageInputs, log: Path) -> ImageRecord:
        """Assemble the image from the build's outputs (ref stays None until pushed)."""
        ...

    async def push(self, service: Service, log: Path) -> ImageRecord:
        """Push what `build` assembled: blobs the registry lacks, then the tags."""
        ...

    def close(self) -> None:
        """Let go of registry connections (the run is over)."""
        ...
