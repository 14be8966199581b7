"""`commerce-ci promote` and `rollback` through their parsers and handlers, on real remotes."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from testenv import PROJECT_ROOT

from pipelines.gitops.cli import DEFAULT_REMOTE, add_parsers
from pipelines.gitops.commands import GitOpsOptions, ImageUpdate, write_back
from pipelines.gitops.errors import GitOpsError
from pipelines.gitops.values import read_image

D1, D2 = ("sha256:" + c * 64 for c in "12")


def parse(argv: list[str]) -> tuple[argparse.Namespace, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="commerce-ci")
    handlers = add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv), handlers


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository root holding only argocd/, as the embedded default remote is seeded from."""
    shutil.copytree(PROJECT_ROOT / "argocd", tmp_path / "repo" / "argocd")
    return tmp_path / "repo"


#: These digests name no real image; signature checks are specified in test_supply_deploy.py.
UNSIGNED_OK = {"COMMERCE_CI_VERIFY_SIGNATURES": "false"}


def release(remote: Path, workdir: Path, env: str, tag: str, digest: str) -> None:
    update = ImageUpdate("cart", env, "registry.local/commerce/cart", tag, digest, "a" * 40)
    write_back(remote, [update], options=GitOpsOptions(workdir=workdir, environ=dict(os.environ)))


def shown(remote: Path, relpath: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(remote), "show", f"main:{relpath}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout


def test_promote_parses_services_and_environments() -> None:
    args, handlers = parse(["promote", "cart", "ad", "--from", "dev", "--to", "prod"])
    assert (args.services, args.from_env, args.to_env) == (["cart", "ad"], "dev", "prod")
    assert set(handlers) == {"promote", "rollback"}


def test_rollback_needs_an_environment() -> None:
    with pytest.raises(SystemExit):
        parse(["rollback", "cart"])


def test_promote_on_embedded_defaults_seeds_a_local_remote_and_commits(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(root), **UNSIGNED_OK}
    args, handlers = parse(["promote", "cart", "--json"])
    with pytest.raises(GitOpsError, match="no image digest to promote"):
        handlers["promote"](args, env, root)  # type: ignore[operator]
    remote = root / DEFAULT_REMOTE
    release(remote, root / "w", "dev", "v1", D1)
    assert handlers["promote"](args, env, root) == 0  # type: ignore[operator]
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == ["argocd/envs/prod/cart.yaml"] and report["changed"]
    assert read_image(shown(remote, "argocd/envs/prod/cart.yaml")).digest == D1


def test_rollback_uses_the_remote_named_in_the_environment(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.gitops.git import seed_local_remote

    remote = seed_local_remote(PROJECT_ROOT, tmp_path / "elsewhere.git", os.environ)
    release(remote, tmp_path / "w", "prod", "v1", D1)
    release(remote, tmp_path / "w", "prod", "v2", D2)
    env = {"PATH": os.environ["PATH"], "COMMERCE_CI_GITOPS_REMOTE": str(remote), **UNSIGNED_OK}
    args, handlers = parse(["rollback", "cart", "--env", "prod"])
    assert handlers["rollback"](args, env, root) == 0  # type: ignore[operator]
    assert "rollback(prod): cart to v1@sha256:111111111111" in capsys.readouterr().out
    assert read_image(shown(remote, "argocd/envs/prod/cart.yaml")).digest == D1
    assert not (root / DEFAULT_REMOTE).exists()
