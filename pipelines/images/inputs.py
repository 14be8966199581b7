"""The input digest: one hash of everything that can change a service's image, and nothing else.

It covers:
- the service's files and its declared `inputs` (what git tracks or would track, so build
  outputs and ignored caches never count), service.yaml included;
- the build stage's Steps (builder image, argv, env, workdir, outputs): how the files under
  /app come to be;
- the runtime recipe: which of them the image carries and how it runs them;
- the base image's digest, and the source URL the image is labelled with.
It leaves out how a service is checked (the test, lint and SCA Steps: a vulnerability
database, a scanner's flags), which never changes the image, and the commit itself, so the
same inputs at a later commit reuse the image. Every engine hashes the same `ImageInputs`
(pipelines.images.publisher), so one registry cache serves every runner.

The registry keeps it as a tag on the pushed image, so any runner, however fresh, can ask
"was this exact input already shipped?"
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pipelines import processes
from pipelines.catalog import Service
from pipelines.errors import PlanError
from pipelines.images.publisher import ImageInputs
from pipelines.steps import Step

#: Bump when what the digest covers changes, so old tags stop matching.
SCHEME = "commerce-ci/inputs/v2"
TAG_PREFIX = "inputs-"
GIT_TIMEOUT_S = 60.0


def input_tag(digest: str) -> str:
    """The registry tag recording an input digest (`sha256:<hex>` -> `inputs-<hex>`)."""
    return TAG_PREFIX + digest.removeprefix("sha256:")


def _pathspecs(service: Service) -> list[str]:
    return [service.path, *(f":(glob){pattern}" for pattern in service.spec.inputs)]


def tracked_files(root: Path, service: Service) -> list[str]:
    """Files git tracks, or would (untracked but not ignored), under the service and its inputs."""
    argv = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"]
    done = processes.run([*argv, *_pathspecs(service)], timeout_s=GIT_TIMEOUT_S, cwd=root)
    if not done.ok:
        why = f"no answer in {GIT_TIMEOUT_S:g}s" if done.timed_out else done.stderr.strip()
        raise PlanError(f"git ls-files failed in {root}: {why}")
    return sorted({name for name in done.out.decode().split("\0") if name})


def _file_digest(path: Path) -> str | None:
    if path.is_symlink():
        return "link:" + str(path.readlink())
    if not path.is_file():
        return None  # tracked but deleted in the work tree: it is not an input any more
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    executable = "x" if path.stat().st_mode & 0o111 else "-"
    return f"{executable}{digest.hexdigest()}"


def _build_document(steps: Sequence[Step]) -> list[dict[str, Any]]:
    return [
        {
            "image": step.image,
            "argv": list(step.argv),
            "env": dict(sorted(step.env.items())),
            "workdir": step.workdir,
            "outputs": list(step.outputs),
            "setup": [list(command) for command in step.setup],
        }
        for step in steps
    ]


def input_digest(
    root: Path, inputs: ImageInputs, *, base_digest: str, extra: Sequence[str] = ()
) -> str:
    """`sha256:<hex>` over what makes the image (see the module docstring); equal inputs give
    equal digests anywhere. `extra` carries the image settings that end up in the image (the
    source label), so that changing them invalidates the cache too."""
    service = inputs.service
    files = {name: _file_digest(root / name) for name in tracked_files(root, service)}
    document = {
        "scheme": SCHEME,
        "service": service.spec.model_dump(mode="json"),
        "files": {name: digest for name, digest in files.items() if digest is not None},
        "build": _build_document(inputs.build),
        "runtime": asdict(inputs.runtime),
        "base": base_digest,
        "extra": list(extra),
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(encoded).hexdigest()
