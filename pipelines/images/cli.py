"""`commerce-ci images` and `commerce-ci bases`.

The target registry is `--registry` (or its env var / file key); with none, both use the
embedded registry (pipelines.registry.server), as `release` does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import ConfigError, ExitCode
from pipelines.images.config import (
    RegistryTarget,
    credentials_for,
    embedded_target,
    image_settings,
)
from pipelines.settings import Settings, add_flags, from_args

if TYPE_CHECKING:
    from pipelines.supply.verify import SignatureCheck

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]

#: The settings (pipelines/settings.py) image commands read.
IMAGE_SETTINGS = ("registry", "base_registry", "base_mirror", "source_url")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def add_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    images = subparsers.add_parser(
        "images",
        help="list the images the registry holds for a service",
        description="Tags of the service's repository, grouped by digest; the input-digest tag "
        "(inputs-...) marks what a later run may reuse instead of building.",
    )
    images.add_argument("service", metavar="SERVICE")
    images.add_argument("--json", action="store_true", help="print JSON")
    add_flags(images, ["registry", "services_dir", "cosign_pub", "cache_dir"])

    bases = subparsers.add_parser(
        "bases",
        help="build runtime base images from Debian packages and push them",
        description="Build the runtime bases (static, glibc, jre, node, python) from Debian's "
        "packages, daemonless, and push those the base registry lacks.",
    )
    bases.add_argument("kinds", nargs="*", metavar="KIND", help="default: every kind")
    add_flags(bases, ["base_registry", "registry", "cache_dir"])
    return {"images": cmd_images, "bases": cmd_bases}


def cmd_bases(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.images.bases import BASE_KINDS, ensure_bases

    settings = from_args(args, env, root)
    unknown = sorted(set(args.kinds) - set(BASE_KINDS))
    if unknown:
        raise ConfigError("KIND", None, f"unknown base {unknown[0]!r}; one of {BASE_KINDS}")
    kinds = args.kinds or list(BASE_KINDS)
    if settings.registry is None and settings.base_registry is not None:
        # Only the base registry is named: push there, no need for a target registry.
        target = RegistryTarget.parse(
            settings.base_registry, settings.source("base_registry"), "base_registry"
        )
        image = image_settings(settings, env, root, target)
        ensure_bases(image, kinds, settings.cache_dir, _stderr, env)
        return ExitCode.OK
    with embedded_target(settings, env, _stderr) as target:
        image = image_settings(settings, env, root, target)
        ensure_bases(image, kinds, settings.cache_dir, _stderr, env)
    return ExitCode.OK


def _image_rows(
    repository: str,
    by_digest: Mapping[str, list[str]],
    settings: Settings,
    env: Mapping[str, str],
    root: Path,
) -> list[dict[str, object]]:
    """One row per image digest; cosign's own tags (`sha256-<hex>.sig/.att`) become the row's
    `signature`/`attestations`, and `verified` says whether cosign accepts the signature with
    the configured public key (None: no signature, or no key to check it with here)."""
    from pipelines.supply.cosign import attestation_tag, signature_tag

    cosign_tags = {t for tags in by_digest.values() for t in tags if _is_cosign_tag(t)}
    check = _signature_check_or_none(settings, env, root)
    rows: list[dict[str, object]] = []
    for digest, tags in sorted(by_digest.items(), key=lambda item: sorted(item[1])):
        if all(_is_cosign_tag(t) for t in tags):
            continue
        signature = signature_tag(digest) if signature_tag(digest) in cosign_tags else None
        attestations = attestation_tag(digest) if attestation_tag(digest) in cosign_tags else None
        verified = None
        if signature is not None and check is not None:
            verified = _verifies(check, repository, digest)
        rows.append(
            {
                "repository": repository,
                "digest": digest,
                "tags": sorted(tags),
                "signature": f"{repository}:{signature}" if signature else None,
                "attestations": f"{repository}:{attestations}" if attestations else None,
                "verified": verified,
            }
        )
    return rows


def _signed_state(row: Mapping[str, object]) -> str:
    if row["signature"] is None:
        return "unsigned"
    if row["verified"] is None:
        return "signature present, no key here to verify it"
    return "signed" if row["verified"] else "signature does NOT verify with the configured key"


def _is_cosign_tag(tag: str) -> bool:
    return tag.startswith("sha256-") and tag.rsplit(".", 1)[-1] in ("sig", "att", "sbom")


def _signature_check_or_none(
    settings: Settings, env: Mapping[str, str], root: Path
) -> SignatureCheck | None:
    from pipelines.engines.local import host_env
    from pipelines.supply.verify import signature_check

    try:
        return signature_check(settings.cosign_pub, host_env(env, root), settings.cache_dir)
    except ConfigError:
        return None


def _verifies(check: SignatureCheck, repository: str, digest: str) -> bool:
    from pipelines.supply.verify import UnsignedImage

    try:
        check(repository, digest)
    except UnsignedImage:
        return False
    return True


def cmd_images(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.catalog import load_catalog
    from pipelines.registry.client import RegistryClient
    from pipelines.registry.errors import RegistryNotFound

    settings = from_args(args, env, root)
    catalog = load_catalog(root, settings.services_dir, settings.source("services_dir"))
    (service,) = catalog.select([args.service])
    with embedded_target(settings, env, _stderr) as target:
        repository = target.repository(service.spec.image.repository)
        with RegistryClient(target.registry, credentials_for(target.registry, env)) as client:
            by_digest: dict[str, list[str]] = {}
            try:
                tags = client.tags(repository)
            except RegistryNotFound:
                tags = []
            for tag in tags:
                digest = client.head_manifest(repository, tag)
                if digest:
                    by_digest.setdefault(digest, []).append(tag)
    rows = _image_rows(f"{target.registry}/{repository}", by_digest, settings, env, root)
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print(f"{target.registry}/{repository}: no images")
    else:
        for row in rows:
            state = _signed_state(row)
            print(f"{row['repository']}@{row['digest']}  {' '.join(row['tags'])}  [{state}]")
    return ExitCode.OK
