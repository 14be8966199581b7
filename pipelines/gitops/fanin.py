"""Fan-in: the image records of several release jobs, written back in one GitOps commit.

A release split across jobs (a GitHub Actions matrix) runs each job without its `commit` stage
(`dagger call release --commit=false`, `commerce-ci release --stages ...,manifest`): every job
pushes and signs its images and leaves them in its report.json (`services.<name>.image`, with
the `manifest` stage that checked they render into the values files), and none of them commits.
One final job hands every report to `write_reports`, which records each service whose manifest
stage passed through the engine's run-level commit (`commands.write_back`): one commit for the
run, however many jobs, and no jobs racing each other to the branch.

Reading the reports is pure and raises `ConfigError` naming the file and field for anything
malformed, before git is touched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.errors import ConfigError
from pipelines.gitops.commands import GitOpsOptions, ImageUpdate, RemoteLike, write_back
from pipelines.gitops.errors import GitOpsError
from pipelines.gitops.git import CommitResult
from pipelines.gitops.release import image_update
from pipelines.registry.errors import InvalidReference

REPORT_NAME = "report.json"


@dataclass(frozen=True)
class Records:
    """What a set of reports holds: the images to record, and the services left out, with why."""

    updates: tuple[ImageUpdate, ...]
    skipped: tuple[str, ...]


def find_reports(paths: Sequence[Path]) -> tuple[Path, ...]:
    """Each path that is a file, and every report.json below each path that is a folder (as
    actions/download-artifact lays out one artifact per folder), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob(REPORT_NAME)))
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigError(str(path), None, "no such report file or folder")
    if not found:
        listed = ", ".join(str(p) for p in paths) or "(none given)"
        raise ConfigError(listed, None, f"no {REPORT_NAME} found")
    return tuple(found)


def read_report(path: Path) -> Mapping[str, Any]:
    """A release report as JSON, refused when it is not one or when it already committed."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(str(path), None, f"not a readable JSON report: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        raise ConfigError(str(path), "services", "missing: not a commerce-ci report.json")
    if doc.get("gitops"):
        raise ConfigError(
            str(path),
            "gitops",
            "this release committed its images itself; fan-in takes releases run without "
            "the commit stage (dagger call release --commit=false)",
        )
    return doc


def _skip_reason(service: Mapping[str, Any]) -> str | None:
    """Why a service's image must not be recorded, or None when its manifest stage passed."""
    stages = service.get("stages") if isinstance(service.get("stages"), dict) else {}
    manifest = stages.get("manifest") if isinstance(stages.get("manifest"), dict) else {}
    if service.get("status") == "failed":
        return "failed"
    if manifest.get("status") != "passed":
        return f"manifest {manifest.get('status') or 'not run'}"
    return None


def records_in(
    path: Path, doc: Mapping[str, Any], env: str, source_commit: str | None
) -> tuple[list[ImageUpdate], list[str]]:
    """The images one report holds for `env`, and the services it leaves out."""
    commit = source_commit or str(doc.get("revision") or "")
    updates: list[ImageUpdate] = []
    skipped: list[str] = []
    for name, service in sorted(doc["services"].items()):
        field = f"services.{name}"
        if not isinstance(service, dict):
            raise ConfigError(str(path), field, "not an object")
        reason = _skip_reason(service)
        if reason is not None:
            skipped.append(f"{name}: {reason} ({path})")
            continue
        image = service.get("image") if isinstance(service.get("image"), dict) else {}
        ref, digest = image.get("ref"), image.get("digest")
        if not isinstance(ref, str) or not ref or not isinstance(digest, str) or not digest:
            raise ConfigError(str(path), f"{field}.image", "no pushed ref and digest to record")
        try:
            updates.append(image_update(name, env, ref, digest, commit))
        except InvalidReference as exc:
            raise ConfigError(str(path), f"{field}.image.ref", str(exc)) from None
    return updates, skipped


def collect(paths: Sequence[Path], env: str, source_commit: str | None = None) -> Records:
    """Every recordable image of the reports; a service in two reports is refused."""
    updates: list[ImageUpdate] = []
    skipped: list[str] = []
    seen: dict[str, Path] = {}
    for path in paths:
        found, left = records_in(path, read_report(path), env, source_commit)
        for update in found:
            if update.service in seen:
                raise ConfigError(
                    str(path),
                    f"services.{update.service}",
                    f"also released by {seen[update.service]}: which image wins is unclear",
                )
            seen[update.service] = path
        updates.extend(found)
        skipped.extend(left)
    return Records(tuple(updates), tuple(skipped))


def write_reports(
    remote: RemoteLike,
    paths: Sequence[Path],
    env: str,
    source_commit: str | None = None,
    *,
    options: GitOpsOptions,
) -> CommitResult:
    """Records every image the reports hold, in one commit to the GitOps remote."""
    records = collect(paths, env, source_commit)
    for line in records.skipped:
        options.log(f"not recorded: {line}")
    if not records.updates:
        raise GitOpsError(
            f"none of {len(paths)} release report(s) has a service whose manifest stage "
            "passed: nothing to record"
        )
    return write_back(remote, records.updates, options=options)
