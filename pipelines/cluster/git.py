"""The local source repository Argo CD reads: this repository's charts, the overlaid argocd/
apps, the local stand-in charts and CRDs, one commit on a bare repository under the state dir.

On EKS, Argo CD reads all of that from GitHub; here a `file://` URL serves. It is rewritten by
every `cluster up` (a snapshot of the work tree's tracked files), while the values files stay in
the embedded GitOps remote that `release`, `promote` and `rollback` commit to.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from pipelines import processes
from pipelines.cluster.errors import ClusterError
from pipelines.gitops.git import GIT_HINT

IDENTITY = {
    "GIT_AUTHOR_NAME": "commerce-ci cluster",
    "GIT_AUTHOR_EMAIL": "cluster@commerce-ci.invalid",
    "GIT_COMMITTER_NAME": "commerce-ci cluster",
    "GIT_COMMITTER_EMAIL": "cluster@commerce-ci.invalid",
}


def _git(args: list[str], cwd: Path, env: Mapping[str, str]) -> str:
    result = processes.run(
        ["git", *args], timeout_s=120, cwd=cwd, env={**env, **IDENTITY}, hint=GIT_HINT
    )
    if result.timed_out:
        raise ClusterError(f"git {' '.join(args[:2])} timed out after 120s")
    if result.exit_code != 0:
        raise ClusterError(f"git {' '.join(args[:3])} failed: {result.stderr.strip()[-400:]}")
    return result.stdout


def tracked_files(root: Path, folders: list[str], env: Mapping[str, str]) -> list[str]:
    out = _git(["ls-files", "-z", "--", *folders], root, env)
    return [name for name in out.split("\0") if name]


def read_documents(
    root: Path, folder: str, env: Mapping[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """Every YAML document of the tracked files directly under `folder`, by path."""
    files: dict[str, list[dict[str, Any]]] = {}
    for name in tracked_files(root, [folder], env):
        if name.endswith(".yaml") and name.count("/") == folder.count("/") + 1:
            text = (root / name).read_text(encoding="utf-8")
            files[name] = [doc for doc in yaml.safe_load_all(text) if doc]
    return files


def publish_source(
    root: Path,
    bare: Path,
    documents: Mapping[str, list[dict[str, Any]]],
    extra: Mapping[str, Path],
    env: Mapping[str, str],
    branch: str = "main",
) -> str:
    """One commit of charts/ and cluster/charts/ (tracked files), the overlaid `documents` and
    the `extra` files (path in repo -> file), force-pushed to `bare`; returns its id."""
    with tempfile.TemporaryDirectory(prefix="cluster-source-") as scratch:
        tree = Path(scratch)
        for name in tracked_files(root, ["charts", "cluster/charts"], env):
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, target)
        for name, docs in documents.items():
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                yaml.safe_dump_all(docs, sort_keys=False, width=4096), encoding="utf-8"
            )
        for name, source in extra.items():
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        _git(["init", "--quiet", f"--initial-branch={branch}"], tree, env)
        _git(["add", "--all"], tree, env)
        message = "Local cluster source: charts and overlaid apps"
        _git(["commit", "--quiet", "-m", message], tree, env)
        if not (bare / "HEAD").exists():
            bare.mkdir(parents=True, exist_ok=True)
            _git(["init", "--quiet", "--bare", f"--initial-branch={branch}"], bare, env)
        _git(["push", "--quiet", "--force", str(bare), f"HEAD:refs/heads/{branch}"], tree, env)
        return _git(["rev-parse", "HEAD"], tree, env).strip()
