"""The fan-in's reading of release reports: which images become updates, and what is refused.

Reports are written by the engine's own report writer (pipelines.reports.run_report), so these
tests read what a release job really leaves behind. No git is run here: the commit itself is
specified in tests/integration/test_gitops_fanin.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.errors import ConfigError, ExitCode
from pipelines.gitops.commands import GitOpsOptions, ImageUpdate
from pipelines.gitops.errors import GitOpsError
from pipelines.gitops.fanin import collect, find_reports, read_report, write_reports
from pipelines.reports.run_report import build_report
from pipelines.results import RunResult, ServiceResult, StageResult, Status
from pipelines.steps import Stage

DIGEST = "sha256:" + "d" * 64
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
UP_TO_MANIFEST = ("build", "test", "lint", "sca", "image", "push", "sbom", "sign", "manifest")


def service(name: str, failed_at: str | None = None) -> ServiceResult:
    """A release of `name` without its commit stage; `failed_at` fails that stage, and the
    stages after it are skipped, as the scheduler does."""
    statuses: list[Status] = []
    for stage in UP_TO_MANIFEST:
        if stage == failed_at:
            statuses.append(Status.FAILED)
        else:
            statuses.append(Status.SKIPPED if Status.FAILED in statuses else Status.PASSED)
    stages = tuple(
        StageResult(name, Stage(s), st) for s, st in zip(UP_TO_MANIFEST, statuses, strict=True)
    )
    return ServiceResult(name, "go", f"services/{name}", stages)


def write_report(
    folder: Path,
    services: list[ServiceResult],
    images: dict[str, dict[str, object]] | None = None,
    revision: str | None = None,
    **extra: object,
) -> Path:
    if images is None:
        images = {s.name: image(s.name) for s in services}
    result = RunResult(
        engine="dagger",
        started_at=1.0,
        finished_at=2.0,
        services=tuple(services),
        revision=revision,
        extra={"services": {n: {"image": i} for n, i in images.items()}, **extra},
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.json"
    path.write_text(json.dumps(build_report(result, folder)))
    return path


def image(name: str, tag: str = "abc1234") -> dict[str, object]:
    return {
        "ref": f"{REGISTRY}/commerce/{name}:{tag}@{DIGEST}",
        "digest": DIGEST,
        "input_digest": DIGEST,
    }


def test_a_service_whose_manifest_stage_passed_becomes_the_update_its_job_would_commit(
    tmp_path: Path,
) -> None:
    path = write_report(tmp_path / "job-0", [service("cart")])

    records = collect([path], "dev", "f" * 40)

    assert records.updates == (
        ImageUpdate("cart", "dev", f"{REGISTRY}/commerce/cart", "abc1234", DIGEST, "f" * 40),
    )
    assert records.skipped == ()


def test_services_that_failed_or_stopped_before_manifest_are_left_out_with_the_reason(
    tmp_path: Path,
) -> None:
    path = write_report(
        tmp_path, [service("cart"), service("ad", failed_at="sign")], images={"cart": image("cart")}
    )

    records = collect([path], "dev")

    assert [u.service for u in records.updates] == ["cart"]
    assert records.skipped == (f"ad: failed ({path})",)


def test_the_given_source_commit_wins_over_each_reports_revision(tmp_path: Path) -> None:
    path = write_report(tmp_path, [service("cart")], revision="a" * 40)

    assert collect([path], "dev").updates[0].source_commit == "a" * 40
    assert collect([path], "dev", "b" * 40).updates[0].source_commit == "b" * 40


def test_a_service_released_by_two_jobs_is_refused_naming_both_reports(tmp_path: Path) -> None:
    first = write_report(tmp_path / "job-0", [service("cart")])
    second = write_report(tmp_path / "job-1", [service("cart")])

    with pytest.raises(ConfigError, match=r"also released by .*job-0") as caught:
        collect([first, second], "dev")

    assert caught.value.source == str(second) and caught.value.field == "services.cart"


def test_a_report_whose_release_committed_itself_is_refused(tmp_path: Path) -> None:
    path = write_report(tmp_path, [service("cart")], gitops={"commit": "c" * 40})

    with pytest.raises(ConfigError, match="committed its images itself") as caught:
        read_report(path)

    assert caught.value.field == "gitops"


@pytest.mark.parametrize(
    ("text", "field"),
    [("{not json", None), ("[]", "services"), ('{"status": "passed"}', "services")],
)
def test_a_file_that_is_not_a_release_report_is_bad_input_naming_it(
    tmp_path: Path, text: str, field: str | None
) -> None:
    path = tmp_path / "report.json"
    path.write_text(text)

    with pytest.raises(ConfigError) as caught:
        read_report(path)

    assert caught.value.source == str(path) and caught.value.field == field
    assert caught.value.exit_code is ExitCode.BAD_INPUT


def test_a_passed_manifest_without_a_pushed_image_is_bad_input_naming_the_field(
    tmp_path: Path,
) -> None:
    no_image = write_report(tmp_path / "a", [service("cart")], images={})
    bad_ref = write_report(
        tmp_path / "b", [service("cart")], images={"cart": {"ref": "Not A Ref", "digest": DIGEST}}
    )

    with pytest.raises(ConfigError, match="no pushed ref and digest") as missing:
        collect([no_image], "dev")
    with pytest.raises(ConfigError, match="invalid image reference") as invalid:
        collect([bad_ref], "dev")

    assert missing.value.field == "services.cart.image"
    assert invalid.value.field == "services.cart.image.ref"


def test_folders_are_searched_for_reports_in_a_stable_order(tmp_path: Path) -> None:
    later = write_report(tmp_path / "release-report-1", [service("cart")])
    earlier = write_report(tmp_path / "release-report-0", [service("ad")])
    (tmp_path / "release-report-0" / "summary.md").write_text("not a report")

    assert find_reports([tmp_path]) == (earlier, later)
    assert find_reports([later]) == (later,)


@pytest.mark.parametrize("make", [lambda p: p.mkdir(), lambda p: None])
def test_an_empty_folder_or_a_missing_path_is_bad_input(tmp_path: Path, make) -> None:
    target = tmp_path / "reports"
    make(target)

    with pytest.raises(ConfigError):
        find_reports([target])


def test_nothing_recordable_fails_before_any_git_command(tmp_path: Path) -> None:
    path = write_report(tmp_path, [service("cart", failed_at="test")], images={})
    logged: list[str] = []
    options = GitOpsOptions(workdir=tmp_path / "never-created", environ={}, log=logged.append)

    with pytest.raises(GitOpsError, match="nothing to record") as caught:
        write_reports(tmp_path / "no-remote.git", [path], "dev", options=options)

    assert caught.value.exit_code is ExitCode.STAGE_FAILED
    assert logged == [f"not recorded: cart: failed ({path})"]
    assert not (tmp_path / "never-created").exists()


def test_write_back_is_a_registered_subcommand_with_reports_and_an_environment() -> None:
    from pipelines.cli import build_parser

    args = build_parser(["write-back", "a/report.json", "b", "--env", "prod"]).parse_args(
        ["write-back", "a/report.json", "b", "--env", "prod", "--source-commit", "c" * 40]
    )

    assert args.reports == [Path("a/report.json"), Path("b")]
    assert (args.env_name, args.source_commit) == ("prod", "c" * 40)
    assert args.handler.__name__ == "cmd_write_back"
