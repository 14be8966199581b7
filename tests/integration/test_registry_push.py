"""Daemonless image build and push against a real registry (Bearer token auth)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from pipelines.registry import (
    ImageConfig,
    Owner,
    Reference,
    assemble,
    build_layer,
    oci_labels,
    pull_base,
    push_image,
)
from pipelines.registry.client import sha256

if TYPE_CHECKING:
    from registry_fixtures import RegistryServer, StaticBase


COMMIT_TIME = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
FILES = {"app/server": b"#!/bin/sh\necho hello\n", "app/config/settings.json": b'{"port": 8080}'}


def settings() -> ImageConfig:
    return ImageConfig(
        entrypoint=("/app/server",),
        user="65532:65532",
        exposed_ports=("8080",),
        env=(("PORT", "8080"),),
        workdir="/app",
        labels=oci_labels(
            source="https://example.com/shop.git",
            revision="0123456789abcdef",
            version="1.2.3",
            created=COMMIT_TIME,
        ),
        created=COMMIT_TIME,
    )


def build_and_push(server: RegistryServer, base: StaticBase, repository: str, tag: str):
    epoch = int(COMMIT_TIME.timestamp())
    with server.client() as client:
        image = assemble(
            pull_base(client, base.reference),
            build_layer(FILES, epoch=epoch, owner=Owner(65532, 65532)),
            settings(),
        )
        return image, push_image(image, client, repository, (tag,), base_client=client)


def test_pushed_image_reads_back_with_its_layer_and_config(
    upstream_registry: RegistryServer, static_base: StaticBase
) -> None:
    image, result = build_and_push(upstream_registry, static_base, "commerce/cart", "abc1234")

    manifest_bytes = upstream_registry.read("/v2/commerce/cart/manifests/abc1234").content
    manifest = json.loads(manifest_bytes)
    assert result.digest == image.digest == sha256(manifest_bytes)
    assert [layer["digest"] for layer in manifest["layers"]] == [
        static_base.layer.digest,
        image.layer.digest,
    ]
    config = upstream_registry.read(f"/v2/commerce/cart/blobs/{manifest['config']['digest']}")
    document = config.json()
    assert document["architecture"] == "amd64"
    assert document["rootfs"]["diff_ids"] == [static_base.layer.diff_id, image.layer.diff_id]
    runtime = document["config"]
    assert runtime["Entrypoint"] == ["/app/server"]
    assert "Cmd" not in runtime
    assert runtime["User"] == "65532:65532"
    assert runtime["ExposedPorts"] == {"8080/tcp": {}}
    assert "PORT=8080" in runtime["Env"]
    assert "PATH=/usr/local/bin:/usr/bin:/bin" in runtime["Env"]
    assert runtime["WorkingDir"] == "/app"
    assert runtime["Labels"]["org.opencontainers.image.revision"] == "0123456789abcdef"
    assert runtime["Labels"]["org.opencontainers.image.created"] == "2024-05-01T12:30:00Z"
    assert document["created"] == "2024-05-01T12:30:00Z"

    blob = upstream_registry.read(f"/v2/commerce/cart/blobs/{image.layer.digest}").content
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
        server_file = tar.getmember("app/server")
        assert tar.extractfile(server_file).read() == FILES["app/server"]  # type: ignore[union-attr]
        assert (server_file.uid, server_file.mtime) == (65532, int(COMMIT_TIME.timestamp()))


def test_manifest_list_base_resolves_to_linux_amd64(
    upstream_registry: RegistryServer, static_base: StaticBase
) -> None:
    with upstream_registry.client() as client:
        base = pull_base(client, static_base.reference)

    assert base.manifest.digest == static_base.amd64_digest != static_base.arm64_digest
    assert json.loads(base.config)["architecture"] == "amd64"


def test_same_inputs_give_same_digest_and_second_push_uploads_nothing(
    upstream_registry: RegistryServer, static_base: StaticBase
) -> None:
    first_image, first = build_and_push(upstream_registry, static_base, "commerce/cart", "v1")
    log_before = len(upstream_registry.access_log())

    second_image, second = build_and_push(upstream_registry, static_base, "commerce/cart", "v1")

    assert second_image.manifest == first_image.manifest
    assert second.digest == first.digest
    assert first.bytes_uploaded > 0
    assert second.bytes_uploaded == 0
    assert second.uploaded == () and not second.manifest_put
    writes = [
        entry
        for entry in upstream_registry.access_log()[log_before:]
        if entry.method in ("POST", "PUT", "PATCH") and entry.path.startswith("/v2/commerce/")
    ]
    assert writes == []


def test_base_layers_are_mounted_not_uploaded_within_one_registry(
    upstream_registry: RegistryServer, static_base: StaticBase
) -> None:
    _image, result = build_and_push(upstream_registry, static_base, "commerce/checkout", "v1")

    assert result.mounted == (static_base.layer.digest,)
    assert static_base.layer.digest not in result.uploaded
    mounts = [
        entry
        for entry in upstream_registry.access_log()
        if entry.method == "POST" and f"mount={static_base.layer.digest}" in unquote(entry.path)
    ]
    assert [entry.status for entry in mounts] == [201]


def test_tags_lists_every_pushed_tag(
    upstream_registry: RegistryServer, static_base: StaticBase
) -> None:
    build_and_push(upstream_registry, static_base, "commerce/cart", "abc1234")
    build_and_push(upstream_registry, static_base, "commerce/cart", "v1.2.3")

    with upstream_registry.client() as client:
        assert sorted(client.tags("commerce/cart")) == ["abc1234", "v1.2.3"]
        assert client.head_manifest("commerce/cart", "missing") is None


def test_pushed_reference_pins_the_digest(
    upstream_registry: RegistryServer, static_base: StaticBase
) -> None:
    _image, result = build_and_push(upstream_registry, static_base, "commerce/cart", "v1")

    assert result.reference == Reference.parse(
        f"{upstream_registry.address}/commerce/cart:v1@{result.digest}"
    )
