"""From a toolchain's Runtime to an image recipe: which files go under /app, and how it runs.

Both engines follow the same recipe: the local engine turns `entries` into one reproducible
layer, the Dagger engine copies the same paths into a container. The entrypoint is the Runtime's
command run from /app, as the non-root user, so a local run (`commerce-ci shop`) and the image
start the service the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from pipelines.catalog import Service
from pipelines.errors import CommerceCiError, ExitCode
from pipelines.registry.image import ImageConfig, oci_labels
from pipelines.registry.layers import LayerFile, LayerSymlink
from pipelines.toolchains.base import Runtime

APP_DIR = "/app"
#: The non-root user every runtime base defines (distroless convention).
NONROOT = "65532:65532"


class ImageError(CommerceCiError):
    """An image cannot be assembled from what the build left (a missing output, say)."""

    exit_code = ExitCode.STAGE_FAILED


@dataclass(frozen=True)
class ImageMeta:
    """What the commit fixes about an image: its OCI labels and every timestamp in it."""

    source: str
    revision: str
    version: str
    created: datetime


@dataclass(frozen=True)
class ImageRecipe:
    #: Kind of runtime base (static, glibc, jre, node, python).
    base: str
    #: Image path (relative to /, e.g. "app/bin/cart") -> file or symlink.
    entries: Mapping[str, LayerFile | LayerSymlink]
    config: ImageConfig


def _walk(folder: Path) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or path.is_file():
            yield path


def _matches(pattern: str, service_dir: Path) -> list[Path]:
    """`dir/**` is everything below dir (files and symlinks); other patterns are plain globs."""
    if pattern.endswith("/**"):
        folder = service_dir / pattern[:-3]
        return list(_walk(folder)) if folder.is_dir() else []
    return [p for p in sorted(service_dir.glob(pattern)) if p.is_file() or p.is_symlink()]


def npm_dev_packages(lockfile: Path) -> frozenset[str]:
    """Folders of dev-only packages in an npm v2/v3 lockfile (`"dev": true`)."""
    try:
        document = json.loads(lockfile.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImageError(f"{lockfile}: cannot read the npm lockfile: {exc}") from None
    packages = document.get("packages")
    if not isinstance(packages, dict):
        raise ImageError(f"{lockfile}: packages: missing (lockfileVersion 2 or 3 needed)")
    return frozenset(
        key for key, meta in packages.items() if key and isinstance(meta, dict) and meta.get("dev")
    )


def _excluded(relative: str, excludes: frozenset[str]) -> bool:
    parts = PurePosixPath(relative).parts
    return any("/".join(parts[:n]) in excludes for n in range(1, len(parts) + 1))


def runtime_entries(
    service_dir: Path, runtime: Runtime, *, label: str
) -> dict[str, LayerFile | LayerSymlink]:
    """Paths relative to the service folder -> layer entries, excludes applied.

    Raises when a pattern matches nothing: an image without its binary is not an image.
    """
    excludes = set(runtime.exclude)
    if runtime.npm_lockfile:
        excludes |= npm_dev_packages(service_dir / runtime.npm_lockfile)
    frozen = frozenset(excludes)
    entries: dict[str, LayerFile | LayerSymlink] = {}
    for pattern in runtime.files:
        found = _matches(pattern, service_dir)
        if not found:
            raise ImageError(
                f"{label}: runtime file {pattern!r} not found; run the build stage first"
            )
        for path in found:
            relative = path.relative_to(service_dir).as_posix()
            if relative in entries or _excluded(relative, frozen):
                continue
            entries[relative] = _entry(path, service_dir)
    return entries


def _entry(path: Path, inside: Path) -> LayerFile | LayerSymlink:
    """A symlink staying inside the copied tree is kept; one leaving it is followed."""
    if path.is_symlink():
        target = path.resolve()
        if target.is_relative_to(inside.resolve()):
            return LayerSymlink(str(path.readlink()))
        if not target.is_file():
            raise ImageError(f"{path}: symlink to {target}, which is not a file in the service")
        path = target
    executable = path.stat().st_mode & 0o111
    return LayerFile(path, mode=0o755 if executable else 0o644)


def asset_entries(root: Path, runtime: Runtime) -> dict[str, LayerFile | LayerSymlink]:
    entries: dict[str, LayerFile | LayerSymlink] = {}
    for source, dest in runtime.assets:
        folder = root / source
        if not folder.is_dir():
            raise ImageError(f"runtime asset folder {source!r} is missing from the repository")
        for path in _walk(folder):
            relative = path.relative_to(folder).as_posix()
            entries[f"{dest.rstrip('/')}/{relative}"] = _entry(path, folder)
    return entries


def entrypoint(runtime: Runtime, files: Mapping[str, object]) -> tuple[str, ...]:
    """The command with its program made absolute when the image carries it (a binary);
    an interpreter is the base's (java and node on its PATH, Python by its path)."""
    program, *args = runtime.command
    if program in files:
        program = f"{APP_DIR}/{program}"
    return (program, *args)


def image_config(
    service: Service, runtime: Runtime, meta: ImageMeta, files: Mapping[str, object]
) -> ImageConfig:
    """What the image runs and says about itself; both engines use it as is."""
    return ImageConfig(
        entrypoint=entrypoint(runtime, files),
        user=NONROOT,
        exposed_ports=(str(service.spec.port),),
        env=(*runtime.env, *runtime.image_env, ("PORT", str(service.spec.port))),
        workdir=APP_DIR,
        labels=oci_labels(
            source=meta.source, revision=meta.revision, version=meta.version, created=meta.created
        ),
        created=meta.created,
        created_by=f"commerce-ci image {service.name}",
    )


def image_recipe(service: Service, runtime: Runtime, root: Path, meta: ImageMeta) -> ImageRecipe:
    files = runtime_entries(service.folder(root), runtime, label=service.path)
    assets = asset_entries(root, runtime)
    clash = sorted(set(files) & set(assets))
    if clash:
        raise ImageError(f"{service.path}: runtime files and assets both write {clash[0]}")
    app = APP_DIR.lstrip("/")
    entries = {f"{app}/{path}": entry for path, entry in {**files, **assets}.items()}
    config = image_config(service, runtime, meta, files)
    return ImageRecipe(base=runtime.base, entries=entries, config=config)
