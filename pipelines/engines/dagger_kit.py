"""What the Dagger engine brings to a run: the engine, its image publisher and its attestor.

From the CLI (`--engine dagger`) the kit connects to a Dagger engine for the length of the run,
uploads the repository from the host and signs with the host's cosign. Inside `dagger call` the
Dagger module is connected already and gives its Dagger objects: the source directory, the
offline vulnerability database, the registry logins (Secrets) and the signer, so syft, cosign
and osv-scanner run as containers too.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.engines.dagger import DaggerEngine, session

if TYPE_CHECKING:
    import dagger

    from pipelines.engines.base import Engine, RunContext
    from pipelines.engines.dagger_images import DaggerPublisher, RegistryLogin
    from pipelines.engines.dagger_supply import DaggerSigner
    from pipelines.images.config import ImageSettings
    from pipelines.settings import Settings
    from pipelines.supply.stage import Attestor


@dataclass(frozen=True)
class DaggerKit:
    name: str = "dagger"
    #: The repository as the module received it (None: uploaded from the host).
    source: dagger.Directory | None = None
    vulndb: dagger.Directory | None = None
    logins: Mapping[str, RegistryLogin] = field(default_factory=dict)
    #: Sign in containers with this; None: with the host's cosign (the CLI's way).
    signer: DaggerSigner | None = None
    #: Open a connection for the run; False inside `dagger call`, which is connected.
    connect: bool = True

    @contextlib.asynccontextmanager
    async def session(self, ctx: RunContext) -> AsyncIterator[DaggerEngine]:
        engine = DaggerEngine(source=self.source, vulndb=self.vulndb)
        if not self.connect:
            yield engine
            return
        async with session():
            yield engine

    def publisher(self, image: ImageSettings, engine: Engine, ctx: RunContext) -> DaggerPublisher:
        from pipelines.engines.dagger_images import DaggerPublisher

        if not isinstance(engine, DaggerEngine):
            raise TypeError(f"the Dagger publisher works on a DaggerEngine, not {engine!r}")
        return DaggerPublisher(image, ctx.root, engine, ctx, logins=self.logins)

    def attestor(self, image: ImageSettings, settings: Settings, ctx: RunContext) -> Attestor:
        from pipelines.engines.dagger_supply import (
            DaggerAttestor,
            docker_config_secret,
            options_for,
        )

        if self.signer is None:
            from pipelines.supply.cli import attestor_for

            return attestor_for(settings, image, ctx)
        registry = image.target.registry
        login = image.credentials.get(registry) if image.credentials is not None else None
        config = docker_config_secret(
            registry, login.username if login else "", login.password if login else None
        )
        options = options_for(ctx.report_dir, {}, ctx.vulndb, settings.fail_on)
        return DaggerAttestor(image, options, self.signer, docker_config=config, vulndb=self.vulndb)
