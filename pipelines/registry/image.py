"""Daemonless image assembly: a base image from a registry plus one reproducible layer.

`pull_base` reads the base (a manifest list resolves to one platform), `assemble` is pure (base
+ layer + runtime settings -> config and manifest bytes, digests included), and `push_image`
sends only what the target registry lacks, then puts the manifest last. The manifest is never
put while a blob it names is missing, so a failed push leaves no half image behind a tag.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pipelines.registry.client import (
    DOCKER_MANIFEST,
    LINUX_AMD64,
    OCI_MANIFEST,
    Manifest,
    Platform,
    RegistryClient,
    sha256,
)
from pipelines.registry.errors import RegistryError
from pipelines.registry.layers import DOCKER_LAYER_GZIP, OCI_LAYER_GZIP, Layer
from pipelines.registry.reference import Reference

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
LABEL_SOURCE = "org.opencontainers.image.source"
LABEL_REVISION = "org.opencontainers.image.revision"
LABEL_VERSION = "org.opencontainers.image.version"
LABEL_CREATED = "org.opencontainers.image.created"
ANNOTATION_BASE_DIGEST = "org.opencontainers.image.base.digest"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("image timestamps must be timezone-aware (use the commit time)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def oci_labels(
    *, source: str, revision: str, version: str, created: datetime
) -> tuple[tuple[str, str], ...]:
    """The OCI labels every service image carries, all fixed by the commit, not the clock."""
    return (
        (LABEL_SOURCE, source),
        (LABEL_REVISION, revision),
        (LABEL_VERSION, version),
        (LABEL_CREATED, rfc3339(created)),
    )


@dataclass(frozen=True)
class ImageConfig:
    """The runtime part of a toolchain's image recipe."""

    entrypoint: tuple[str, ...] = ()
    #: None keeps no Cmd when an entrypoint is set (as a Dockerfile ENTRYPOINT does).
    cmd: tuple[str, ...] | None = None
    user: str | None = None
    exposed_ports: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    workdir: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    #: The commit time: the config's `created`, and the new history entry's.
    created: datetime = EPOCH
    created_by: str = "commerce-ci image"


@dataclass(frozen=True)
class BaseImage:
    registry: str
    repository: str
    manifest: Manifest
    config: bytes

    @property
    def manifest_json(self) -> dict[str, Any]:
        return self.manifest.json()

    @property
    def config_descriptor(self) -> dict[str, Any]:
        return dict(self.manifest_json["config"])

    @property
    def layers(self) -> tuple[dict[str, Any], ...]:
        return tuple(self.manifest_json.get("layers") or ())


@dataclass(frozen=True)
class AssembledImage:
    media_type: str
    manifest: bytes
    digest: str
    config: bytes
    config_digest: str
    layer: Layer
    base: BaseImage


@dataclass(frozen=True)
class PushResult:
    reference: Reference
    digest: str
    tags: tuple[str, ...]
    uploaded: tuple[str, ...]
    mounted: tuple[str, ...]
    present: tuple[str, ...]
    bytes_uploaded: int
    manifest_put: bool


class BlobSource(Protocol):
    """Where a base's blobs are read from: a RegistryClient, or a run's cache in front of one."""

    registry: str

    def get_blob(self, repository: str, digest: str) -> bytes: ...


def pull_base(
    client: RegistryClient, reference: Reference, platform: Platform = LINUX_AMD64
) -> BaseImage:
    manifest = client.resolve_image(reference.repository, reference.ref, platform)
    descriptor = manifest.json().get("config") or {}
    config = client.get_blob(reference.repository, str(descriptor.get("digest")))
    return BaseImage(
        registry=client.registry,
        repository=reference.repository,
        manifest=manifest,
        config=config,
    )


def _dumps(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _port(port: str) -> str:
    return port if "/" in port else f"{port}/tcp"


def _merged_env(base: Iterable[str], extra: tuple[tuple[str, str], ...]) -> list[str]:
    merged: dict[str, str] = {}
    for item in base:
        key, _, value = item.partition("=")
        merged[key] = value
    merged.update(extra)
    return [f"{key}={value}" for key, value in merged.items()]


def _image_config(base: BaseImage, layer: Layer, settings: ImageConfig) -> dict[str, Any]:
    document = json.loads(base.config)
    diff_ids = list((document.get("rootfs") or {}).get("diff_ids") or [])
    if len(diff_ids) != len(base.layers):
        raise RegistryError(
            base.registry, base.repository, "base config and manifest disagree on its layers"
        )
    runtime = dict(document.get("config") or {})
    if settings.entrypoint:
        runtime["Entrypoint"] = list(settings.entrypoint)
        runtime.pop("Cmd", None)
    if settings.cmd is not None:
        runtime["Cmd"] = list(settings.cmd)
    if settings.user is not None:
        runtime["User"] = settings.user
    if settings.exposed_ports:
        ports = dict(runtime.get("ExposedPorts") or {})
        ports.update({_port(port): {} for port in settings.exposed_ports})
        runtime["ExposedPorts"] = ports
    if settings.env:
        runtime["Env"] = _merged_env(runtime.get("Env") or [], settings.env)
    if settings.workdir is not None:
        runtime["WorkingDir"] = settings.workdir
    if settings.labels:
        runtime["Labels"] = {**(runtime.get("Labels") or {}), **dict(settings.labels)}
    created = rfc3339(settings.created)
    document["config"] = runtime
    document["created"] = created
    document["rootfs"] = {"type": "layers", "diff_ids": [*diff_ids, layer.diff_id]}
    document["history"] = [
        *(document.get("history") or []),
        {"created": created, "created_by": settings.created_by},
    ]
    return document


def assemble(base: BaseImage, layer: Layer, settings: ImageConfig) -> AssembledImage:
    """Pure: the same base, layer and settings give the same bytes and digest anywhere."""
    config = _dumps(_image_config(base, layer, settings))
    docker = base.manifest.media_type == DOCKER_MANIFEST
    media_type = DOCKER_MANIFEST if docker else OCI_MANIFEST
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": {
            "mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
            "digest": sha256(config),
            "size": len(config),
        },
        "layers": [
            *base.layers,
            {
                "mediaType": DOCKER_LAYER_GZIP if docker else OCI_LAYER_GZIP,
                "digest": layer.digest,
                "size": layer.size,
            },
        ],
    }
    if not docker:
        manifest["annotations"] = {ANNOTATION_BASE_DIGEST: base.manifest.digest}
    data = _dumps(manifest)
    return AssembledImage(
        media_type=media_type,
        manifest=data,
        digest=sha256(data),
        config=config,
        config_digest=sha256(config),
        layer=layer,
        base=base,
    )


def push_image(
    image: AssembledImage,
    target: RegistryClient,
    repository: str,
    tags: tuple[str, ...],
    *,
    base_client: BlobSource,
) -> PushResult:
    """Push blobs the target lacks (HEAD first, mount within one registry), then the manifest.

    `base_client` is the registry the base was pulled from (often a pull-through mirror); its
    layers are mounted when it is the target registry, copied through otherwise.
    """
    sent_before = target.bytes_uploaded
    sent = _Sent()
    base = image.base
    same_registry = base_client.registry == target.registry
    for descriptor in base.layers:
        digest = str(descriptor["digest"])
        if target.blob_exists(repository, digest):
            sent.present.append(digest)
        elif (
            same_registry
            and base.repository != repository
            and target.mount_blob(repository, digest, base.repository)
        ):
            sent.mounted.append(digest)
        else:
            target.upload_blob(repository, digest, base_client.get_blob(base.repository, digest))
            sent.uploaded.append(digest)
    for digest, data in (
        (image.layer.digest, image.layer.data),
        (image.config_digest, image.config),
    ):
        if target.blob_exists(repository, digest):
            sent.present.append(digest)
        else:
            target.upload_blob(repository, digest, data)
            sent.uploaded.append(digest)
    _check_blobs(image, target, repository)
    manifest_put = _put_manifest(image, target, repository, tags)
    return PushResult(
        reference=Reference(target.registry, repository, tags[0] if tags else None, image.digest),
        digest=image.digest,
        tags=tags,
        uploaded=tuple(sent.uploaded),
        mounted=tuple(sent.mounted),
        present=tuple(sent.present),
        bytes_uploaded=target.bytes_uploaded - sent_before,
        manifest_put=manifest_put,
    )


@dataclass
class _Sent:
    """What a push did with each blob."""

    uploaded: list[str] = field(default_factory=list)
    mounted: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


def _check_blobs(image: AssembledImage, target: RegistryClient, repository: str) -> None:
    """A manifest is never put while a blob it names is missing."""
    every_blob = [str(d["digest"]) for d in image.base.layers]
    every_blob += [image.layer.digest, image.config_digest]
    missing = [digest for digest in every_blob if not target.blob_exists(repository, digest)]
    if missing:
        raise RegistryError(
            target.registry, repository, f"blobs missing after upload, manifest not put: {missing}"
        )


def _put_manifest(
    image: AssembledImage, target: RegistryClient, repository: str, tags: tuple[str, ...]
) -> bool:
    """The manifest under each tag that does not name it yet; whether any was put."""
    put = False
    for ref in tags or (image.digest,):
        if target.head_manifest(repository, ref) == image.digest:
            continue
        target.put_manifest(repository, ref, image.manifest, image.media_type)
        put = True
    return put
