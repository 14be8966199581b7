"""The `commerce-ci` console script.

`plan` and `services` in the spellings `pipelines.queries` reads go straight there, importing
only what answering them takes; every other command line (and any spelling it is not sure of)
goes to `pipelines.cli`, the argparse command line, which gives the same answers. Errors map to
exit codes the way `pipelines.cli.main` maps them.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import NoReturn

    from pipelines.plan.changes import PendingChanges
    from pipelines.queries import Query


def console() -> NoReturn:
    """The console script: `main`, then exit. A query leaves without the interpreter's teardown
    (its output flushed first): unloading what it imported takes ~5 ms, a tenth of a plan, and
    a query starts no threads and registers nothing to run at exit. Every other command exits
    the usual way: runs export telemetry and stop servers on the way out."""
    argv = sys.argv[1:]
    from pipelines.queries import read_argv

    query = read_argv(argv)
    if query is None:
        from pipelines.cli import main as cli_main

        sys.exit(cli_main(argv))
    code = _answer(query, os.environ)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`| head`): what was written is all a reader wanted
        code = code or 1
    os._exit(code)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """`commerce-ci ARGV` in this process, its exit code returned (tests call this)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    from pipelines.queries import read_argv

    query = read_argv(argv)
    if query is None:
        from pipelines.cli import main as cli_main

        return cli_main(argv, env)
    return _answer(query, os.environ if env is None else env)


def _answer(query: Query, env: Mapping[str, str]) -> int:
    from pipelines.queries import find_root, start_plan

    given = query.root
    root = os.path.realpath(given if given is not None else find_root(os.getcwd(), os.environ))
    # git first: it works while the imports of `_report` (signal and the errors bring enum and
    # re) and the catalog load run; closing it stops git on any way out.
    started = start_plan(root, query.options) if query.command == "plan" else None
    try:
        return _report(query, env, root, started)
    finally:
        if started is not None:
            started.close()


def _report(query: Query, env: Mapping[str, str], root: str, started: PendingChanges | None) -> int:
    """Run `query`, with errors and interrupts reported as `pipelines.cli.main` reports them."""
    import signal

    from pipelines.errors import CommerceCiError, ExitCode
    from pipelines.queries import run

    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        return run(query, env, root, sys.stdout, started)
    except CommerceCiError as exc:
        from pipelines.errors import env_secrets, error_line, redact

        print(f"commerce-ci: error: {error_line(exc, env)}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {redact(exc.hint, env_secrets(env))}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("commerce-ci: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops a query as Ctrl-C does (`pipelines.cli` says why), so git, in its own
    session, is killed rather than orphaned."""
    import signal

    if signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL, None):
        raise KeyboardInterrupt
    signal.raise_signal(signal.SIGINT)


if __name__ == "__main__":
    console()
