"""Where services live and what a service folder must hold: the parts of the catalog contract
that need no validation library, so the catalog index can check them on every load cheaply.

Paths here are strings or path-likes, handled with `os.path`: `plan` and `services` read this
module at start-up, where importing `pathlib` (and the `urllib.parse` and `ipaddress` it pulls
in) would cost more than reading the whole catalog.
"""

from __future__ import annotations

import os
import re

from pipelines.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

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
    "expo": ("package-lock.json",),
}
#: The languages a service may be written in (the model's `Language`, in the same order).
LANGUAGES: tuple[str, ...] = tuple(LOCKFILES)

#: A service name, and each `depends_on` entry: a DNS-1123 label.
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
#: `image.repository`: a registry-relative repository path.
REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
#: How to make the lockfile a language's toolchain builds from, where it is not obvious.
LOCKFILE_HINTS: Mapping[str, str] = {
    "python": "the python toolchain installs requirements.txt with --no-deps; from a uv "
    "project, export it: `uv export --frozen --no-hashes --no-dev -o requirements.txt`",
}


def check_repo_glob(pattern: str) -> str:
    """A glob must stay inside the repository: no absolute paths, no `..` segments."""
    if not pattern or pattern.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", pattern):
        raise ValueError(f"{pattern!r} must be a repository-relative glob")
    if ".." in pattern.split("/") or "\\" in pattern:
        raise ValueError(f"{pattern!r} leaves the repository (no '..' or backslashes)")
    return pattern


def display(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> str:
    """`path` as errors show it: relative to the repository root when it is inside it."""
    shown, top = _clean(os.fspath(path)), _clean(os.fspath(root))
    if shown == top:
        return "."
    if top == "/" and shown.startswith("/"):
        return shown[1:]
    if shown.startswith(top + "/"):
        return shown[len(top) + 1 :]
    return shown


def _clean(path: str) -> str:
    """`path` as pathlib spells it: no empty or `.` segments, no trailing slash."""
    head = "/" if path.startswith("/") else ""
    return head + "/".join(p for p in path.split("/") if p not in ("", ".")) or "."


def check_name(name: str, folder: str | os.PathLike[str], shown: str) -> None:
    """A service is named after its folder, so a path names exactly one service."""
    folder_name = os.path.basename(_clean(os.fspath(folder)))
    if name != folder_name:
        raise ConfigError(shown, "name", f"{name!r} must equal its folder name {folder_name!r}")


def find_lockfile(
    language: str, folder: str | os.PathLike[str], root: str | os.PathLike[str], shown: str
) -> str:
    """The first lockfile of the language present in `folder`, or a ConfigError saying which.

    Checked on every load, cached or not: a lockfile is not part of the service.yaml blob."""
    candidates = LOCKFILES[language]
    lockfile = next((c for c in candidates if os.path.isfile(os.path.join(folder, c))), None)
    if lockfile is None:
        raise ConfigError(
            shown,
            "language",
            f"a {language} service needs a lockfile ({' or '.join(candidates)}) "
            f"in {display(folder, root)}/",
            hint=LOCKFILE_HINTS.get(language),
        )
    return lockfile


def inside(path: str, top: str) -> bool:
    """Whether `path` (resolved) is `top` or under it; both are real paths."""
    return path == top or path.startswith(top.rstrip("/") + "/")


def services_base(top: str, services_dir: str, source: str) -> str:
    """The folder of services, `services_dir` under the repository root `top`, which it must
    not leave (by `..`, an absolute path or a symlink): a run reads only the repository."""
    base = os.path.join(top, services_dir)
    real = os.path.realpath(base)
    if not inside(real, top):
        raise ConfigError(source, None, f"{services_dir} is outside the repository ({real})")
    if not os.path.isdir(real):
        raise ConfigError(display(base, top), None, "no such directory of services")
    return base


def check_inside(path: str, top: str, shown: str) -> None:
    """A service folder or service.yaml that is a symlink must still point into the repository."""
    real = os.path.realpath(path)
    if not inside(real, top):
        raise ConfigError(shown, None, f"is a symlink to {real}, outside the repository")


_GLOB_CHARS = re.compile(r"[*?\[]")


def check_inputs(inputs: tuple[str, ...] | list[str], top: str, shown: str) -> None:
    """Each `inputs` glob's fixed part (the folders before its first wildcard) must resolve
    inside the repository: a symlink there would make the run read files outside it."""
    for index, pattern in enumerate(inputs):
        fixed = []
        for part in pattern.split("/"):
            if _GLOB_CHARS.search(part):
                break
            fixed.append(part)
        if not fixed:
            continue
        real = os.path.realpath(os.path.join(top, *fixed))
        if not inside(real, top):
            raise ConfigError(
                shown, f"inputs[{index}]", f"{pattern!r} leads outside the repository ({real})"
            )
