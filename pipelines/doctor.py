"""`commerce-ci doctor`: what this machine can run, and where each setting came from."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from pipelines.errors import ExitCode
from pipelines.settings import Settings, from_args

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Handler]:
    sub.add_parser("doctor", help="show settings, and which tools each language needs and has")
    return {"doctor": cmd_doctor}


def cmd_doctor(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.engines.local import host_env

    return doctor(root, from_args(args, env, root), host_env(env, root), sys.stdout)


def tool_table(env: Mapping[str, str]) -> list[tuple[str, str, str | None, str]]:
    """(part, tool, path or None, install hint) for every tool a stage runs: the SCA scanners
    once (every language runs them), then each toolchain's own."""
    from pipelines.sca.steps import INSTALL_HINTS as SCA_HINTS
    from pipelines.toolchains import REGISTRY, get_toolchain

    wanted = [("sca", tool, hint) for tool, hint in sorted(SCA_HINTS.items())]
    for language in REGISTRY:
        hints = get_toolchain(language).install_hints
        wanted += [(language, t, h) for t, h in sorted(hints.items()) if t not in SCA_HINTS]
    return [(part, tool, shutil.which(tool, path=env.get("PATH")), h) for part, tool, h in wanted]


def release_tools(env: Mapping[str, str]) -> list[tuple[str, str, str | None, str]]:
    """(part, tool, path or None, install hint) for what `release` needs beyond toolchains."""
    from pipelines.images.debian import TOOL_HINT as DEBIAN_HINT
    from pipelines.registry.server import BINARY, INSTALL_HINT

    needs = [
        ("registry", BINARY, INSTALL_HINT + "; only without --registry"),
        ("bases", "apt-get", DEBIAN_HINT),
        ("bases", "apt-cache", DEBIAN_HINT),
        ("bases", "dpkg-deb", DEBIAN_HINT),
        ("gitops", "git", "apt-get install git"),
    ]
    return [
        (part, tool, shutil.which(tool, path=env.get("PATH")), hint) for part, tool, hint in needs
    ]


def _print_tools(title: str, rows: list[tuple[str, str, str | None, str]], out: TextIO) -> int:
    """One line per tool: where it is, or how to install it; returns how many are missing."""
    print(title, file=out)
    for part, tool, path, hint in rows:
        where = f"  ok       {part:<10} {tool:<14} {path}" if path else None
        print(where or f"  MISSING  {part:<10} {tool:<14} {hint}", file=out)
    return sum(1 for row in rows if row[2] is None)


def doctor(root: Path, settings: Settings, env: Mapping[str, str], out: TextIO) -> int:
    print(f"repository: {root}", file=out)
    print("settings:", file=out)
    for name, resolved in settings.values.items():
        print(f"  {name:<18} {resolved.value!s:<44} ({resolved.origin})", file=out)
    missing = _print_tools("tools (local engine):", tool_table(env), out)
    missing += _print_tools("tools (release):", release_tools(env), out)
    try:
        import dagger  # noqa: F401

        print("dagger SDK: installed (the dagger engine needs the dagger CLI too)", file=out)
    except ImportError:
        print("dagger SDK: not installed (pip install 'commerce-ci[dagger]')", file=out)
    if missing:
        print(f"{missing} tool(s) missing: stages that need them will fail, naming them", file=out)
    return int(ExitCode.OK)
