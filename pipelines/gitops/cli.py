"""`commerce-ci promote` and `commerce-ci rollback`, hooked into pipelines.cli by add_parsers().

Handlers take (args, env, root) like the other commands and raise; pipelines.cli maps errors to
exit codes. The GitOps remote comes from a flag, then `COMMERCE_CI_GITOPS_*` in the environment,
then the embedded default: a bare repository under the cache dir, seeded from argocd/ on first
use, so both commands work on a fresh machine with no settings at all.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import ConfigError, ExitCode, shown
from pipelines.settings import add_flags, from_args

if TYPE_CHECKING:
    from pipelines.gitops.commands import GitOpsOptions
    from pipelines.gitops.git import CommitResult, GitOpsRemote
    from pipelines.supply.verify import SignatureCheck

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]

#: The settings (pipelines/settings.py) these commands read.
GITOPS_SETTINGS = ("gitops_remote", "gitops_branch", "gitops_token_env", "gitops_workdir")
DEFAULT_REMOTE = Path(".cache/commerce-ci/gitops/remote.git")
DEFAULT_WORKDIR = Path(".cache/commerce-ci/gitops/work")


def _add_remote_flags(parser: argparse.ArgumentParser) -> None:
    add_flags(parser, (*GITOPS_SETTINGS, "cosign_pub", "cache_dir"))
    parser.add_argument("--json", action="store_true", help="print the commit as JSON")


def add_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    """Adds `promote` and `rollback`; returns their handlers by command name."""
    promote = subparsers.add_parser(
        "promote",
        help="copy services' images from one environment's values to another's (one commit)",
    )
    promote.add_argument("services", nargs="+", metavar="SERVICE")
    promote.add_argument("--from", dest="from_env", default="dev", help="default: dev")
    promote.add_argument("--to", dest="to_env", default="prod", help="default: prod")
    _add_remote_flags(promote)

    rollback = subparsers.add_parser(
        "rollback",
        help="restore a service's previous image in one environment (one commit)",
    )
    rollback.add_argument("service", metavar="SERVICE")
    rollback.add_argument("--env", dest="env_name", required=True, help="environment, e.g. prod")
    rollback.add_argument(
        "--to",
        dest="to_digest",
        metavar="DIGEST",
        help="sha256 digest to restore (default: the one before the current, from git history)",
    )
    _add_remote_flags(rollback)
    return {"promote": cmd_promote, "rollback": cmd_rollback}


#: What git's check-ref-format refuses in a branch name (and a leading '-', which git would
#: read as an option), checked here so the error names the setting rather than a git command.
_BAD_REF = re.compile(
    r"(^[-/.])|(\.\.)|(@\{)|([\x00-\x20\x7f~^:?*\[\\])|(//)|([/.]$)|(\.lock$)|(/\.)"
)


def check_branch(branch: str, source: str) -> str:
    if not branch or branch == "@" or _BAD_REF.search(branch):
        raise ConfigError(source, "gitops_branch", f"{shown(branch)} is not a valid branch name")
    return branch


def check_remote(url: str, source: str) -> str:
    if not url.strip() or url.startswith("-"):
        raise ConfigError(source, "gitops_remote", f"{shown(url)} is not a path or git URL")
    return url


def check_workdir(workdir: Path, source: str) -> Path:
    """The GitOps work dir holds one clone per remote: a folder, or a place to make one."""
    from pipelines.run.assemble import check_writable_dir

    check_writable_dir(workdir, source, "gitops_workdir")
    return workdir


def check_environment(name: str, source: str) -> str:
    """An environment is a folder name under argocd/envs/: a DNS label, nothing else."""
    from pipelines.gitops.values import NAME_PATTERN

    if not NAME_PATTERN.match(name):
        what = "is not an environment name (lowercase letters, digits, '-')"
        raise ConfigError(source, None, f"{shown(name)} {what}")
    return name


def resolve_remote(
    args: argparse.Namespace,
    env: Mapping[str, str],
    root: Path,
    log: Callable[[str], None],
    seed: bool = True,
) -> tuple[GitOpsRemote, Path]:
    """The remote and work dir from flags, env or the embedded default (seeded on first use);
    every GitOps setting is checked before anything is seeded or cloned."""
    from pipelines.gitops.git import GitOpsRemote, seed_local_remote

    settings = from_args(args, env, root)
    url = settings.gitops_remote
    branch = check_branch(settings.gitops_branch, settings.source("gitops_branch"))
    if url is not None:
        check_remote(url, settings.source("gitops_remote"))
    check_workdir(Path(settings.gitops_workdir), settings.source("gitops_workdir"))
    if url is None:
        bare = root / DEFAULT_REMOTE
        if seed:
            seed_local_remote(root, bare, env, branch=branch, log=log)
        url = str(bare)
    remote = GitOpsRemote(url, branch, token_env=settings.gitops_token_env)
    return remote, Path(settings.gitops_workdir)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _report(result: CommitResult, as_json: bool) -> int:
    if as_json:
        print(json.dumps({**result.to_report(), "changed": result.changed}, indent=2))
    elif result.changed:
        print(f"{result.commit[:12]} {result.subject}")
        print(f"pushed to {result.remote} ({result.branch}): {', '.join(result.files)}")
    else:
        print(f"nothing to change: {result.remote} ({result.branch}) already has it")
    return ExitCode.OK


def _signature_check(
    args: argparse.Namespace, env: Mapping[str, str], root: Path
) -> SignatureCheck | None:
    """The signature check of every digest deployed (pipelines.supply.verify), unless the
    verify_signatures setting turns it off, which is said on stderr."""
    from pipelines.engines.local import host_env
    from pipelines.supply.verify import signature_check

    settings = from_args(args, env, root)
    if not settings.verify_signatures:
        _stderr(f"warning: signatures are not checked ({settings.source('verify_signatures')})")
        return None
    return signature_check(settings.cosign_pub, host_env(env, root), settings.cache_dir)


def _target(
    args: argparse.Namespace, env: Mapping[str, str], root: Path
) -> tuple[GitOpsRemote, GitOpsOptions, SignatureCheck | None]:
    """What promote and rollback both work with: the remote, git's options, the check."""
    from pipelines.gitops.commands import GitOpsOptions

    remote, workdir = resolve_remote(args, env, root, _stderr)
    options = GitOpsOptions(workdir=workdir, environ=env, log=_stderr)
    return remote, options, _signature_check(args, env, root)


def cmd_promote(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.gitops.commands import promote

    check_environment(args.from_env, "--from")
    check_environment(args.to_env, "--to")
    if args.from_env == args.to_env:
        raise ConfigError("--to", None, f"{args.to_env} is also --from: promote to another env")
    remote, options, verify = _target(args, env, root)
    moved = (args.services, args.from_env, args.to_env)
    return _report(promote(remote, *moved, options=options, verify=verify), args.json)


def cmd_rollback(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.gitops.commands import rollback
    from pipelines.gitops.values import ImageFields

    check_environment(args.env_name, "--env")
    if args.to_digest is not None:
        ImageFields("commerce/x", "x", args.to_digest).validate(f"--to {shown(args.to_digest)}")
    remote, options, verify = _target(args, env, root)
    restored = (args.service, args.env_name, args.to_digest)
    return _report(rollback(remote, *restored, options=options, verify=verify), args.json)
