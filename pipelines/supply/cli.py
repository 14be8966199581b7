"""The run's Attestor from its settings, for `commerce-ci release` (and `run` with the stages)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.images.config import ImageSettings
from pipelines.supply.keys import signing_key
from pipelines.supply.stage import Attestor, SupplyOptions

SUPPLY_SETTINGS = ("cosign_key", "cosign_pub")


def attestor_for(
    settings: Any,
    image: ImageSettings,
    env: Mapping[str, str],
    engine_env: Mapping[str, str],
    vulndb: Path | None,
) -> Attestor:
    """Signer from cosign_key/cosign_pub; logins, labels and registry from `image`."""
    key = signing_key(
        settings.cosign_key,
        settings.cosign_pub,
        {**engine_env, **env, "PATH": engine_env.get("PATH", "")},
        settings.cache_dir,
        settings.source("cosign_key"),
    )
    options = SupplyOptions(
        key=key,
        report_dir=settings.report_dir,
        env=engine_env,
        engine=settings.engine,
        vulndb=vulndb,
        severity_threshold=settings.fail_on,
    )
    return Attestor(image, options)
