"""The local engine's image and push stages: no Docker daemon, the OCI distribution API only.

One publisher serves a whole run: registry clients (connection pools, tokens) and the resolved
runtime bases are shared, so N services on one base fetch it once, through the mirror when one is
set. Registry calls block, so they run in worker threads.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import anyio

from pipelines.catalog import Service
from pipelines.images.config import BASE_TAG, ImageSettings, base_repository
from pipelines.images.inputs import input_digest, input_tag
from pipelines.images.publisher import ImageInputs, ImageRecord
from pipelines.images.recipe import ImageError, image_recipe
from pipelines.logs import append_line
from pipelines.registry.client import RegistryClient
from pipelines.registry.errors import RegistryNotFound
from pipelines.registry.image import AssembledImage, BaseImage, assemble, pull_base, push_image
from pipelines.registry.layers import build_layer
from pipelines.registry.reference import Reference


@dataclass(frozen=True)
class _Built:
    image: AssembledImage
    input_digest: str
    base: str | None = None


class _BaseBlobs:
    """The base registry's blobs, each fetched once per run however many services copy it:
    concurrent pushes would otherwise each make the mirror go upstream before it has cached."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self.registry = client.registry
        self._lock = threading.Lock()
        self._blobs: dict[tuple[str, str], bytes] = {}

    def get_blob(self, repository: str, digest: str) -> bytes:
        with self._lock:
            key = (repository, digest)
            if key not in self._blobs:
                self._blobs[key] = self.client.get_blob(repository, digest)
            return self._blobs[key]


class LocalPublisher:
    def __init__(
        self,
        settings: ImageSettings,
        root: Path,
        *,
        cache_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.root = root
        #: Where runtime bases are built (.deb cache) and service layers kept.
        self.cache_dir = cache_dir
        #: Compressed service layers by tar digest: a rebuild of the same files skips gzip.
        self.layer_cache = cache_dir / "layers" if cache_dir is not None else None
        self.env = env
        self._lock = threading.Lock()
        self._clients: dict[str, RegistryClient] = {}
        self._bases: dict[str, BaseImage] = {}
        self._base_locks: dict[str, threading.Lock] = {}
        self._built: dict[str, _Built] = {}
        self._inputs: dict[str, str] = {}
        self._base_blobs: _BaseBlobs | None = None

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def __enter__(self) -> LocalPublisher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- registries and bases ------------------------------------------------------------

    def _client(self, registry: str) -> RegistryClient:
        s = self.settings
        with self._lock:
            if registry not in self._clients:
                credentials = s.credentials_at(registry)
                self._clients[registry] = RegistryClient(registry, credentials, retry=s.retry)
            return self._clients[registry]

    def target(self) -> RegistryClient:
        return self._client(self.settings.target.registry)

    def base_client(self) -> RegistryClient:
        return self._client(self.settings.mirror or self.settings.base_target.registry)

    def base_blobs(self) -> _BaseBlobs:
        client = self.base_client()
        with self._lock:
            if self._base_blobs is None:
                self._base_blobs = _BaseBlobs(client)
            return self._base_blobs

    def base(self, kind: str) -> BaseImage:
        """The runtime base of `kind`, fetched once per run (one lock per kind)."""
        with self._lock:
            lock = self._base_locks.setdefault(kind, threading.Lock())
        with lock:
            if kind not in self._bases:
                repository = base_repository(kind, self.settings.base_target.prefix)
                client = self.base_client()
                reference = Reference(client.registry, repository, BASE_TAG)
                try:
                    self._bases[kind] = pull_base(client, reference)
                except RegistryNotFound:
                    target = self.settings.base_target
                    raise ImageError(
                        f"runtime base {reference} not found; publish it with "
                        f"`commerce-ci bases {kind} --base-registry {target}`"
                    ) from None
            return self._bases[kind]

    # -- the stages ----------------------------------------------------------------------

    def prepare_sync(self, bases: Collection[str], log: Callable[[str], None]) -> None:
        from pipelines.images.bases import ensure_bases

        if self.cache_dir is None:
            raise ImageError("publishing runtime bases needs a cache dir to build them in")
        ensure_bases(self.settings, bases, self.cache_dir, log, self.env)

    async def prepare(self, bases: Collection[str], log: Callable[[str], None]) -> None:
        """The runtime bases of these kinds, published where the base registry lacks them."""
        await anyio.to_thread.run_sync(self.prepare_sync, bases, log)

    def _input_digest(self, inputs: ImageInputs) -> str:
        base = self.base(inputs.runtime.base)
        extra = (self.settings.meta.source,)
        digest = input_digest(self.root, inputs, base_digest=base.manifest.digest, extra=extra)
        self._inputs[inputs.service.name] = digest
        return digest

    def input_digest_of(self, inputs: ImageInputs) -> str:
        """The service's input digest, computed once per run (the lookup computes it first)."""
        return self._inputs.get(inputs.service.name) or self._input_digest(inputs)

    def base_ref(self, kind: str) -> str:
        """Where the image's runtime base was read from, pinned (the provenance names it)."""
        base = self.base(kind)
        return f"{base.registry}/{base.repository}@{base.manifest.digest}"

    def _ref(self, service: Service, tag: str, digest: str) -> str:
        repository = self.settings.repository(service)
        return str(Reference(self.settings.target.registry, repository, tag, digest))

    def lookup_sync(self, inputs: ImageInputs, log: Path) -> ImageRecord | None:
        service = inputs.service
        write = functools.partial(append_line, log)
        digest = self._input_digest(inputs)
        tag = input_tag(digest)
        repository = self.settings.repository(service)
        client = self.target()
        found = client.head_manifest(repository, tag)
        write(f"input digest {digest}: {'found' if found else 'not'} in {repository}")
        if found is None:
            return None
        manifest = client.get_manifest(repository, found)
        tags = self.settings.tags()
        for name in tags:
            if client.head_manifest(repository, name) != found:
                client.put_manifest(repository, name, manifest.data, manifest.media_type)
                write(f"tagged {repository}:{name} -> {found} (no blob sent)")
        return ImageRecord(
            ref=self._ref(service, tags[0], found),
            digest=found,
            input_digest=digest,
            tags=(*tags, tag),
            reused=True,
            base=self.base_ref(inputs.runtime.base),
        )

    def build_sync(self, inputs: ImageInputs, log: Path) -> ImageRecord:
        service, runtime = inputs.service, inputs.runtime
        write = functools.partial(append_line, log)
        digest = self.input_digest_of(inputs)
        base = self.base(runtime.base)
        write(f"base {runtime.base}: {base.repository}@{base.manifest.digest}")
        recipe = image_recipe(service, runtime, self.root, self.settings.meta)
        layer = build_layer(
            recipe.entries,
            epoch=int(self.settings.meta.created.timestamp()),
            cache_dir=self.layer_cache,
        )
        image = assemble(base, layer, recipe.config)
        base_ref = self.base_ref(runtime.base)
        self._built[service.name] = _Built(image, digest, base_ref)
        write(
            f"assembled {image.digest}: {len(recipe.entries)} files, layer {layer.size} bytes "
            f"({layer.digest})"
        )
        return ImageRecord(ref=None, digest=image.digest, input_digest=digest, base=base_ref)

    def push_sync(self, service: Service, log: Path) -> ImageRecord:
        write = functools.partial(append_line, log)
        built = self._built.get(service.name)
        if built is None:
            raise ImageError(f"{service.path}: push needs the image stage first")
        tags = self.settings.tags()
        repository = self.settings.repository(service)
        # The input tag goes last: it marks the inputs as shipped only once all else is there.
        result = push_image(
            built.image,
            self.target(),
            repository,
            (*tags, input_tag(built.input_digest)),
            base_client=self.base_blobs(),
        )
        write(
            f"pushed {repository}@{result.digest}: {len(result.uploaded)} blobs uploaded "
            f"({result.bytes_uploaded} bytes), {len(result.mounted)} mounted, "
            f"{len(result.present)} already there; tags {', '.join(result.tags)}"
        )
        return ImageRecord(
            ref=self._ref(service, tags[0], result.digest),
            digest=result.digest,
            input_digest=built.input_digest,
            tags=result.tags,
            bytes_uploaded=result.bytes_uploaded,
            base=built.base,
        )

    async def lookup(self, inputs: ImageInputs, log: Path) -> ImageRecord | None:
        return await anyio.to_thread.run_sync(self.lookup_sync, inputs, log)

    async def build(self, inputs: ImageInputs, log: Path) -> ImageRecord:
        return await anyio.to_thread.run_sync(self.build_sync, inputs, log)

    async def push(self, service: Service, log: Path) -> ImageRecord:
        return await anyio.to_thread.run_sync(self.push_sync, service, log)
