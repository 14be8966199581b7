"""Debian packages into a root file system, without installing them on the host.

apt resolves and downloads, `dpkg-deb -x` unpacks: no maintainer script ever runs, so nothing on
the host changes and the result depends only on the package files. apt is pointed at an empty
dpkg status file, so what the host happens to have installed (Node.js 20 from another source, an
older JDK) neither hides a Debian candidate nor turns a dependency into "already satisfied".
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines import processes
from pipelines.errors import CommerceCiError, ExitCode
from pipelines.processes import Completed

#: Relations a runtime needs; recommends, suggests and the rest are left out.
DEPENDS_FLAGS = (
    "--no-recommends",
    "--no-suggests",
    "--no-conflicts",
    "--no-breaks",
    "--no-replaces",
    "--no-enhances",
)
#: Top-level folders that Debian 12 keeps as symlinks into /usr (usr-merge).
MERGED_DIRS = ("bin", "sbin", "lib", "lib64")
#: Never read by a running service.
PRUNED = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/lintian",
    "usr/share/bug",
    "usr/share/doc-base",
    "usr/share/locale",
    "usr/share/gdb",
)
TOOL_HINT = "it comes with apt/dpkg on Debian and Ubuntu: build bases on a Debian 12 host"


class BaseImageError(CommerceCiError):
    """A runtime base cannot be built: a package apt cannot find or fetch, a broken .deb."""

    exit_code = ExitCode.STAGE_FAILED

    def __init__(self, message: str, hint: str | None = None):
        self.hint = hint
        super().__init__(message)


class StaleIndexError(BaseImageError):
    """apt's package lists lack a candidate or point at a file the mirror no longer has."""


@dataclass(frozen=True)
class DebPackage:
    """A candidate version from apt's lists, with the hash its .deb must have."""

    name: str
    version: str
    architecture: str
    sha256: str
    source: str = ""

    @property
    def filename(self) -> str:
        """The name `apt-get download` gives the file (an epoch's colon is escaped)."""
        return f"{self.name}_{self.version.replace(':', '%3a')}_{self.architecture}.deb"

    @property
    def pin(self) -> str:
        return f"{self.name}={self.version}"


@dataclass(frozen=True)
class Apt:
    """apt-cache/apt-get/dpkg-deb with the options that make resolution host-independent."""

    apt_get: str
    apt_cache: str
    dpkg_deb: str
    status_file: Path
    env: Mapping[str, str]
    timeout_s: float

    @classmethod
    def locate(cls, state_dir: Path, env: Mapping[str, str], timeout_s: float) -> Apt:
        search = {"PATH": env.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
        tools = {
            name: processes.resolve([name], search, TOOL_HINT)[0]
            for name in ("apt-get", "apt-cache", "dpkg-deb")
        }
        state_dir.mkdir(parents=True, exist_ok=True)
        status = state_dir / "dpkg-status-empty"
        status.touch()
        # Untranslated output: the parsers below read apt's English keywords.
        return cls(
            tools["apt-get"],
            tools["apt-cache"],
            tools["dpkg-deb"],
            status,
            {**env, "LC_ALL": "C", "LANG": "C"},
            timeout_s,
        )

    @property
    def options(self) -> tuple[str, ...]:
        return (
            "-o",
            f"Dir::State::status={self.status_file}",
            "-o",
            "APT::Architecture=amd64",
            # The download lands in our cache dir, which apt's sandbox user may not read.
            "-o",
            "APT::Sandbox::User=root",
        )

    def _run(self, argv: Sequence[str], cwd: Path | None = None) -> Completed:
        """apt or dpkg-deb through the process runner; a timeout is a BaseImageError."""
        done = processes.run(argv, timeout_s=self.timeout_s, cwd=cwd, env=self.env)
        if done.timed_out:
            shown = " ".join(argv)
            raise BaseImageError(
                f"{Path(argv[0]).name} timed out after {self.timeout_s:.0f}s: {shown}"
            )
        return done

    def update(self) -> None:
        result = self._run([self.apt_get, *self.options, "-q", "update"])
        if result.exit_code != 0:
            raise BaseImageError(
                f"apt-get update failed: {_tail(result.stderr)}",
                "check the apt sources and the network, then run `apt-get update`",
            )

    def closure(self, roots: Iterable[str], exclude: frozenset[str]) -> tuple[str, ...]:
        """Every real package `roots` need, level by level; excluded ones are not descended.

        Of an or-group the first real alternative is taken (and dropped when excluded: the
        dependency was judged unneeded, not its provider); a dependency on virtual packages only
        (debconf-2.0, say) is dropped, since only maintainer scripts want those.
        """
        seen: set[str] = set()
        level = sorted(set(roots) - exclude)
        while level:
            seen.update(level)
            result = self._run([self.apt_cache, *self.options, "depends", *DEPENDS_FLAGS, *level])
            if result.exit_code != 0:
                raise StaleIndexError(
                    f"apt-cache depends {' '.join(level)} failed: {_tail(result.stderr)}",
                    "run `apt-get update`",
                )
            found = {
                name
                for group in parse_depends(result.stdout)
                for name in group[:1]
                if name not in exclude
            }
            level = sorted(found - seen)
        return tuple(sorted(seen))

    def candidates(self, names: Sequence[str]) -> tuple[DebPackage, ...]:
        result = self._run([self.apt_cache, *self.options, "show", "--no-all-versions", *names])
        packages = {p.name: p for p in parse_show(result.stdout)}
        missing = [name for name in names if name not in packages]
        if result.exit_code != 0 or missing:
            raise StaleIndexError(
                f"no installable candidate for {', '.join(missing) or ' '.join(names)}: "
                f"{_tail(result.stderr)}",
                "run `apt-get update`",
            )
        return tuple(packages[name] for name in names)

    def download(self, packages: Sequence[DebPackage], debs_dir: Path) -> tuple[Path, ...]:
        """The .deb of each package, from the cache when its hash matches, else from apt."""
        debs_dir.mkdir(parents=True, exist_ok=True)
        wanted = [p for p in packages if not _has_hash(debs_dir / p.filename, p.sha256)]
        if wanted:
            argv = [self.apt_get, *self.options, "-q", "download", *(p.pin for p in wanted)]
            result = self._run(argv, debs_dir)
            if result.exit_code != 0:
                names = ", ".join(p.pin for p in wanted)
                raise StaleIndexError(
                    f"apt-get download failed for {names}: {_tail(result.stderr)}",
                    f"run `apt-get update`, then `apt-get download {wanted[0].pin}` to check",
                )
        for package in packages:
            deb = debs_dir / package.filename
            if not _has_hash(deb, package.sha256):
                deb.unlink(missing_ok=True)
                raise BaseImageError(
                    f"{package.pin}: {deb.name} is missing or does not match apt's sha256",
                    f"run `apt-get update`, then `apt-get download {package.pin}`",
                )
        return tuple(debs_dir / p.filename for p in packages)

    def unpack(self, deb: Path, root: Path) -> None:
        result = self._run([self.dpkg_deb, "-x", str(deb), str(root)])
        if result.exit_code != 0:
            raise BaseImageError(
                f"dpkg-deb -x {deb.name} failed: {_tail(result.stderr)}",
                f"delete {deb} so it is downloaded again",
            )


def parse_depends(text: str) -> list[tuple[str, ...]]:
    """`apt-cache depends` output -> or-groups of real package names (virtuals left out).

    A `|Depends:` line opens or continues an or-group that the next plain `Depends:` closes;
    lines indented further list a virtual package's providers and are not followed.
    """
    groups: list[tuple[str, ...]] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.startswith(("  ", " |")) or line.startswith("    "):
            continue
        alternative = line.startswith(" |")
        _, _, name = line.strip().lstrip("|").partition(":")
        name = name.strip()
        if name and not name.startswith("<"):
            current.append(name.split(":", 1)[0])
        if not alternative:
            if current:
                groups.append(tuple(current))
            current = []
    return groups


def parse_show(text: str) -> list[DebPackage]:
    packages = []
    for paragraph in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in paragraph.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if {"Package", "Version", "Architecture", "SHA256"} <= fields.keys():
            packages.append(
                DebPackage(
                    name=fields["Package"],
                    version=fields["Version"],
                    architecture=fields["Architecture"],
                    sha256=fields["SHA256"],
                    source=fields.get("Source", "").split(" ", 1)[0],
                )
            )
    return packages


def merge_usr(root: Path) -> None:
    """Move /bin, /lib, ... into /usr and leave symlinks, as a usr-merged Debian 12 has them.

    Where a file exists on both sides the /usr one wins: on a merged system both paths are the
    same file anyway.
    """
    for name in MERGED_DIRS:
        top = root / name
        if top.is_dir() and not top.is_symlink():
            _move_into(top, root / "usr" / name)
            shutil.rmtree(top)
        (root / "usr" / name).mkdir(parents=True, exist_ok=True)
        if not top.is_symlink():
            top.symlink_to(f"usr/{name}")


def _move_into(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for child in sorted(source.iterdir()):
        destination = target / child.name
        if child.is_dir() and not child.is_symlink():
            _move_into(child, destination)
        elif not destination.exists() and not destination.is_symlink():
            child.rename(destination)


def prune(root: Path, paths: Iterable[str] = PRUNED) -> None:
    for relative in paths:
        target = root / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)


def _has_hash(path: Path, expected: str) -> bool:
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == expected


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:]) or "no output"
