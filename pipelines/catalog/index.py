"""The catalog as `plan` and `services` read it: plain values, validated once per blob.

`load_catalog` validates all service.yaml files through pydantic on every call, which costs more
than the plan itself on a large repository. `load_index` gives the same services, in the same
order, with the same errors, but keeps the validated fields of each file in a cache keyed by the
file's git blob id (the SHA-1 git gives its content). A file whose blob id is in the cache is
not parsed again; any other is validated in full by the loader, from the very bytes that were
hashed. Nothing stale can be served:

- the blob id is computed from the working tree's bytes on every load, so an edit (committed or
  not) is a new key;
- the cache is also keyed by a digest of the contract's own source (model.py, loader.py,
  layout.py), so a change of the rules invalidates every entry;
- what does not live in the blob is checked on every load, cached or not: that the name is the
  folder's, the lockfile, and that `depends_on` names services of the catalog.

The blob ids come from hashing the files rather than from `git ls-tree HEAD`: the catalog is the
working tree's (as `load_catalog`'s is), and HEAD's tree does not show uncommitted edits.

This module imports neither pydantic nor yaml; the loader is imported only on a cache miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.catalog.layout import SERVICE_FILE, check_name, display, find_lockfile
from pipelines.errors import ConfigError

#: Bumped when the cached record's shape changes.
CACHE_FORMAT = 1
CACHE_FILE = "catalog-index.json"
_CONTRACT_SOURCES = ("model.py", "loader.py", "layout.py", "index.py")


@dataclass(frozen=True)
class ServiceEntry:
    """The fields of one validated service.yaml that `plan` and `services` use."""

    name: str
    language: str
    path: str
    port: int
    image: str
    description: str
    inputs: tuple[str, ...]
    depends_on: tuple[str, ...]
    lockfile: str


@dataclass(frozen=True)
class CatalogIndex:
    """Every service of a repository, in the order `load_catalog` gives them."""

    root: Path
    services: tuple[ServiceEntry, ...]

    def __iter__(self) -> Iterator[ServiceEntry]:
        return iter(self.services)

    def __len__(self) -> int:
        return len(self.services)

    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.services)

    def rows(self) -> list[dict[str, object]]:
        """One JSON-ready row per service: what `services --json` prints (as Catalog.rows)."""
        return [
            {
                "name": s.name,
                "language": s.language,
                "path": s.path,
                "port": s.port,
                "image": s.image,
                "description": s.description,
            }
            for s in self.services
        ]


def blob_id(data: bytes) -> str:
    """git's object id of a blob with this content (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def contract_digest() -> str:
    """A digest of the code that decides what a valid service.yaml is."""
    digest = hashlib.sha1(b"%d" % CACHE_FORMAT, usedforsecurity=False)
    here = Path(__file__).parent
    for name in _CONTRACT_SOURCES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def service_files(base: Path) -> list[Path]:
    """`base/*/service.yaml` in `sorted(base.glob(...))` order, with one scandir."""
    with os.scandir(base) as entries:
        folders = sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())
    return [p for p in (base / f / SERVICE_FILE for f in folders) if p.is_file()]


def _record(spec: Any) -> dict[str, Any]:
    """What the cache keeps of a validated ServiceSpec."""
    return {
        "name": spec.name,
        "language": spec.language,
        "port": spec.port,
        "image": spec.image.repository,
        "description": spec.description,
        "inputs": list(spec.inputs),
        "depends_on": list(spec.depends_on),
    }


def _validated(data: bytes, path: Path, root: Path) -> dict[str, Any]:
    from pipelines.catalog.loader import spec_from_text

    shown = display(path, root)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(shown, None, f"cannot read: not UTF-8 ({exc.reason})") from None
    return _record(spec_from_text(text, path, root))


def _read_cache(file: Path, contract: str) -> dict[str, Any]:
    try:
        cached = json.loads(file.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(cached, dict) or cached.get("contract") != contract:
        return {}
    entries = cached.get("entries")
    return entries if isinstance(entries, dict) else {}


def _write_cache(file: Path, contract: str, entries: Mapping[str, Any]) -> None:
    """Atomically; a cache that cannot be written only costs the next run its speed."""
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"contract": contract, "entries": entries}), encoding="utf-8")
        os.replace(tmp, file)
    except OSError:
        tmp.unlink(missing_ok=True)


def _entry(record: Mapping[str, Any], path: Path, root: Path, shown: str) -> ServiceEntry:
    """`shown` is `path` as errors name it; its folder is the service's path."""
    folder = path.parent
    check_name(record["name"], folder, shown)
    return ServiceEntry(
        name=record["name"],
        language=record["language"],
        path=shown.removesuffix(f"/{SERVICE_FILE}"),
        port=record["port"],
        image=record["image"],
        description=record["description"],
        inputs=tuple(record["inputs"]),
        depends_on=tuple(record["depends_on"]),
        lockfile=find_lockfile(record["language"], folder, root, shown),
    )


def _cached_entry(record: Any, path: Path, root: Path, shown: str) -> ServiceEntry | None:
    """The entry of a cache hit; None when the record is not one this code wrote."""
    try:
        return _entry(record, path, root, shown)
    except (KeyError, TypeError, AttributeError):
        return None


def _check_dependencies(services: tuple[ServiceEntry, ...]) -> None:
    names = {s.name for s in services}
    for service in services:
        for index, dep in enumerate(service.depends_on):
            if dep not in names:
                raise ConfigError(
                    f"{service.path}/{SERVICE_FILE}",
                    f"depends_on[{index}]",
                    f"unknown service {dep!r}",
                )


def load_index(
    root: Path, services_dir: str = "services", cache_dir: Path | None = None
) -> CatalogIndex:
    """The catalog of `root`, as `load_catalog` would validate it, through the blob cache in
    `cache_dir` (no cache when None). Raises the same ConfigError for the same first problem."""
    root = root.resolve()
    base = root / services_dir
    if not base.is_dir():
        raise ConfigError(display(base, root), None, "no such directory of services")
    contract = contract_digest()
    cache_file = cache_dir / CACHE_FILE if cache_dir is not None else None
    cached = _read_cache(cache_file, contract) if cache_file is not None else {}
    fresh: dict[str, Any] = {}
    services = []
    # Paths as errors show them, built as strings: Path.relative_to per file costs more than
    # the whole cache lookup.
    prefix = display(base, root)
    for path in service_files(base):
        key = f"{prefix}/{path.parent.name}/{SERVICE_FILE}"
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(key, None, f"cannot read: {exc.strerror}") from None
        blob = blob_id(data)
        hit = cached.get(key)
        entry = None
        if isinstance(hit, dict) and hit.get("blob") == blob:
            record = hit.get("spec")
            entry = _cached_entry(record, path, root, key)
        if entry is None:
            record = _validated(data, path, root)
            entry = _entry(record, path, root, key)
        fresh[key] = {"blob": blob, "spec": record}
        services.append(entry)
    index = CatalogIndex(root=root, services=tuple(services))
    _check_dependencies(index.services)
    if cache_file is not None and fresh != cached:
        _write_cache(cache_file, contract, fresh)
    return index
