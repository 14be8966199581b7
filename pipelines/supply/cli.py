"""The run's host Attestor from its settings (the local engine's, and `--engine dagger`'s from
the CLI): the signing key from cosign_key/cosign_pub, syft and cosign on the host."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.images.config import ImageSettings
from pipelines.supply.keys import signing_key
from pipelines.supply.stage import Attestor, SupplyOptions

if TYPE_CHECKING:
    from pipelines.engines.base import RunContext
    from pipelines.settings import Settings

SUPPLY_SETTINGS = ("cosign_key", "cosign_pub")


def attestor_for(settings: Settings, image: ImageSettings, ctx: RunContext) -> Attestor:
    """Signer from cosign_key/cosign_pub; logins, labels and registry from `image`."""
    key = signing_key(
        settings.cosign_key,
        settings.cosign_pub,
        ctx.env,
        settings.cache_dir,
        settings.source("cosign_key"),
    )
    options = SupplyOptions(
        key=key,
        report_dir=ctx.report_dir,
        env=ctx.env,
        engine=settings.engine,
        vulndb=ctx.vulndb,
        severity_threshold=settings.fail_on,
    )
    return Attestor(image, options)
