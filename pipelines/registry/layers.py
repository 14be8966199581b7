"""Reproducible image layers: the same files give the same bytes, on any machine, any day.

Every source of drift in a tar.gz is pinned: entry order (sorted), timestamps (one epoch, e.g.
the commit time), owners (numeric, no names), modes (normalised), the gzip header (no name,
mtime 0) and the compression level. That is what lets an unchanged service rebuild to the same
digest and push nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
COMPRESS_LEVEL = 6
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Owner:
    """Numeric owner of explicit entries; implicit parent directories stay root's."""

    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class LayerFile:
    """A regular file: inline bytes or a host file read at build time."""

    content: bytes | Path
    mode: int = 0o644
    #: This entry's owner, instead of the layer's (a home directory, say).
    owner: Owner | None = None


@dataclass(frozen=True)
class LayerDir:
    mode: int = 0o755
    owner: Owner | None = None


@dataclass(frozen=True)
class LayerSymlink:
    target: str


Entry = LayerFile | LayerDir | LayerSymlink
EntryInput = Entry | bytes | str | Path


ROOT = Owner()
NONROOT = Owner(65532, 65532)


@dataclass(frozen=True)
class Layer:
    data: bytes
    #: sha256 of the compressed bytes: the blob's name in the registry.
    digest: str
    #: sha256 of the uncompressed tar: what the image config's rootfs lists.
    diff_id: str
    size: int
    media_type: str = OCI_LAYER_GZIP


def _normalise(path: str) -> str:
    pure = PurePosixPath("/" + path.lstrip("/"))
    parts = [part for part in pure.parts[1:] if part not in ("", ".")]
    if not parts or ".." in parts:
        raise ValueError(f"layer path {path!r} must be a relative path without '..'")
    return "/".join(parts)


def _coerce(value: EntryInput) -> Entry:
    if isinstance(value, LayerFile | LayerDir | LayerSymlink):
        return value
    if isinstance(value, str):
        return LayerFile(value.encode())
    if isinstance(value, bytes):
        return LayerFile(value)
    return LayerFile(value, mode=0o755 if value.stat().st_mode & 0o111 else 0o644)


def files_from_directory(root: Path, prefix: str) -> dict[str, LayerFile | LayerSymlink]:
    """A host directory's files under `prefix`, keeping only the executable bit of modes."""
    entries: dict[str, LayerFile | LayerSymlink] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        key = f"{prefix.rstrip('/')}/{relative}"
        if path.is_symlink():
            entries[key] = LayerSymlink(str(path.readlink()))
        elif path.is_file():
            executable = path.stat().st_mode & 0o111
            entries[key] = LayerFile(path, mode=0o755 if executable else 0o644)
    return entries


def _tar_entries(entries: Mapping[str, EntryInput]) -> dict[str, Entry]:
    result: dict[str, Entry] = {}
    for raw, value in entries.items():
        name = _normalise(raw)
        if name in result:
            raise ValueError(f"layer path {raw!r} given twice")
        result[name] = _coerce(value)
    for name in list(result):
        parent = PurePosixPath(name).parent
        while str(parent) != ".":
            result.setdefault(str(parent), LayerDir())
            parent = parent.parent
    return result


def _info(name: str, kind: bytes, mode: int, epoch: int, owner: Owner) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = stat.S_IMODE(mode)
    info.mtime = epoch
    info.uid, info.gid = owner.uid, owner.gid
    info.uname = info.gname = ""
    return info


def build_layer(
    entries: Mapping[str, EntryInput],
    *,
    epoch: int,
    owner: Owner = ROOT,
    media_type: str = OCI_LAYER_GZIP,
    compresslevel: int = COMPRESS_LEVEL,
    cache_dir: Path | None = None,
) -> Layer:
    """A gzip'd tar of `entries` (image path -> content), reproducible byte for byte.

    `epoch` is every entry's mtime; pass the commit time, not the wall clock. With `cache_dir`,
    the compressed bytes are kept under the tar's own digest: compressing is most of the cost of
    a layer, and the same tar at the same level always compresses to the same bytes.
    """
    if epoch < 0:
        raise ValueError("epoch must be a non-negative Unix time")
    tar_bytes = io.BytesIO()
    explicit = {_normalise(name) for name in entries}
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, entry in sorted(_tar_entries(entries).items()):
            who = owner if name in explicit else ROOT
            if isinstance(entry, LayerDir | LayerFile) and entry.owner is not None:
                who = entry.owner
            if isinstance(entry, LayerDir):
                tar.addfile(_info(name, tarfile.DIRTYPE, entry.mode, epoch, who))
            elif isinstance(entry, LayerSymlink):
                info = _info(name, tarfile.SYMTYPE, 0o777, epoch, who)
                info.linkname = entry.target
                tar.addfile(info)
            else:
                info = _info(name, tarfile.REGTYPE, entry.mode, epoch, who)
                if isinstance(entry.content, bytes):
                    info.size = len(entry.content)
                    tar.addfile(info, io.BytesIO(entry.content))
                else:
                    info.size = entry.content.stat().st_size
                    with entry.content.open("rb") as handle:
                        tar.addfile(info, handle)
    raw = tar_bytes.getvalue()
    diff_id = sha256_digest(raw)
    cached = _cached(cache_dir, diff_id, compresslevel)
    if cached is not None:
        return Layer(cached, sha256_digest(cached), diff_id, len(cached), media_type)
    data = _gzip(raw, compresslevel)
    _store(cache_dir, diff_id, compresslevel, data)
    return Layer(
        data=data,
        digest=sha256_digest(data),
        diff_id=diff_id,
        size=len(data),
        media_type=media_type,
    )


def _cache_prefix(diff_id: str, compresslevel: int) -> str:
    return f"{diff_id.removeprefix('sha256:')}.gz{compresslevel}."


def _cached(cache_dir: Path | None, diff_id: str, compresslevel: int) -> bytes | None:
    """Cache entries are named `<tar digest>.gz<level>.<gzip digest>`: an entry whose bytes do
    not hash to its name (truncated, damaged) is not trusted, at the cost of one sha256."""
    if cache_dir is None or not cache_dir.is_dir():
        return None
    prefix = _cache_prefix(diff_id, compresslevel)
    for path in cache_dir.glob(prefix + "*"):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if sha256_digest(data).removeprefix("sha256:") == path.name[len(prefix) :]:
            return data
    return None


def _store(cache_dir: Path | None, diff_id: str, compresslevel: int, data: bytes) -> None:
    if cache_dir is None:
        return
    name = _cache_prefix(diff_id, compresslevel) + sha256_digest(data).removeprefix("sha256:")
    path = cache_dir / name
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs the next build some time


def _gzip(raw: bytes, compresslevel: int) -> bytes:
    compressed = io.BytesIO()
    # GzipFile (not gzip.compress) writes its own header: no file name, mtime 0, and the same
    # OS byte on every platform and Python version.
    with gzip.GzipFile(
        filename="", mode="wb", compresslevel=compresslevel, fileobj=compressed, mtime=0
    ) as stream:
        for start in range(0, len(raw), _CHUNK):
            stream.write(raw[start : start + _CHUNK])
    return compressed.getvalue()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
