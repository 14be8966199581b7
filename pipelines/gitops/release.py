"""The release chain's GitOps stages: `manifest` per service, then one `commit` for the run.

`manifest` renders the new image into the service's values file as the repository has it now
(so a values file the round trip cannot edit fails that service early, before anything is
pushed to GitOps) and keeps the rendering under the report dir for review. `commit` then writes
every prepared update in one commit to the GitOps remote, with fetch-rebase-retry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from pipelines.catalog import Service
from pipelines.gitops.commands import GitOpsOptions, ImageUpdate, write_back
from pipelines.gitops.errors import GitOpsError
from pipelines.gitops.git import GitOpsRemote
from pipelines.gitops.values import set_image, values_path
from pipelines.images.publisher import ImageRecord
from pipelines.logs import append_line
from pipelines.registry.reference import Reference


def image_update(
    service: str, env_name: str, ref: str, digest: str, source_commit: str
) -> ImageUpdate:
    """What a pushed image (`registry/repository:tag@digest`) writes into a values file: the
    one rule for a release job's own commit and for the fan-in of many jobs' reports."""
    reference = Reference.parse(ref)
    return ImageUpdate(
        service=service,
        env=env_name,
        repository=f"{reference.registry}/{reference.repository}",
        tag=reference.tag or digest,
        digest=digest,
        source_commit=source_commit,
    )


@dataclass(frozen=True)
class ReleaseWriter:
    remote: GitOpsRemote
    env_name: str
    root: Path
    report_dir: Path
    workdir: Path
    source_commit: str
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    def update_for(self, service: Service, record: ImageRecord) -> ImageUpdate:
        if record.ref is None:
            raise GitOpsError(f"{service.name}: the image was not pushed, nothing to record")
        return image_update(
            service.name, self.env_name, record.ref, record.digest, self.source_commit
        )

    def manifest_sync(self, service: Service, record: ImageRecord, log: Path) -> ImageUpdate:
        update = self.update_for(service, record)
        relpath = values_path(self.env_name, service.name)
        source = self.root / relpath
        if not source.is_file():
            raise GitOpsError(f"{relpath}: no values file for {service.name} in {self.env_name}")
        from pipelines.limits import read_text

        rendered = set_image(read_text(source, relpath), update.image, relpath)
        out = self.report_dir / "manifests" / relpath
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(rendered, encoding="utf-8")
        tmp.replace(out)
        append_line(log, f"{relpath}: image {update.repository}:{update.tag}@{update.digest}")
        return update

    def commit_sync(self, updates: Sequence[ImageUpdate], log: Path) -> dict[str, Any]:
        options = GitOpsOptions(
            workdir=self.workdir, environ=self.environ, log=lambda line: append_line(log, line)
        )
        result = write_back(self.remote, updates, options=options)
        append_line(log, f"{result.commit[:12]} {result.subject or '(nothing to change)'}")
        return {**result.to_report(), "changed": result.changed}

    async def manifest(self, service: Service, record: ImageRecord, log: Path) -> ImageUpdate:
        return await anyio.to_thread.run_sync(self.manifest_sync, service, record, log)

    async def commit(self, updates: Sequence[ImageUpdate], log: Path) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(self.commit_sync, updates, log)
