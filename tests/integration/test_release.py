"""`commerce-ci release` end to end on real parts: a Go service built with the host's Go, its
image assembled without a daemon on a runtime base built from Debian packages, pushed to Debian's
docker-registry with htpasswd logins, recorded in a bare GitOps remote. Then the same release on
a wiped cache dir, which must reuse the image through its input-digest tag and upload nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _osvdb import write_db
from docker_fixtures import serve_health
from registry_fixtures import UPSTREAM_USERS, RegistryServer, start_registry, stop
from testenv import PROJECT_ROOT

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "services" / "go-svc"
VALUES = """\
# go-svc in dev: the fixture service.
name: go-svc
environment: dev

image:
  # Set by the release pipeline.
  repository: commerce/go-svc
  tag: unreleased
  digest: ""

port: 8080  # HTTP
"""
STAGES = "build,image,push,manifest,commit"
pytestmark = pytest.mark.toolchain("go")


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
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("release") / "repo"
    shutil.copytree(FIXTURE, root / "services" / "go-svc")
    values = root / "argocd" / "envs" / "dev" / "go-svc.yaml"
    values.parent.mkdir(parents=True)
    values.write_text(VALUES)
    (root / ".gitignore").write_text("bin/\n/reports*/\n/.cache/\n")
    _git(root, "init", "-q", "--initial-branch=main")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "go-svc")
    return root


def release(
    root: Path, registry: RegistryServer, cache: str, reports: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "COMMERCE_CI_REGISTRY_USERNAME": registry.username,
        "COMMERCE_CI_REGISTRY_PASSWORD": registry.password,
    }
    env.pop("GITHUB_STEP_SUMMARY", None)
    argv = [sys.executable, "-m", "pipelines.cli", "--root", str(root), "release", "go-svc"]
    argv += ["--env", "dev", "--registry", registry.address, "--stages", STAGES]
    argv += ["--cache-dir", str(root / cache), "--report-dir", str(root / reports), *extra]
    return subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=900)


def _blob_uploads(registry: RegistryServer) -> int:
    return sum(
        1
        for entry in registry.access_log()
        if entry.method in ("PUT", "PATCH", "POST") and "/blobs/" in entry.path
    )


@pytest.fixture(scope="module")
def released(repo: Path, registry: RegistryServer):
    first = release(repo, registry, ".cache/one", "reports-one")
    assert first.returncode == 0, first.stderr[-3000:]
    return first


def _report(root: Path, reports: str) -> dict:
    return json.loads((root / reports / "report.json").read_text())


def test_a_release_pushes_the_image_and_records_it_in_the_gitops_remote(repo, released):
    report = _report(repo, "reports-one")
    image = report["services"]["go-svc"]["image"]
    assert image["digest"].startswith("sha256:")
    assert image["input_digest"].startswith("sha256:")
    assert image["ref"].endswith("@" + image["digest"])
    gitops = report["gitops"]
    assert gitops["files"] == ["argocd/envs/dev/go-svc.yaml"]
    bare = Path(gitops["remote"])
    values = _git(bare, "show", f"{gitops['commit']}:argocd/envs/dev/go-svc.yaml")
    assert f'digest: "{image["digest"]}"' in values or f"digest: {image['digest']}" in values
    assert "# Set by the release pipeline." in values  # comments survive the round trip
    message = _git(bare, "log", "-1", "--format=%B", gitops["commit"])
    assert "[skip ci]" in message
    assert f"Source-Commit: {_git(repo, 'rev-parse', 'HEAD')}" in message


def test_the_registry_holds_the_commit_tag_and_the_input_tag(repo, released, registry):
    image = _report(repo, "reports-one")["services"]["go-svc"]["image"]
    tags = registry.read("/v2/commerce/go-svc/tags/list").json()["tags"]
    short = _git(repo, "rev-parse", "--short=12", "HEAD")
    assert short in tags
    assert "inputs-" + image["input_digest"].removeprefix("sha256:") in tags


def test_a_release_on_a_wiped_cache_dir_reuses_the_image_and_uploads_nothing(
    repo, released, registry
):
    first = _report(repo, "reports-one")["services"]["go-svc"]
    uploads = _blob_uploads(registry)
    second = release(repo, registry, ".cache/two", "reports-two")
    assert second.returncode == 0, second.stderr[-3000:]
    service = _report(repo, "reports-two")["services"]["go-svc"]
    for stage in ("build", "image", "push"):
        assert service["stages"][stage]["status"] == "cached", stage
    assert service["image"]["digest"] == first["image"]["digest"]
    assert _blob_uploads(registry) == uploads


def test_a_release_with_an_offline_vulnerability_database_finds_the_same_input_tag(
    repo, released, registry, tmp_path
):
    # The database changes how SCA scans, not what the image holds: the digest ignores it.
    # (An empty folder is refused as bad input: the database is in osv-scanner's layout.)
    first = _report(repo, "reports-one")["services"]["go-svc"]
    vulndb = write_db(tmp_path / "vulndb", {"Go": []})
    again = release(repo, registry, ".cache/three", "reports-three", "--vuln-db", str(vulndb))
    assert again.returncode == 0, again.stderr[-3000:]
    service = _report(repo, "reports-three")["services"]["go-svc"]
    assert service["image"]["input_digest"] == first["image"]["input_digest"]
    assert service["stages"]["image"]["status"] == "cached"


def test_the_report_names_the_commit_it_released(repo, released):
    assert _report(repo, "reports-one")["revision"] == _git(repo, "rev-parse", "HEAD")


def test_the_registry_password_appears_in_no_output_of_a_release(repo, released, registry):
    secret = registry.password
    assert secret not in released.stdout + released.stderr
    for folder in ("reports-one", ".cache/one"):
        for path in (repo / folder).rglob("*"):
            if path.is_file() and path.stat().st_size < 5_000_000:
                assert secret.encode() not in path.read_bytes(), path
    for config in (repo / ".cache").rglob("config"):
        assert secret.encode() not in config.read_bytes(), config


@pytest.mark.slow
def test_the_released_image_runs_under_docker_and_answers_its_health_check(
    repo, released, registry, docker_daemon
):
    image = _report(repo, "reports-one")["services"]["go-svc"]["image"]
    reference = f"{registry.address}/commerce/go-svc@{image['digest']}"
    docker_daemon.login(registry)
    docker_daemon.run("pull", reference)
    served = serve_health(docker_daemon, reference)
    assert served.response.status_code == 200
    assert served.response.text == "ok\n"
    assert served.user == "65532:65532"
    assert served.uid_line.split()[1:] == ["65532"] * 4


def test_images_lists_what_the_registry_holds_for_the_service(repo, released, registry):
    image = _report(repo, "reports-one")["services"]["go-svc"]["image"]
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "COMMERCE_CI_REGISTRY_USERNAME": registry.username,
        "COMMERCE_CI_REGISTRY_PASSWORD": registry.password,
    }
    argv = [sys.executable, "-m", "pipelines.cli", "--root", str(repo), "images", "go-svc"]
    listed = subprocess.run(
        [*argv, "--registry", registry.address, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = json.loads(listed.stdout)
    assert [row["digest"] for row in rows] == [image["digest"]]
    assert "inputs-" + image["input_digest"].removeprefix("sha256:") in rows[0]["tags"]
    assert rows[0]["repository"] == f"{registry.address}/commerce/go-svc"


def test_run_with_image_stages_pushes_under_the_registry_prefix(repo, released, registry):
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "COMMERCE_CI_REGISTRY_USERNAME": registry.username,
        "COMMERCE_CI_REGISTRY_PASSWORD": registry.password,
    }
    env.pop("GITHUB_STEP_SUMMARY", None)
    argv = [sys.executable, "-m", "pipelines.cli", "--root", str(repo), "run", "go-svc"]
    argv += ["--stages", "build,image,push", "--registry", f"{registry.address}/team"]
    argv += ["--base-registry", registry.address, "--report-dir", str(repo / "reports-run")]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    image = _report(repo, "reports-run")["services"]["go-svc"]["image"]
    assert image["ref"].startswith(f"{registry.address}/team/commerce/go-svc:")
    released_image = _report(repo, "reports-one")["services"]["go-svc"]["image"]
    # The same inputs on the same base: the same image, byte for byte, under another name.
    assert image["digest"] == released_image["digest"]


def test_bases_publishes_a_runtime_base_where_it_is_told(repo, registry):
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "COMMERCE_CI_REGISTRY_USERNAME": registry.username,
        "COMMERCE_CI_REGISTRY_PASSWORD": registry.password,
    }
    argv = [sys.executable, "-m", "pipelines.cli", "--root", str(repo), "bases", "static"]
    argv += ["--base-registry", f"{registry.address}/platform/runtime"]
    argv += ["--cache-dir", str(PROJECT_ROOT / ".cache" / "commerce-ci")]  # shared .deb cache
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = registry.read("/v2/platform/runtime/static/manifests/bookworm")
    assert manifest.json()["config"]["digest"].startswith("sha256:")
    assert registry.password not in done.stdout + done.stderr
