"""`commerce-ci write-back`: the fan-in of release reports, hooked in by pipelines.cli.

The local twin of `dagger call write-back`: releases run without their commit stage
(`commerce-ci release --stages build,test,lint,sca,image,push,sbom,sign,manifest`) leave their
images in their report.json; this command records them all in one commit. The GitOps remote is
resolved as for `promote` and `rollback` (flag, `COMMERCE_CI_GITOPS_*`, else the embedded one).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path

from pipelines.settings import add_flags

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]


def add_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    """Adds `write-back`; returns its handler by command name."""
    from pipelines.gitops.cli import GITOPS_SETTINGS

    parser = subparsers.add_parser(
        "write-back",
        help="record the images of release reports (run without commit) in one GitOps commit",
    )
    parser.add_argument(
        "reports",
        nargs="+",
        type=Path,
        metavar="REPORT",
        help="report.json files, or folders searched for them",
    )
    parser.add_argument("--env", dest="env_name", required=True, help="environment, e.g. dev")
    parser.add_argument(
        "--source-commit",
        default=None,
        help="commit the images were built from (default: each report's revision)",
    )
    parser.add_argument("--json", action="store_true", help="print the commit as JSON")
    add_flags(parser, (*GITOPS_SETTINGS, "cache_dir"))
    return {"write-back": cmd_write_back}


def cmd_write_back(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.gitops.cli import _report, _stderr, check_environment, resolve_remote
    from pipelines.gitops.commands import GitOpsOptions
    from pipelines.gitops.fanin import find_reports, write_reports

    check_environment(args.env_name, "--env")
    reports = find_reports(args.reports)
    remote, workdir = resolve_remote(args, env, root, _stderr)
    options = GitOpsOptions(workdir=workdir, environ=env, log=_stderr)
    result = write_reports(remote, reports, args.env_name, args.source_commit, options=options)
    return _report(result, args.json)
