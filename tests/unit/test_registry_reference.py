"""Image references parse the way Docker parses them."""

from __future__ import annotations

import pytest

from pipelines.registry import InvalidReference, Reference


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("alpine", "docker.io", "library/alpine", "latest", None),
        ("alpine:3.20", "docker.io", "library/alpine", "3.20", None),
        ("bitnami/redis:7", "docker.io", "bitnami/redis", "7", None),
        ("index.docker.io/library/debian:12", "docker.io", "library/debian", "12", None),
        ("localhost/shop/cart", "localhost", "shop/cart", "latest", None),
        (
            "127.0.0.1:5000/commerce/cart:abc1234",
            "127.0.0.1:5000",
            "commerce/cart",
            "abc1234",
            None,
        ),
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/commerce/cart@sha256:" + "a" * 64,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "commerce/cart",
            None,
            "sha256:" + "a" * 64,
        ),
        ("ghcr.io/o/r:v1@sha256:" + "b" * 64, "ghcr.io", "o/r", "v1", "sha256:" + "b" * 64),
    ],
)
def test_reference_parses_registry_repository_tag_and_digest(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    assert Reference.parse(text) == Reference(registry, repository, tag, digest)


def test_docker_hub_is_reached_through_its_api_host() -> None:
    assert Reference.parse("alpine").api_host == "registry-1.docker.io"
    assert Reference.parse("ghcr.io/o/r").api_host == "ghcr.io"


def test_reference_renders_back_to_its_canonical_text() -> None:
    text = "127.0.0.1:5000/commerce/cart:v1@sha256:" + "c" * 64
    assert str(Reference.parse(text)) == text
    assert str(Reference.parse("alpine")) == "docker.io/library/alpine:latest"


def test_ref_prefers_the_digest_over_the_tag() -> None:
    pinned = Reference.parse("ghcr.io/o/r:v1").with_digest("sha256:" + "d" * 64)
    assert pinned.ref == "sha256:" + "d" * 64
    assert pinned.with_tag("v2").ref == "v2"


@pytest.mark.parametrize(
    "text",
    ["", " alpine", "Alpine", "ghcr.io/o/r:bad tag", "ghcr.io/o/r@sha256:short", "ghcr.io/o//r"],
)
def test_malformed_reference_is_rejected_naming_it(text: str) -> None:
    with pytest.raises(InvalidReference) as raised:
        Reference.parse(text)
    assert repr(text) in str(raised.value)
