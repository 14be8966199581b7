"""Image assembly is pure: base + layer + settings -> the same manifest bytes anywhere."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from pipelines.registry import BaseImage, ImageConfig, assemble, build_layer, oci_labels
from pipelines.registry.client import DOCKER_MANIFEST, OCI_MANIFEST, Manifest, sha256
from pipelines.registry.layers import DOCKER_LAYER_GZIP

COMMIT = datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
BASE_LAYER = build_layer({"etc/passwd": b"root:x:0:0::/:/sbin/nologin\n"}, epoch=0)


def base(media_type: str = OCI_MANIFEST) -> BaseImage:
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/bin", "LANG=C"], "Cmd": ["/bin/sh"], "Labels": {"a": "1"}},
            "rootfs": {"type": "layers", "diff_ids": [BASE_LAYER.diff_id]},
            "history": [{"created_by": "base"}],
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {"mediaType": "x", "digest": sha256(config), "size": len(config)},
            "layers": [{"mediaType": "y", "digest": BASE_LAYER.digest, "size": BASE_LAYER.size}],
        }
    ).encode()
    return BaseImage(
        "r.example.com", "base/static", Manifest(media_type, manifest, sha256(manifest)), config
    )


SETTINGS = ImageConfig(
    entrypoint=("/app/server", "--serve"),
    user="65532",
    exposed_ports=("8080", "9464/tcp"),
    env=(("PORT", "8080"), ("LANG", "C.UTF-8")),
    workdir="/app",
    labels=oci_labels(source="https://x/shop.git", revision="abc", version="1.0.0", created=COMMIT),
    created=COMMIT,
)


def test_assembling_twice_gives_identical_bytes_and_digest() -> None:
    layer = build_layer({"app/server": b"bin"}, epoch=int(COMMIT.timestamp()))
    first, second = assemble(base(), layer, SETTINGS), assemble(base(), layer, SETTINGS)
    assert (first.manifest, first.config, first.digest) == (
        second.manifest,
        second.config,
        second.digest,
    )
    assert first.digest == sha256(first.manifest)


def test_config_carries_the_runtime_recipe_over_the_base() -> None:
    layer = build_layer({"app/server": b"bin"}, epoch=0)
    config = json.loads(assemble(base(), layer, SETTINGS).config)
    runtime = config["config"]
    assert runtime["Entrypoint"] == ["/app/server", "--serve"]
    assert "Cmd" not in runtime  # an entrypoint resets the base's Cmd
    assert runtime["User"] == "65532"
    assert runtime["ExposedPorts"] == {"8080/tcp": {}, "9464/tcp": {}}
    assert runtime["Env"] == ["PATH=/bin", "LANG=C.UTF-8", "PORT=8080"]
    assert runtime["WorkingDir"] == "/app"
    assert runtime["Labels"]["a"] == "1"
    assert runtime["Labels"]["org.opencontainers.image.created"] == "2024-05-01T12:30:00Z"
    assert config["created"] == "2024-05-01T12:30:00Z"
    assert config["rootfs"]["diff_ids"] == [BASE_LAYER.diff_id, layer.diff_id]
    assert len(config["history"]) == 2


def test_manifest_appends_the_layer_and_records_the_base_digest() -> None:
    layer = build_layer({"app/server": b"bin"}, epoch=0)
    image = assemble(base(), layer, SETTINGS)
    manifest = json.loads(image.manifest)
    assert manifest["mediaType"] == OCI_MANIFEST
    assert [entry["digest"] for entry in manifest["layers"]] == [BASE_LAYER.digest, layer.digest]
    assert manifest["config"]["digest"] == image.config_digest
    assert manifest["annotations"]["org.opencontainers.image.base.digest"] == base().manifest.digest


def test_a_docker_base_gives_a_docker_manifest() -> None:
    layer = build_layer({"app/server": b"bin"}, epoch=0)
    manifest = json.loads(assemble(base(DOCKER_MANIFEST), layer, SETTINGS).manifest)
    assert manifest["mediaType"] == DOCKER_MANIFEST
    assert manifest["layers"][-1]["mediaType"] == DOCKER_LAYER_GZIP
    assert "annotations" not in manifest


def test_a_changed_file_changes_the_digest() -> None:
    one = assemble(base(), build_layer({"app/server": b"v1"}, epoch=0), SETTINGS)
    two = assemble(base(), build_layer({"app/server": b"v2"}, epoch=0), SETTINGS)
    assert one.digest != two.digest


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        oci_labels(source="s", revision="r", version="v", created=datetime(2024, 1, 1))
