"""A release split across jobs, on a real bare GitOps remote: each job runs the release chain
without its commit stage (what `dagger call release --commit=false` runs), and one write-back of
all their reports lands one commit.

The jobs go through the real scheduler, report writer and manifest stage with a small engine
and publisher that run nothing and push nothing: what is under test is what the reports carry
and what the fan-in makes of them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path

import anyio
import pytest
from clean_scans import write_clean_reports
from testenv import PROJECT_ROOT

from pipelines.catalog import Service, load_catalog
from pipelines.engines.base import RunContext
from pipelines.events import ListSink
from pipelines.gitops.commands import GitOpsOptions
from pipelines.gitops.fanin import find_reports, write_reports
from pipelines.gitops.fanin_cli import add_parsers
from pipelines.gitops.git import GitOpsRemote, seed_local_remote
from pipelines.gitops.release import ReleaseWriter
from pipelines.images.publisher import ImageInputs, ImageRecord
from pipelines.reports import write_reports as write_run_reports
from pipelines.results import RunResult, StepOutcome
from pipelines.scheduler import RunOptions, run_services
from pipelines.steps import RELEASE_STAGES, SUPPLY_STAGES, Stage, Step

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "services"
SERVICES = ("go-svc", "python-svc")
DIGESTS = {name: "sha256:" + c * 64 for name, c in zip(SERVICES, "de", strict=True)}
SOURCE = "f" * 40
VALUES = """\
# {name} in dev (a comment the write-back keeps)
name: {name}
image:
  repository: commerce/{name}
  tag: unreleased
  digest: ""
port: 8080
"""


class _Engine:
    """Runs nothing: every step 'exits' 0 (or the code given for its name), and the scanners
    'report' one clean package, since an audit of nothing fails the SCA gate."""

    name = "dagger"

    def __init__(self, codes: dict[str, int] | None = None) -> None:
        self.codes = codes or {}

    def missing_tools(self, step: Step) -> tuple[str, ...]:
        return ()

    def display(self, step: Step, service: Service, ctx: RunContext) -> str:
        return " ".join(step.argv)

    async def run_step(
        self, step: Step, service: Service, ctx: RunContext, log_path: Path
    ) -> StepOutcome:
        written = write_clean_reports(step, service, ctx, "lockfile")
        code = self.codes.get(step.name, 0)
        return StepOutcome(step, code, 0.01, log_path, written)


class _Images:
    """An ImagePublisher whose 'pushed' image is a fixed digest per service."""

    async def prepare(self, bases: object, log: object) -> None:
        return None

    async def lookup(self, inputs: ImageInputs, log: Path) -> None:
        return None

    async def build(self, inputs: ImageInputs, log: Path) -> ImageRecord:
        return ImageRecord(ref=None, digest="", input_digest=DIGESTS[inputs.service.name])

    async def push(self, service: Service, log: Path) -> ImageRecord:
        digest = DIGESTS[service.name]
        ref = f"registry.example/commerce/{service.name}:abc1234@{digest}"
        return ImageRecord(ref=ref, digest=digest, input_digest=digest, tags=("abc1234",))


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """Two services with dev values files, and a bare GitOps remote seeded from them."""
    root = tmp_path / "repo"
    for name in SERVICES:
        shutil.copytree(FIXTURES / name, root / "services" / name)
        values = root / "argocd" / "envs" / "dev" / f"{name}.yaml"
        values.parent.mkdir(parents=True, exist_ok=True)
        values.write_text(VALUES.format(name=name))
    bare = seed_local_remote(root, tmp_path / "gitops.git", {"PATH": os.environ["PATH"]})
    return root, bare


def release_job(
    root: Path, bare: Path, report_dir: Path, service: str, engine: _Engine | None = None
) -> RunResult:
    """One matrix job: the release chain for one service, without its commit stage (what
    `commerce-ci release --commit=false` runs, through the same scheduler and report writer)."""
    writer = ReleaseWriter(
        GitOpsRemote(str(bare)), "dev", root, report_dir, report_dir / "work", SOURCE, {}
    )
    ctx = RunContext(
        root=root, cache_dir=root.parent / "cache", report_dir=report_dir, revision=SOURCE
    )
    stages = tuple(s for s in RELEASE_STAGES if s not in (*SUPPLY_STAGES, Stage.COMMIT))
    options = RunOptions(stages=stages, jobs=1, images=_Images(), release=writer)
    services = load_catalog(root).select([service])
    result = anyio.run(run_services, services, engine or _Engine(), ctx, options, ListSink())
    write_run_reports(result, report_dir, {})
    return result


def options(tmp_path: Path) -> GitOpsOptions:
    return GitOpsOptions(workdir=tmp_path / "fan-in", environ={"PATH": os.environ["PATH"]})


def test_release_jobs_without_commit_push_nothing_to_gitops_and_say_what_to_record(
    tmp_path: Path, repo: tuple[Path, Path]
) -> None:
    root, bare = repo
    before = git("--git-dir", str(bare), "rev-parse", "main")

    result = release_job(root, bare, tmp_path / "job-0", "go-svc")

    assert not result.failed
    assert git("--git-dir", str(bare), "rev-parse", "main") == before
    report = json.loads((tmp_path / "job-0" / "report.json").read_text())
    assert "gitops" not in report
    go = report["services"]["go-svc"]
    assert go["stages"]["manifest"]["status"] == "passed" and "commit" not in go["stages"]
    assert go["image"]["digest"] == DIGESTS["go-svc"]


def test_one_write_back_of_every_jobs_report_lands_one_commit(
    tmp_path: Path, repo: tuple[Path, Path]
) -> None:
    root, bare = repo
    before = git("--git-dir", str(bare), "rev-parse", "main").strip()
    for i, name in enumerate(SERVICES):
        assert not release_job(root, bare, tmp_path / "artifacts" / f"job-{i}", name).failed

    result = write_reports(
        str(bare), find_reports([tmp_path / "artifacts"]), "dev", SOURCE, options=options(tmp_path)
    )

    assert result.changed
    assert set(result.files) == {f"argocd/envs/dev/{n}.yaml" for n in SERVICES}
    assert git("--git-dir", str(bare), "rev-list", "--count", f"{before}..main").strip() == "1"
    message = git("--git-dir", str(bare), "log", "-1", "--format=%B", "main")
    assert message.splitlines()[0] == "release(dev): go-svc abc1234, python-svc abc1234 [skip ci]"
    assert f"Source-Commit: {SOURCE}" in message
    for name in SERVICES:
        landed = git("--git-dir", str(bare), "show", f"main:argocd/envs/dev/{name}.yaml")
        assert DIGESTS[name] in landed and "(a comment the write-back keeps)" in landed


def test_a_failed_job_records_nothing_and_the_others_still_land(
    tmp_path: Path, repo: tuple[Path, Path]
) -> None:
    root, bare = repo
    failed = release_job(root, bare, tmp_path / "a" / "job-0", "go-svc", _Engine({"go vet": 1}))
    assert failed.failed
    assert not release_job(root, bare, tmp_path / "a" / "job-1", "python-svc").failed
    logged: list[str] = []
    opts = GitOpsOptions(workdir=tmp_path / "w", environ=dict(os.environ), log=logged.append)

    result = write_reports(str(bare), find_reports([tmp_path / "a"]), "dev", options=opts)

    assert result.files == ("argocd/envs/dev/python-svc.yaml",)
    assert any(line.startswith("not recorded: go-svc: failed") for line in logged)
    untouched = git("--git-dir", str(bare), "show", "main:argocd/envs/dev/go-svc.yaml")
    assert "tag: unreleased" in untouched


def test_the_write_back_command_records_reports_on_the_remote_it_is_given(
    tmp_path: Path, repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, bare = repo
    assert not release_job(root, bare, tmp_path / "job-0", "go-svc").failed
    parser = argparse.ArgumentParser(prog="commerce-ci")
    handlers = add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["write-back", str(tmp_path / "job-0"), "--env", "dev", "--json"])
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "COMMERCE_CI_GITOPS_REMOTE": str(bare),
        "COMMERCE_CI_GITOPS_WORKDIR": str(tmp_path / "cli-work"),
    }

    assert handlers["write-back"](args, env, root) == 0

    commit = json.loads(capsys.readouterr().out)
    assert commit["files"] == ["argocd/envs/dev/go-svc.yaml"] and commit["changed"] is True
    assert commit["commit"] == git("--git-dir", str(bare), "rev-parse", "main").strip()
