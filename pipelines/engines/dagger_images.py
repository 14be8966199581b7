"""The Dagger engine's image and push stages (its registry mirrors: `dagger_mirrors`).

An image is the toolchain's runtime recipe applied with the container API: the runtime base
(pinned by the digest the input digest covers, read through the mirror when one is set), the
recipe's files copied from the service folder as the engine's build left it, then the user,
entrypoint, port, env and OCI labels. Push is `with_registry_auth` then `publish` per tag, the
input tag last, so a tag that tells later runs "these inputs are shipped" never exists without
the image. Looking an input digest up (and retagging a hit) is the local engine's: it is plain
registry HTTP, which works as well from inside a Dagger module as from the CLI.

Engine calls go through three small methods (`_glob`, `_sync`, `_publish`): everything else is
lazy query building, so tests check the exact chains without an engine, as for the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.logs import append_line

if TYPE_CHECKING:
    import dagger

    from pipelines.catalog import Service
    from pipelines.engines.base import RunContext
    from pipelines.engines.dagger import DaggerEngine
    from pipelines.images.config import ImageSettings
    from pipelines.images.publisher import ImageInputs, ImageRecord
    from pipelines.registry.image import ImageConfig
    from pipelines.toolchains.base import Runtime

#: Every image is built for the platform the clusters run, whatever the runner is.
PLATFORM = "linux/amd64"

# --- the image chain --------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryLogin:
    """A login whose password stays a Secret: only its id is ever part of a query."""

    username: str
    secret: dagger.Secret = field(repr=False)


def copy_filters(
    runtime: Runtime, dev_packages: Collection[str] = ()
) -> tuple[list[str], list[str]]:
    """(include, exclude) patterns for copying the service folder to /app.

    The recipe's `files` globs are dockerignore-style already (`dist/**`). A left-out folder
    is named with and without `/**`, so that it goes whether the copy matches the folder or
    only what is in it.
    """
    include = list(dict.fromkeys(runtime.files))
    exclude: list[str] = []
    for path in sorted({*runtime.exclude, *dev_packages}):
        exclude += [path, f"{path}/**"]
    return include, exclude


def image_container(
    service: Service,
    runtime: Runtime,
    workspace: dagger.Directory,
    *,
    base_ref: str,
    config: ImageConfig,
    dev_packages: Collection[str] = (),
    base_login: tuple[str, RegistryLogin] | None = None,
) -> dagger.Container:
    """The service's image as a lazy container: base, files under /app, then its config.

    `workspace` is the repository as the service's last step left it: the service folder is
    `service.path` inside it, and runtime assets (proto/) are repository folders.
    """
    import dagger
    from dagger import dag

    from pipelines.images.recipe import APP_DIR

    ctr = dag.container(platform=dagger.Platform(PLATFORM))
    if base_login is not None:
        registry, login = base_login
        ctr = ctr.with_registry_auth(registry, login.username, login.secret)
    ctr = ctr.from_(base_ref)
    include, exclude = copy_filters(runtime, dev_packages)
    # Every file's mtime is the commit time, as in the local engine's layer, so that unchanged
    # inputs give unchanged layers whenever the build ran.
    epoch = int(config.created.timestamp())
    ctr = ctr.with_directory(
        APP_DIR,
        workspace.directory(service.path).with_timestamps(epoch),
        include=include,
        exclude=exclude,
    )
    for source, dest in runtime.assets:
        folder = workspace.directory(source).with_timestamps(epoch)
        ctr = ctr.with_directory(f"{APP_DIR}/{dest.strip('/')}", folder)
    ctr = ctr.with_workdir(config.workdir or APP_DIR)
    if config.user:
        ctr = ctr.with_user(config.user)
    for name, value in config.env:
        ctr = ctr.with_env_variable(name, value)
    for name, value in config.labels:
        ctr = ctr.with_label(name, value)
    for port in config.exposed_ports:
        ctr = ctr.with_exposed_port(int(port.split("/", 1)[0]))
    return ctr.with_entrypoint(list(config.entrypoint))


def authenticated(
    ctr: dagger.Container, registry: str, login: RegistryLogin | None
) -> dagger.Container:
    """The container with the registry's login attached; the Secret travels by reference."""
    if login is None:
        return ctr
    return ctr.with_registry_auth(registry, login.username, login.secret)


def published_digest(published: str) -> str:
    """The digest `publish` answers with (`host/repo:tag@sha256:...`)."""
    from pipelines.images.recipe import ImageError
    from pipelines.registry.reference import Reference, is_digest

    digest = Reference.parse(published).digest
    if digest is None or not is_digest(digest):
        raise ImageError(f"the engine published {published!r}, which names no sha256 digest")
    return digest


# --- the publisher ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Built:
    container: dagger.Container
    input_digest: str


class DaggerPublisher:
    """ImagePublisher for the Dagger engine (pipelines.images.publisher).

    It works on the run's DaggerEngine, whose workspaces hold what each service's build left.
    Input digests, bases and lookups are plain registry HTTP, the local engine's publisher's
    (the same code, the same `ImageInputs`: the same digest, whichever engine asks).
    """

    def __init__(
        self,
        settings: ImageSettings,
        root: Path,
        engine: DaggerEngine,
        ctx: RunContext,
        *,
        logins: Mapping[str, RegistryLogin] | None = None,
    ) -> None:
        from pipelines.images.local import LocalPublisher

        self.settings = settings
        self.root = root
        self.engine = engine
        self.ctx = ctx
        self._logins = dict(logins or {})
        self._lookups = LocalPublisher(settings, root, cache_dir=ctx.cache_dir, env=ctx.env)
        self._built: dict[str, _Built] = {}

    def close(self) -> None:
        self._lookups.close()

    def __enter__(self) -> DaggerPublisher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- registries ----------------------------------------------------------------------

    def login(self, registry: str) -> RegistryLogin | None:
        """The login for `registry`: given, else the run's credentials handed to the engine
        as a Secret (never as a container argument, a cache key or a log line)."""
        if registry in self._logins:
            return self._logins[registry]
        provider = self.settings.credentials_at(registry)
        credentials = provider.get(registry) if provider is not None else None
        if credentials is None:
            return None
        from dagger import dag

        secret = dag.set_secret(f"commerce-ci-registry-{registry}", credentials.password)
        self._logins[registry] = RegistryLogin(credentials.username, secret)
        return self._logins[registry]

    def base_ref(self, kind: str) -> str:
        """The runtime base, pinned to the digest the input digest covers (read through the
        mirror when one is set: that is where the lookup resolved it)."""
        from pipelines.images.config import BASE_TAG
        from pipelines.registry.reference import Reference

        base = self._lookups.base(kind)
        return str(Reference(base.registry, base.repository, BASE_TAG, base.manifest.digest))

    def repository_ref(self, service: Service, tag: str, digest: str | None = None) -> str:
        from pipelines.registry.reference import Reference

        registry = self.settings.target.registry
        return str(Reference(registry, self.settings.repository(service), tag, digest))

    def push_tags(self, input_digest: str) -> tuple[str, ...]:
        """Short sha, `vX.Y.Z` when releasing one, and the input tag last."""
        from pipelines.images.inputs import input_tag

        return (*self.settings.tags(), input_tag(input_digest))

    def container(
        self, service: Service, runtime: Runtime, files: Collection[str], base_ref: str
    ) -> dagger.Container:
        """The lazy image chain over `base_ref` (see `base_ref`); `files` are the
        service-relative paths the build produced. npm dev packages are read from the
        lockfile in the host's checkout, which the build does not change (`npm ci`)."""
        from pipelines.images.recipe import image_config, npm_dev_packages

        dev: frozenset[str] = frozenset()
        if runtime.npm_lockfile:
            dev = npm_dev_packages(service.folder(self.root) / runtime.npm_lockfile)
        registry = base_ref.split("/", 1)[0]
        login = self.login(registry)
        return image_container(
            service,
            runtime,
            self.engine.workspace(service, self.ctx),
            base_ref=base_ref,
            config=image_config(service, runtime, self.settings.meta, dict.fromkeys(files)),
            dev_packages=dev,
            base_login=(registry, login) if login is not None else None,
        )

    # -- engine calls (the seams tests replace) ------------------------------------------

    async def _glob(self, folder: dagger.Directory, pattern: str) -> list[str]:
        return await folder.glob(pattern)

    async def _sync(self, ctr: dagger.Container) -> None:
        await ctr.sync()

    async def _publish(self, ctr: dagger.Container, ref: str) -> str:
        return await ctr.publish(ref)

    # -- the stages ----------------------------------------------------------------------

    async def prepare(self, bases: Collection[str], log: Callable[[str], None]) -> None:
        """Runtime bases the registry lacks are built from Debian packages on this side (the
        module's runtime image is Debian) and pushed, as the local engine does."""
        await self._lookups.prepare(bases, log)

    async def lookup(self, inputs: ImageInputs, log: Path) -> ImageRecord | None:
        return await self._lookups.lookup(inputs, log)

    async def present_files(self, service: Service, runtime: Runtime) -> tuple[str, ...]:
        """What the recipe's patterns match in the built service folder; a pattern matching
        nothing fails here, naming it, rather than giving an image without its binary."""
        from pipelines.images.recipe import ImageError

        folder = self.engine.workspace(service, self.ctx).directory(service.path)
        found: list[str] = []
        for pattern in runtime.files:
            matches = await self._glob(folder, pattern)
            if not matches:
                raise ImageError(
                    f"{service.path}: runtime file {pattern!r} not found; run the build stage first"
                )
            found += matches
        return tuple(dict.fromkeys(found))

    async def build(self, inputs: ImageInputs, log: Path) -> ImageRecord:
        import anyio
        import dagger

        from pipelines.images.publisher import ImageRecord
        from pipelines.images.recipe import ImageError

        service, runtime = inputs.service, inputs.runtime
        try:
            files = await self.present_files(service, runtime)
            # The lookup computed it already (the scheduler looks up before it builds).
            digest = await anyio.to_thread.run_sync(self._lookups.input_digest_of, inputs)
            base_ref = await anyio.to_thread.run_sync(self.base_ref, runtime.base)
            append_line(log, f"base {runtime.base}: {base_ref}")
            ctr = self.container(service, runtime, files, base_ref)
            await self._sync(ctr)
        except dagger.QueryError as exc:
            raise ImageError(
                f"{service.path}: the Dagger engine could not build the image: {exc}"
            ) from exc
        self._built[service.name] = _Built(ctr, digest)
        paths = f"{len(files)} paths under /app"
        append_line(log, f"assembled {service.name}: {paths} (input {digest})")
        # The engine names the digest only when it publishes.
        return ImageRecord(ref=None, digest="", input_digest=digest)

    async def push(self, service: Service, log: Path) -> ImageRecord:
        import dagger

        from pipelines.images.publisher import ImageRecord
        from pipelines.images.recipe import ImageError

        built = self._built.get(service.name)
        if built is None:
            raise ImageError(f"{service.path}: push needs the image stage first")
        registry = self.settings.target.registry
        ctr = authenticated(built.container, registry, self.login(registry))
        tags = self.push_tags(built.input_digest)
        digests: list[str] = []
        try:
            # The input tag goes last: it marks the inputs shipped once all else is there.
            for tag in tags:
                published = await self._publish(ctr, self.repository_ref(service, tag))
                digests.append(published_digest(published))
                append_line(log, f"published {self.repository_ref(service, tag, digests[-1])}")
        except dagger.QueryError as exc:
            raise ImageError(
                f"{service.path}: the Dagger engine could not push the image: {exc}"
            ) from exc
        if len(set(digests)) != 1:
            raise ImageError(f"{service.path}: tags of one image got different digests {digests}")
        return ImageRecord(
            ref=self.repository_ref(service, tags[0], digests[0]),
            digest=digests[0],
            input_digest=built.input_digest,
            tags=tags,
        )
