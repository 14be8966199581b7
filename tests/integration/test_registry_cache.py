"""Base images come through a pull-through cache: the upstream serves each base blob once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pipelines.registry import (
    ImageConfig,
    Reference,
    RegistryAuthError,
    assemble,
    build_layer,
    pull_base,
    push_image,
)

if TYPE_CHECKING:
    from registry_fixtures import RegistryServer, StaticBase


SERVICES = ("cart", "checkout", "payment")


def base_blob_fetches(server: RegistryServer, base: StaticBase) -> dict[str, int]:
    counts = dict.fromkeys(base.blob_digests, 0)
    for entry in server.access_log():
        for digest in base.blob_digests:
            if entry.method == "GET" and entry.path == f"/v2/base/static/blobs/{digest}":
                counts[digest] += 1
    return counts


def test_many_images_on_one_base_fetch_each_base_blob_from_upstream_once(
    upstream_registry: RegistryServer, mirror_registry: RegistryServer, static_base: StaticBase
) -> None:
    fetches_after: list[dict[str, int]] = []
    through_mirror = Reference(mirror_registry.address, "base/static", "1")
    with mirror_registry.client() as mirror, upstream_registry.client() as target:
        for index, name in enumerate(SERVICES):
            image = assemble(
                pull_base(mirror, through_mirror),
                build_layer({f"app/{name}": name.encode()}, epoch=1_700_000_000 + index),
                ImageConfig(entrypoint=(f"/app/{name}",)),
            )
            result = push_image(image, target, f"commerce/{name}", ("v1",), base_client=mirror)
            assert static_base.layer.digest in result.uploaded  # copied through the mirror
            fetches_after.append(base_blob_fetches(upstream_registry, static_base))

    first, *rest = fetches_after
    assert all(count >= 1 for count in first.values())  # the cache was filled from upstream
    assert rest == [first] * (len(SERVICES) - 1)  # ... and never again
    served = [
        entry
        for entry in mirror_registry.access_log()
        if entry.method == "GET"
        and entry.path == f"/v2/base/static/blobs/{static_base.layer.digest}"
    ]
    assert [entry.status for entry in served] == [200] * len(SERVICES)


def test_mirror_logs_in_to_upstream_with_its_own_credentials(
    upstream_registry: RegistryServer, mirror_registry: RegistryServer, static_base: StaticBase
) -> None:
    with mirror_registry.client() as mirror:
        pull_base(mirror, Reference(mirror_registry.address, "base/static", "1"))

    assert upstream_registry.issuer is not None
    assert upstream_registry.username in upstream_registry.issuer.logins
    with (
        mirror_registry.client(password="not-the-mirror-password") as wrong,
        pytest.raises(RegistryAuthError),
    ):
        wrong.ping()
