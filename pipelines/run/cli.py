"""`commerce-ci run` and `commerce-ci release`: flags and the environment into a RunRequest.

Both only adapt: the services chosen, the stages, where images go (`release` with no
`--registry` starts the embedded one, with no `--gitops-remote` seeds a local bare remote), then
`pipelines.run.assemble.execute` on the kit `--engine` names does the run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.errors import ConfigError, ExitCode
from pipelines.settings import Settings, add_flags, from_args
from pipelines.steps import CHECK_STAGES, GITOPS_STAGES, RELEASE_STAGES, Stage, parse_stages

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.engines.base import EngineKit
    from pipelines.results import RunResult
    from pipelines.run.assemble import RunRequest

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]

#: The settings every run reads.
RUN_SETTINGS = (
    "engine",
    "jobs",
    "report_dir",
    "cache_dir",
    "vuln_db",
    "fail_on",
    "step_timeout",
    "services_dir",
)


def _stages(value: str) -> tuple[Stage, ...]:
    try:
        return parse_stages(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Handler]:
    from pipelines.gitops.cli import GITOPS_SETTINGS
    from pipelines.images.cli import IMAGE_SETTINGS
    from pipelines.supply.cli import SUPPLY_SETTINGS

    run = sub.add_parser(
        "run",
        help="run stages for services",
        description="Run build, test, lint and SCA for services (all of them by default); "
        "add image,push with --registry to publish images.",
    )
    _add_selection(run)
    run.add_argument(
        "--stages",
        type=_stages,
        default=CHECK_STAGES,
        help="comma-separated stages: build,test,lint,sca (the default), image, push",
    )
    add_flags(run, [*RUN_SETTINGS, *IMAGE_SETTINGS, *SUPPLY_SETTINGS])

    release = sub.add_parser(
        "release",
        help="build, check, publish and record services' images in GitOps",
        description="The whole chain for services: build, test, lint, SCA, image, push, then "
        "the new images in argocd/envs/ENV/SERVICE.yaml, one commit pushed to the GitOps remote. "
        "With no settings it starts a local registry (runtime bases built from Debian packages) "
        "and uses a local bare GitOps remote seeded from this repository.",
    )
    _add_selection(release)
    release.add_argument("--env", dest="env_name", required=True, help="environment, e.g. dev")
    release.add_argument("--version", dest="release_version", help="X.Y.Z: also tag vX.Y.Z")
    release.add_argument(
        "--stages",
        type=_stages,
        default=RELEASE_STAGES,
        help="comma-separated stages (default: all of them)",
    )
    add_flags(release, [*RUN_SETTINGS, *IMAGE_SETTINGS, *GITOPS_SETTINGS, *SUPPLY_SETTINGS])
    return {"run": cmd_run, "release": cmd_release}


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE", help="services to run")
    parser.add_argument("--all", action="store_true", help="every service (the default)")
    parser.add_argument(
        "--changed", action="store_true", help="only services affected since --base (see plan)"
    )
    parser.add_argument("--base", help="base revision for --changed")
    parser.add_argument(
        "--keep-going", action="store_true", help="run every service even after one failed"
    )


def selected(args: argparse.Namespace, settings: Settings, root: Path) -> tuple[Service, ...]:
    """The services named, or affected since --base (--changed), or all of them."""
    from pipelines.catalog import load_catalog

    if args.services and (args.changed or args.all):
        raise ConfigError("--changed/--all", None, "give service names or --changed/--all")
    catalog = load_catalog(root, settings.services_dir, settings.source("services_dir"))
    if args.changed:
        from pipelines.plan import plan_changes

        changed = plan_changes(catalog, root, args.base, None).services
        if not changed:  # select() of no names is every service
            since = f"since {args.base}" if args.base else "on this branch"
            raise ConfigError("--changed", None, f"no service changed {since}: nothing to run")
        return tuple(catalog.select(changed))
    return tuple(catalog.select(args.services))


def execute(request: RunRequest, env: Mapping[str, str], kit: EngineKit | None = None) -> RunResult:
    """The run on `kit` (default: the engine `--engine` names), with live progress on stderr."""
    import anyio

    from pipelines.engines import kit_for
    from pipelines.reports.progress import make_sink
    from pipelines.run.assemble import execute, stderr

    sink = make_sink(sys.stderr, env, sys.stderr.isatty())
    try:
        kit = kit or kit_for(request.settings.engine)
        return anyio.run(execute, request, kit, sink, stderr)
    finally:
        sink.close()


def _request(
    args: argparse.Namespace,
    settings: Settings,
    root: Path,
    env: Mapping[str, str],
    services: tuple[Service, ...] | None = None,
    **parts: Any,
) -> RunRequest:
    """The run the flags ask for; `parts` say where images and GitOps commits go."""
    from pipelines.run.assemble import RunRequest

    chosen = services if services is not None else selected(args, settings, root)
    return RunRequest(root, settings, chosen, args.stages, env, args.keep_going, **parts)


def cmd_run(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.images.config import target_from

    settings = from_args(args, env, root)
    if set(args.stages) & set(GITOPS_STAGES):
        raise ConfigError("--stages", None, "manifest and commit belong to `commerce-ci release`")
    request = _request(args, settings, root, env, registry=target_from(settings))
    return ExitCode.STAGE_FAILED if execute(request, env).failed else ExitCode.OK


def cmd_release(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.engines.local import host_env
    from pipelines.gitops.cli import check_environment, resolve_remote
    from pipelines.images.config import (
        RegistryTarget,
        check_version,
        embedded_target,
        target_from,
    )
    from pipelines.run.assemble import GitOpsTarget, check, stderr

    settings = from_args(args, env, root)
    check_environment(args.env_name, "--env")
    services = selected(args, settings, root)  # an unknown name fails before anything starts
    version = check_version(args.release_version)
    configured = target_from(settings)
    remote, workdir = resolve_remote(args, env, root, lambda _line: None, seed=False)
    gitops = GitOpsTarget(remote, args.env_name, workdir, env)
    request = _request(
        args, settings, root, env, services, registry=configured, version=version, gitops=gitops
    )
    # Everything checked before the embedded registry or remote is started or seeded.
    check(replace(request, registry=configured or RegistryTarget("127.0.0.1")))
    if settings.gitops_remote is None:  # a handful of git commands, said below
        resolve_remote(args, env, root, lambda _line: None)
    stderr(f"gitops: {remote.url} ({remote.branch})")
    with embedded_target(settings, host_env(env, root), stderr) as target:
        result = execute(replace(request, registry=target), env)
    commit = result.extra.get("gitops")
    if isinstance(commit, dict) and commit.get("commit"):
        print(f"gitops: {commit['commit'][:12]} on {commit['remote']} ({commit['branch']})")
    return ExitCode.STAGE_FAILED if result.failed else ExitCode.OK
