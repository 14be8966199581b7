"""The catalog as `plan` and `services` read it: plain values, validated once per blob.

`load_catalog` validates all service.yaml files through pydantic on every call, which costs more
than the plan itself on a large repository. `load_index` gives the same services, in the same
order, with the same errors, but keeps the validated fields of each file in a cache keyed by the
file's git blob id (the SHA-1 git gives its content). A file whose blob id is in the cache is
not parsed again; any other is read by `simple.simple_record` (plain YAML and the contract in
plain Python) or, when that reader is not sure, validated in full by the loader, from the very
bytes that were hashed. Nothing stale can be served:

- the blob id is computed from the working tree's bytes on every load, so an edit (committed or
  not) is a new key;
- the cache is also keyed by a digest of the contract's own source (model.py, loader.py,
  layout.py, simple.py, index.py), so a change of the rules invalidates every entry;
- what does not live in the blob is checked on every load, cached or not: that the name is the
  folder's, the lockfile, and that `depends_on` names services of the catalog.

The blob ids come from hashing the files rather than from `git ls-tree HEAD`: the catalog is the
working tree's (as `load_catalog`'s is), and HEAD's tree does not show uncommitted edits.

This module is on `plan`'s start-up path: it imports neither pydantic nor yaml (the loader is
imported only for a file the simple reader leaves to it), nor `pathlib` or `dataclasses` (see
`pipelines.plan.model`). Paths are strings; `root` is the resolved repository root.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from collections import namedtuple

from pipelines.catalog.layout import (
    SERVICE_FILE,
    check_inputs,
    check_inside,
    check_name,
    display,
    find_lockfile,
    services_base,
)
from pipelines.catalog.simple import simple_record
from pipelines.errors import ConfigError
from pipelines.limits import check_size, decode

try:  # CPython's own SHA-1: hashlib's import loads OpenSSL, which costs more than the hashing
    from _sha1 import sha1
except ImportError:  # pragma: no cover - an interpreter without it
    from hashlib import sha1

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from typing import Any

#: Bumped when the cached record's shape changes.
CACHE_FORMAT = 1
CACHE_FILE = "catalog-index.json"
_CONTRACT_SOURCES = ("model.py", "loader.py", "layout.py", "simple.py", "index.py")

_ENTRY_FIELDS = (
    "name",
    "language",
    "path",
    "port",
    "image",
    "description",
    "inputs",
    "depends_on",
    "lockfile",
)


class ServiceEntry(namedtuple("ServiceEntry", _ENTRY_FIELDS)):
    """The fields of one validated service.yaml that `plan` and `services` use."""

    __slots__ = ()
    name: str
    language: str
    path: str
    port: int
    image: str
    description: str
    inputs: tuple[str, ...]
    depends_on: tuple[str, ...]
    lockfile: str


class CatalogIndex:
    """Every service of a repository, in the order `load_catalog` gives them; read-only."""

    __slots__ = ("_root", "_services")

    def __init__(self, root: str, services: tuple[ServiceEntry, ...]) -> None:
        self._root = root
        self._services = services

    @property
    def root(self) -> str:
        return self._root

    @property
    def services(self) -> tuple[ServiceEntry, ...]:
        return self._services

    def __iter__(self) -> Iterator[ServiceEntry]:
        return iter(self._services)

    def __len__(self) -> int:
        return len(self._services)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CatalogIndex):
            return NotImplemented
        return (self._root, self._services) == (other.root, other.services)

    def __hash__(self) -> int:
        return hash((self._root, self._services))

    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self._services)

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
            for s in self._services
        ]


def blob_id(data: bytes) -> str:
    """git's object id of a blob with this content (`git hash-object`)."""
    return sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def contract_digest() -> str:
    """A digest of the code that decides what a valid service.yaml is."""
    digest = sha1(b"%d" % CACHE_FORMAT, usedforsecurity=False)
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _CONTRACT_SOURCES:
        with open(os.path.join(here, name), "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def service_folders(base: str, top: str | None = None) -> list[str]:
    """The folders under `base` that may hold a service, in `sorted(base.glob(...))` order;
    with `top`, a folder that is a symlink out of the repository is refused."""
    with os.scandir(base) as entries:
        found = [e for e in entries if not e.name.startswith(".") and e.is_dir()]
    if top is not None:
        for entry in found:
            if entry.is_symlink():
                check_inside(entry.path, top, display(entry.path, top))
    return sorted(e.name for e in found)


def _read_service_file(path: str, shown: str, top: str) -> bytes | None:
    """The bytes of `path` when it is a regular file, None when it is missing or something else
    (a folder, a FIFO), as `Path.is_file` decides; one open and one fstat, the fewest system
    calls that can tell, since 500 services make these calls most of a warm load."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno != errno.ELOOP:  # ELOOP: a symlink, which must stay in the repository
            if not _is_file(path):
                return None
            raise ConfigError(shown, None, f"cannot read: {exc.strerror}") from None
        check_inside(path, top, shown)
        return _read_service_file(os.path.realpath(path), shown, top)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        check_size(info.st_size, shown)
        # A short read of a regular file is its end: no second call to find it.
        want = info.st_size + 1
        chunks = [os.read(fd, want)]
        while len(chunks[-1]) == want:
            chunks.append(os.read(fd, want))
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(shown, None, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def _is_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


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


def _validated(data: bytes, path: str, root: str) -> dict[str, Any]:
    """The record of a file not in the cache: read by the simple reader, or by the loader
    (pydantic, yaml) when that reader is not sure, which names what is wrong."""
    text = decode(data, display(path, root))
    record = simple_record(text)
    if record is not None:
        return record
    from pathlib import Path

    from pipelines.catalog.loader import spec_from_text

    return _record(spec_from_text(text, Path(path), Path(root)))


def _read_cache(file: str, contract: str) -> dict[str, Any]:
    try:
        with open(file, "rb") as stream:
            cached = json.loads(stream.read())
    except (OSError, ValueError):
        return {}
    if not isinstance(cached, dict) or cached.get("contract") != contract:
        return {}
    entries = cached.get("entries")
    return entries if isinstance(entries, dict) else {}


def _write_cache(file: str, contract: str, entries: Mapping[str, Any]) -> None:
    """Atomically; a cache that cannot be written only costs the next run its speed."""
    folder, name = os.path.split(file)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as stream:
            stream.write(json.dumps({"contract": contract, "entries": entries}))
        os.replace(tmp, file)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _entry(record: Mapping[str, Any], path: str, root: str, shown: str) -> ServiceEntry:
    """`shown` is `path` as errors name it; its folder is the service's path."""
    folder = os.path.dirname(path)
    check_name(record["name"], folder, shown)
    check_inputs(record["inputs"], root, shown)
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


def _cached_entry(record: Any, path: str, root: str, shown: str) -> ServiceEntry | None:
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
    root: str | os.PathLike[str],
    services_dir: str = "services",
    cache_dir: str | os.PathLike[str] | None = None,
    source: str = "services_dir",
    deferred: list[Callable[[], None]] | None = None,
) -> CatalogIndex:
    """The catalog of `root`, as `load_catalog` would validate it, through the blob cache in
    `cache_dir` (no cache when None). Raises the same ConfigError for the same first problem.

    With `deferred`, the cache is not written here: its write is appended, for a caller that
    has more input to check first (`plan`'s revisions) and writes nothing when that fails."""
    top = os.path.realpath(root)
    base = services_base(top, services_dir, source)
    contract = contract_digest()
    cache_file = os.path.join(cache_dir, CACHE_FILE) if cache_dir is not None else None
    cached = _read_cache(cache_file, contract) if cache_file is not None else {}
    fresh: dict[str, Any] = {}
    services = []
    # Paths as errors show them, built as strings once: per-file path arithmetic costs more
    # than the whole cache lookup.
    prefix = display(base, top)
    for folder in service_folders(base, top):
        key = f"{prefix}/{folder}/{SERVICE_FILE}"
        path = os.path.join(base, folder, SERVICE_FILE)
        data = _read_service_file(path, key, top)
        if data is None:
            continue
        blob = blob_id(data)
        hit = cached.get(key)
        entry = None
        if isinstance(hit, dict) and hit.get("blob") == blob:
            record = hit.get("spec")
            entry = _cached_entry(record, path, top, key)
        if entry is None:
            record = _validated(data, path, top)
            entry = _entry(record, path, top, key)
        fresh[key] = {"blob": blob, "spec": record}
        services.append(entry)
    if not services:
        raise ConfigError(prefix, None, f"holds no service (no */{SERVICE_FILE})")
    index = CatalogIndex(root=top, services=tuple(services))
    _check_dependencies(index.services)
    if cache_file is not None and fresh != cached:
        if deferred is None:
            _write_cache(cache_file, contract, fresh)
        else:
            deferred.append(lambda: _write_cache(cache_file, contract, fresh))
    return index
