"""Where services live and what a service folder must hold: the parts of the catalog contract
that need no validation library, so the catalog cache can check them on every load cheaply."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pipelines.errors import ConfigError

SERVICE_FILE = "service.yaml"

#: The files that pin a service's dependencies, per language; the first that exists is used.
LOCKFILES: Mapping[str, tuple[str, ...]] = {
    "go": ("go.mod",),
    "java": ("pom.xml",),
    "kotlin": ("pom.xml",),
    "python": ("requirements.txt",),
    "node": ("package-lock.json",),
    "typescript": ("package-lock.json",),
    "rust": ("Cargo.lock",),
    "dotnet": ("packages.lock.json",),
}
#: How to make the lockfile a language's toolchain builds from, where it is not obvious.
LOCKFILE_HINTS: Mapping[str, str] = {
    "python": "the python toolchain installs requirements.txt with --no-deps; from a uv "
    "project, export it: `uv export --frozen --no-hashes --no-dev -o requirements.txt`",
}


def display(path: Path, root: Path) -> str:
    """`path` as errors show it: relative to the repository root when it is inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def check_name(name: str, folder: Path, shown: str) -> None:
    """A service is named after its folder, so a path names exactly one service."""
    if name != folder.name:
        raise ConfigError(shown, "name", f"{name!r} must equal its folder name {folder.name!r}")


def find_lockfile(language: str, folder: Path, root: Path, shown: str) -> str:
    """The first lockfile of the language present in `folder`, or a ConfigError saying which.

    Checked on every load, cached or not: a lockfile is not part of the service.yaml blob."""
    candidates = LOCKFILES[language]
    lockfile = next((c for c in candidates if (folder / c).is_file()), None)
    if lockfile is None:
        raise ConfigError(
            shown,
            "language",
            f"a {language} service needs a lockfile ({' or '.join(candidates)}) "
            f"in {display(folder, root)}/",
            hint=LOCKFILE_HINTS.get(language),
        )
    return lockfile
