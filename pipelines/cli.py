"""The `commerce-ci` command line: the only place that turns errors into exit codes.

Heavy modules (gitpython, rich, opentelemetry, the engines) are imported inside the command that
uses them, so that `commerce-ci plan` and `commerce-ci services` start quickly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from pipelines import __version__
from pipelines.errors import CommerceCiError, ExitCode, env_secrets, error_line, redact, unwrap
from pipelines.settings import add_flags
from pipelines.source import git_root

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]

EPILOG = """exit codes: 0 success, 1 a stage failed, 2 bad input or config, 130 interrupted.
Settings come from flags, COMMERCE_CI_<NAME> env vars, or commerce-ci.toml at the repository
root, in that order; `commerce-ci doctor` shows each value and where it came from."""


@dataclass(frozen=True)
class Commands:
    """Subcommands that one `add_parsers(sub) -> {name: handler}` function defines.

    `where` ("module:function") is imported only when one of `names` is the command being run,
    or for the complete `commerce-ci --help`, so no command pays for another's imports."""

    where: str
    names: tuple[str, ...]

    def add_to(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        module, function = self.where.split(":")
        handlers = getattr(importlib.import_module(module), function)(sub)
        for name, handler in handlers.items():
            sub.choices[name].set_defaults(handler=handler)


#: Every subcommand, in `--help` order. Registering a module's subcommands is one line here.
SUBCOMMANDS: tuple[Commands, ...] = (
    Commands("pipelines.cli:add_catalog_parsers", ("services", "plan")),
    Commands("pipelines.run.cli:add_parsers", ("run", "release")),
    Commands("pipelines.shop.cli:add_parsers", ("shop",)),
    Commands("pipelines.doctor:add_parsers", ("doctor",)),
    Commands("pipelines.gitops.cli:add_parsers", ("promote", "rollback")),
    Commands("pipelines.gitops.fanin_cli:add_parsers", ("write-back",)),
    Commands("pipelines.images.cli:add_parsers", ("images", "bases")),
    Commands("pipelines.reports.html.cli:add_parsers", ("report",)),
    Commands("pipelines.cluster.cli:add_parsers", ("cluster",)),
)


def command_in(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names: its first word that is neither an option nor --root's value."""
    words = iter(argv)
    for word in words:
        if word == "--root":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


class _Parser(argparse.ArgumentParser):
    """argparse's parser, but a usage error is one line (credentials masked, long values cut),
    with where to find the usage, instead of the whole usage first."""

    def error(self, message: str) -> NoReturn:
        line = error_line(CommerceCiError(message), os.environ)
        self.exit(2, f"{self.prog}: error: {line} (see `{self.prog} --help`)\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: with only the subcommand it names defined, when it names a known
    one; with every subcommand otherwise (no argv, `--help`, a typo), so help stays complete."""
    parser = _Parser(
        prog="commerce-ci",
        description="Build, test, lint and scan the commerce services, locally or with Dagger.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"commerce-ci {__version__}")
    parser.add_argument(
        "--root", type=Path, help="repository root (default: the git work tree around the cwd)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = command_in(argv) if argv is not None else None
    chosen = [group for group in SUBCOMMANDS if command in group.names]
    for group in chosen or SUBCOMMANDS:
        group.add_to(sub)
    return parser


def add_catalog_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    """`services` and `plan`: on every CI run's critical path, so nothing heavy is imported."""
    services = sub.add_parser("services", help="list the services of the catalog")
    services.add_argument("--json", action="store_true", help="print JSON")
    add_flags(services, ["services_dir", "cache_dir"])

    plan = sub.add_parser("plan", help="which services changed between two revisions")
    plan.add_argument("--base", help="base revision (default: merge-base with main, or HEAD~1)")
    plan.add_argument("--head", help="head revision (default: HEAD)")
    plan.add_argument("--json", action="store_true", help="print JSON")
    add_flags(plan, ["services_dir", "cache_dir"])
    return {"services": cmd_services, "plan": cmd_plan}


def cmd_services(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.queries import load, print_services

    print_services(load(str(root), env, vars(args)), args.json, sys.stdout)
    return ExitCode.OK


def cmd_plan(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.queries import answer_plan

    answer_plan(str(root), env, vars(args), sys.stdout)
    return ExitCode.OK


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a CI runner cancelling, `timeout`, `kill`) stops the run the way Ctrl-C does, so
    steps and shop services, each in its own process group, are stopped rather than orphaned.

    A process started in the background by a non-interactive shell ignores SIGINT, so there the
    interrupt is raised directly."""
    if signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL, None):
        raise KeyboardInterrupt
    signal.raise_signal(signal.SIGINT)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    root = (args.root or git_root(Path.cwd())).resolve()
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        try:
            return int(args.handler(args, env, root))
        except BaseExceptionGroup as group:
            raise unwrap(group) from None
    except CommerceCiError as exc:
        return report(exc, env)
    except KeyboardInterrupt:
        print("commerce-ci: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)


def report(exc: CommerceCiError, env: Mapping[str, str]) -> int:
    """Print `exc` as the one error line (and its hint); return its exit code."""
    print(f"commerce-ci: error: {error_line(exc, env)}", file=sys.stderr)
    if exc.hint:
        print(f"hint: {redact(exc.hint, env_secrets(env))}", file=sys.stderr)
    return int(exc.exit_code)


if __name__ == "__main__":
    sys.exit(main())
