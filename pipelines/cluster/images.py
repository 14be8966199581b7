"""The in-cluster essentials as images, built without a daemon and pushed to the embedded registry.

Their upstream images (registry.k8s.io/pause, coredns/coredns, otel/opentelemetry-collector,
prom/prometheus, redis) cannot be pulled here. Go programs (pause, CoreDNS, the collector) become
one layer holding the binary; Prometheus and Redis are Debian's packages unpacked into one layer
by the same code that builds the runtime bases (pipelines.images.bases). A tag already in the
registry is not pushed again; every image is deployed by digest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines.images.bases import BASE_CREATED, BASE_EPOCH, BaseSpec, build_base
from pipelines.registry.client import OCI_MANIFEST, RegistryClient, sha256
from pipelines.registry.image import OCI_CONFIG
from pipelines.registry.layers import Layer, LayerDir, LayerFile, build_layer

Log = Callable[[str], None]
PREFIX = "commerce-ci/cluster"


@dataclass(frozen=True)
class ImageSpec:
    """One image: a Go binary at `/usr/bin/<name>` or Debian `packages`, and how it runs."""

    name: str
    tag: str
    entrypoint: tuple[str, ...]
    binary: Path | None = None
    packages: tuple[str, ...] = ()
    user: str = "65532:65532"

    @property
    def repository(self) -> str:
        return f"{PREFIX}/{self.name}"


@dataclass(frozen=True)
class Pushed:
    spec: ImageSpec
    registry: str
    digest: str

    @property
    def reference(self) -> str:
        """`registry/repository@digest`: what a Pod spec names."""
        return f"{self.registry}/{self.spec.repository}@{self.digest}"

    @property
    def tagged(self) -> str:
        return f"{self.registry}/{self.spec.repository}:{self.spec.tag}"


def binary_layer(binary: Path, name: str) -> Layer:
    entries = {
        "usr": LayerDir(),
        "usr/bin": LayerDir(),
        f"usr/bin/{name}": LayerFile(binary, mode=0o755),
        "tmp": LayerDir(0o1777),
    }
    return build_layer(entries, epoch=BASE_EPOCH)


def image_config(spec: ImageSpec, diff_ids: list[str], env: list[str]) -> bytes:
    document = {
        "architecture": "amd64",
        "os": "linux",
        "created": BASE_CREATED,
        "config": {
            "Entrypoint": list(spec.entrypoint),
            "Env": env,
            "User": spec.user,
            "Labels": {"dev.commerce-ci.cluster.image": spec.name},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": BASE_CREATED, "created_by": f"commerce-ci cluster {spec.name}"}],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def manifest(config: bytes, layers: list[Layer]) -> bytes:
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(config), "size": len(config)},
        "layers": [
            {"mediaType": layer.media_type, "digest": layer.digest, "size": layer.size}
            for layer in layers
        ],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _build(
    spec: ImageSpec, cache_dir: Path, env: Mapping[str, str], log: Log
) -> tuple[Layer, bytes]:
    path_env = ["PATH=/usr/local/bin:/usr/bin:/bin"]
    if spec.binary is not None:
        layer = binary_layer(spec.binary, spec.name)
        return layer, image_config(spec, [layer.diff_id], path_env)
    base_spec = BaseSpec(f"cluster-{spec.name}", ("ca-certificates", "netbase", *spec.packages))
    built = build_base(spec.name, cache_dir, log=log, env=env, spec=base_spec)
    return built.layer, image_config(spec, [built.layer.diff_id], path_env)


def publish(
    client: RegistryClient, spec: ImageSpec, cache_dir: Path, env: Mapping[str, str], log: Log
) -> Pushed:
    """The image's digest in the registry, built and pushed only when its tag is missing."""
    existing = client.head_manifest(spec.repository, spec.tag)
    if existing is not None:
        return Pushed(spec, client.registry, existing)
    log(f"cluster: building image {spec.repository}:{spec.tag}")
    layer, config = _build(spec, cache_dir, env, log)
    for digest, data in ((layer.digest, layer.data), (sha256(config), config)):
        if not client.blob_exists(spec.repository, digest):
            client.upload_blob(spec.repository, digest, data)
    digest = client.put_manifest(spec.repository, spec.tag, manifest(config, [layer]), OCI_MANIFEST)
    log(f"cluster: pushed {spec.repository}:{spec.tag}@{digest}")
    return Pushed(spec, client.registry, digest)
