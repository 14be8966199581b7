"""The Dagger engine's registry mirrors: the same pull-through cache for the engine's pulls.

Dagger v0.21 reads `registries.<registry>.mirrors` from `~/.config/dagger/engine.json` when it
starts an engine itself; an engine started by hand reads `engine.toml`
(`[registry."docker.io"] mirrors = [...]`). Both are written here, before any engine runs.

This module imports nothing outside the standard library and the engine's own stdlib-only
modules (errors), because `python3 -S -m pipelines.engines.dagger_mirrors engine-config` runs
on a bare CI runner.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipelines.errors import ConfigError, ExitCode

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
_PATH = re.compile(r"^[a-z0-9]+([._/-][a-z0-9]+)*$")


class MirrorError(ConfigError):
    """A mirror setting (or engine.json) that the engine would reject or misread: bad input."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(source, None, message)


def parse_mirror(text: str) -> tuple[str, str]:
    """`REGISTRY=MIRROR[/PATH]` -> (registry, mirror); hosts only, no scheme.

    A path after the mirror's host is a repository prefix (an ECR pull-through cache keeps
    Docker Hub under `<prefix>/`), which BuildKit's mirror resolution supports.
    """
    registry, sep, mirror = text.strip().partition("=")
    if not sep or not registry or not mirror:
        raise MirrorError(repr(text), "expected REGISTRY=MIRROR[/PATH]")
    if "://" in registry or "://" in mirror:
        raise MirrorError(repr(text), "hosts only, without a scheme")
    host, _, path = mirror.strip("/").partition("/")
    if not _HOST.match(registry) or not _HOST.match(host):
        raise MirrorError(repr(text), "not a registry host")
    if path and not _PATH.match(path):
        raise MirrorError(repr(text), f"{path!r} is not a repository path")
    return registry.lower(), mirror.strip("/")


def engine_config(
    mirrors: Mapping[str, Sequence[str]], existing: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """`engine.json` (Dagger >= 0.19) with `registries.<registry>.mirrors` set.

    Other settings of an existing file, and other registries, are kept: the file may carry
    settings this run does not own.
    """
    config = dict(existing or {})
    registries = dict(config.get("registries") or {})
    for registry, hosts in sorted(mirrors.items()):
        entry = dict(registries.get(registry) or {})
        entry["mirrors"] = list(hosts)
        registries[registry] = entry
    config["registries"] = registries
    return config


def engine_toml(mirrors: Mapping[str, Sequence[str]]) -> str:
    """The same as BuildKit-style `engine.toml`, for a runner started by hand
    (`_EXPERIMENTAL_DAGGER_RUNNER_HOST`), which reads that file only."""
    lines: list[str] = []
    for registry, hosts in sorted(mirrors.items()):
        listed = ", ".join(json.dumps(h) for h in hosts)
        lines += [f"[registry.{json.dumps(registry)}]", f"  mirrors = [{listed}]", ""]
    return "\n".join(lines)


def _mirrors(pairs: Sequence[str]) -> dict[str, list[str]]:
    mirrors: dict[str, list[str]] = {}
    for pair in pairs:
        registry, mirror = parse_mirror(pair)
        mirrors.setdefault(registry, []).append(mirror)
    return mirrors


def write_engine_config(path: Path, mirrors: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Merge the mirrors into the engine.json at `path` (created with its folder if missing)."""
    existing: dict[str, Any] = {}
    if path.is_file():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise MirrorError(str(path), f"not JSON ({exc})") from None
        if not isinstance(existing, dict):
            raise MirrorError(str(path), "not a JSON object")
    config = engine_config(mirrors, existing)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m pipelines.engines.dagger_mirrors",
        description="Write the Dagger engine's registry mirrors (before the engine starts).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("engine-config", help="engine.json (or engine.toml) with mirrors")
    config.add_argument(
        "--mirror",
        action="append",
        required=True,
        metavar="REGISTRY=MIRROR[/PATH]",
        help="e.g. docker.io=123456789012.dkr.ecr.eu-west-1.amazonaws.com/commerce-docker-hub",
    )
    config.add_argument("--file", type=Path, help="engine.json to merge into (default: stdout)")
    config.add_argument("--format", choices=("json", "toml"), default="json")
    args = parser.parse_args(argv)
    try:
        mirrors = _mirrors(args.mirror)
        if args.format == "toml":
            text = engine_toml(mirrors)
        elif args.file is not None:
            write_engine_config(args.file, mirrors)
            return int(ExitCode.OK)
        else:
            text = json.dumps(engine_config(mirrors), indent=2, sort_keys=True) + "\n"
    except MirrorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    if args.file is not None:
        args.file.parent.mkdir(parents=True, exist_ok=True)
        args.file.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
