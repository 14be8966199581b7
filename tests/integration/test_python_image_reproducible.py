"""A Python service's image is the same bytes from any clone: two clean clones of one commit,
in different folders, built and pushed by `commerce-ci run` to a real registry, give one digest.

The two clones push under different prefixes, so the second cannot reuse the first's image
through the input-digest tag: both are built from scratch. They share the runtime base (built
once from Debian's packages) and the module caches, as two runners behind one cache would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from registry_fixtures import UPSTREAM_USERS, RegistryServer, start_registry, stop
from testenv import PROJECT_ROOT

from pipelines.images.config import DEFAULT_SOURCE_URL

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "services" / "python-svc"
SHARED_CACHE = PROJECT_ROOT / ".cache" / "commerce-ci"
pytestmark = pytest.mark.toolchain("python")


def _git(root: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True, timeout=60
    )
    return out.stdout.strip()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    server = start_registry(tmp_path_factory.mktemp("registry"), UPSTREAM_USERS)
    yield server
    stop(server.process)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("origin") / "repo"
    shutil.copytree(FIXTURE, root / "services" / "python-svc")
    (root / ".gitignore").write_text("dist/\nbuild/\n.commerce-ci/\n/reports/\n")
    _git(root, "init", "-q", "--initial-branch=main")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "python-svc")
    return root


def _env(registry: RegistryServer) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "COMMERCE_CI_REGISTRY_USERNAME": registry.username,
        "COMMERCE_CI_REGISTRY_PASSWORD": registry.password,
    }
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY"):
        env.pop(name, None)
    return env


def _cli(root: Path, registry: RegistryServer, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pipelines.cli", "--root", str(root), *args]
    done = subprocess.run(
        argv, cwd=root, env=_env(registry), capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _image_from_clone(origin: Path, clone: Path, registry: RegistryServer, prefix: str) -> dict:
    clone.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, timeout=60)
    _cli(
        clone,
        registry,
        "run",
        "python-svc",
        "--stages",
        "build,image,push",
        "--registry",
        f"{registry.address}/{prefix}",
        "--base-registry",
        registry.address,
        "--cache-dir",
        str(SHARED_CACHE),
        "--report-dir",
        str(clone / "reports"),
    )
    report = json.loads((clone / "reports" / "report.json").read_text())
    return report["services"]["python-svc"]["image"]


@pytest.fixture(scope="module")
def images(origin: Path, registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory):
    _cli(
        origin,
        registry,
        "bases",
        "python",
        "--base-registry",
        registry.address,
        "--cache-dir",
        str(SHARED_CACHE),
    )
    place = tmp_path_factory.mktemp("clones")
    first = _image_from_clone(origin, place / "a" / "repo", registry, "one")
    second = _image_from_clone(origin, place / "b" / "deeper" / "checkout", registry, "two")
    return first, second


def test_two_clean_clones_of_one_commit_give_the_same_python_image(images) -> None:
    first, second = images
    assert first["digest"].startswith("sha256:")
    assert first["digest"] == second["digest"]


def _config(registry: RegistryServer, image: dict) -> dict:
    repository = image["ref"].split("/", 1)[1].split("@")[0].split(":")[0]
    manifest = registry.read(f"/v2/{repository}/manifests/{image['digest']}").json()
    return registry.read(f"/v2/{repository}/blobs/{manifest['config']['digest']}").json()


def test_the_source_label_is_the_repository_url_not_a_path(images, registry) -> None:
    labels = _config(registry, images[0])["config"]["Labels"]
    assert labels["org.opencontainers.image.source"] == DEFAULT_SOURCE_URL
