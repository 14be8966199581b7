"""Transient registry faults are retried; a push that cannot finish puts no manifest."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from pipelines.registry import (
    ImageConfig,
    RegistryClient,
    RegistryUnavailable,
    RetryPolicy,
    assemble,
    build_layer,
    pull_base,
    push_image,
)
from pipelines.registry.image import AssembledImage

if TYPE_CHECKING:
    from registry_fixtures import FaultProxy, RegistryServer, StaticBase


BLOB_PUT = r"^/v2/commerce/cart/blobs/uploads/"
MANIFEST = r"^/v2/commerce/cart/manifests/"


def image_for(upstream: RegistryServer, base: StaticBase) -> AssembledImage:
    payload = bytes(range(256)) * 4096  # 1 MiB, big enough to be cut mid-body
    with upstream.client() as client:
        return assemble(
            pull_base(client, base.reference),
            build_layer({"app/blob.bin": payload}, epoch=1_700_000_000, compresslevel=0),
            ImageConfig(entrypoint=("/app/server",)),
        )


def manifest_puts(proxy: FaultProxy) -> list[int]:
    return [e.status for e in proxy.seen if e.method == "PUT" and re.search(MANIFEST, e.path)]


def test_5xx_answers_are_retried_then_the_push_succeeds(
    upstream_registry: RegistryServer, static_base: StaticBase, fault_proxy: FaultProxy
) -> None:
    image = image_for(upstream_registry, static_base)
    fault_proxy.add("HEAD", r"/blobs/sha256:", "status", times=2, status=503)
    fault_proxy.add("POST", BLOB_PUT, "status", times=1, status=502)
    fault_proxy.add("PUT", MANIFEST, "status", times=2, status=500)
    retries: list[str] = []

    with fault_proxy.client(upstream_registry, log=retries.append) as client:
        result = push_image(image, client, "commerce/cart", ("v1",), base_client=client)

    assert result.manifest_put
    assert len(retries) == 5
    assert manifest_puts(fault_proxy) == [500, 500, 201]
    assert upstream_registry.read("/v2/commerce/cart/manifests/v1").content == image.manifest


def test_connection_cut_mid_upload_is_retried_and_the_manifest_comes_after_every_blob(
    upstream_registry: RegistryServer, static_base: StaticBase, fault_proxy: FaultProxy
) -> None:
    image = image_for(upstream_registry, static_base)
    fault_proxy.add("PUT", BLOB_PUT, "cut", times=1)

    with fault_proxy.client(upstream_registry) as client:
        result = push_image(image, client, "commerce/cart", ("v1",), base_client=client)

    blob_puts = [e for e in fault_proxy.seen if e.method == "PUT" and re.search(BLOB_PUT, e.path)]
    assert blob_puts[0].status == 0  # the cut
    assert result.bytes_uploaded > image.layer.size  # the cut upload was sent again
    last_blob_put = max(i for i, e in enumerate(fault_proxy.seen) if e in blob_puts)
    first_manifest_put = next(
        i for i, e in enumerate(fault_proxy.seen) if e.method == "PUT" and "/manifests/" in e.path
    )
    assert last_blob_put < first_manifest_put
    layer = upstream_registry.read(f"/v2/commerce/cart/blobs/{image.layer.digest}")
    assert layer.content == image.layer.data


def test_upload_cut_on_every_attempt_fails_and_puts_no_manifest(
    upstream_registry: RegistryServer, static_base: StaticBase, fault_proxy: FaultProxy
) -> None:
    image = image_for(upstream_registry, static_base)
    fault_proxy.add("PUT", BLOB_PUT, "cut", times=1000)

    with (
        fault_proxy.client(upstream_registry) as client,
        pytest.raises(RegistryUnavailable) as raised,
    ):
        push_image(image, client, "commerce/cart", ("v1",), base_client=client)

    assert fault_proxy.address in str(raised.value)
    assert "commerce/cart" in str(raised.value)
    assert manifest_puts(fault_proxy) == []
    assert not [
        e
        for e in upstream_registry.access_log()
        if e.method == "PUT" and "/manifests/" in e.path and e.path.startswith("/v2/commerce/")
    ]


def test_unreachable_registry_fails_after_retries_naming_it() -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
    with (
        RegistryClient("127.0.0.1:9", retry=policy, sleep=slept.append) as client,
        pytest.raises(RegistryUnavailable) as raised,
    ):
        client.ping()

    assert "127.0.0.1:9" in str(raised.value)
    assert "3 attempt" in str(raised.value)
    assert len(slept) == 2 and all(0 < delay <= 0.02 for delay in slept)
