"""`commerce-ci cluster up|down|status|monitors|build`, hooked into pipelines.cli."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from pipelines.errors import ExitCode
from pipelines.settings import add_flags, from_args

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]
ACTIONS = ("up", "down", "status", "monitors", "build")


def add_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    from pipelines.gitops.cli import GITOPS_SETTINGS

    cluster = subparsers.add_parser(
        "cluster",
        help="a local single-node Kubernetes and Argo CD that deploy the GitOps commits",
        description="up: build (once per pin) and start Kubernetes and Argo CD as host "
        "processes, configured from argocd/ through the local overlay, deploying the embedded "
        "GitOps remote; prints `kubeconfig: PATH`. down: stop everything and undo every host "
        "change. status: processes, Applications, and what the overlay replaces. monitors: "
        "regenerate Prometheus's scrape config from the cluster's ServiceMonitors. build: only "
        "build the pinned binaries (no root, no ports; an `up` started meanwhile waits for it).",
    )
    cluster.add_argument("action", choices=ACTIONS)
    add_flags(cluster, ["cache_dir", *GITOPS_SETTINGS])
    return {"cluster": cmd_cluster}


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_cluster(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.cluster.layout import Layout
    from pipelines.cluster.up import Cluster, build_all, down, status, sync_monitors, up
    from pipelines.engines.local import host_env
    from pipelines.gitops.cli import resolve_remote

    settings = from_args(args, env, root)
    cache = Path(settings.cache_dir)
    cache = cache if cache.is_absolute() else root / cache
    gitops = Path()
    if args.action == "up":
        remote, _ = resolve_remote(args, env, root, _stderr)
        gitops = Path(remote.url)
    cluster = Cluster(root, Layout(cache.resolve()), host_env(env, root), gitops.resolve(), _stderr)
    if args.action == "up":
        try:
            kubeconfig = up(cluster)
        except BaseException as error:
            _stderr(f"cluster: up failed ({error}); taking down what was started")
            try:
                down(cluster)
            except Exception as also:
                _stderr(f"cluster: down after the failed up: {also}")
            raise
        print(f"kubeconfig: {kubeconfig}", flush=True)
    elif args.action == "down":
        down(cluster)
        _stderr("cluster: down; no process left, host changes undone")
    elif args.action == "monitors":
        sync_monitors(cluster)
    elif args.action == "build":
        for built in build_all(cluster).values():
            _stderr(f"cluster: {built.build.name} {built.build.version} in {built.folder}")
    else:
        for line in status(cluster):
            print(line)
    return ExitCode.OK
