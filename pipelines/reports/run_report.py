"""report.json: the machine-readable record of a run that later steps (image, GitOps) extend."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.results import RunResult, ServiceResult, StageResult

REPORT_VERSION = 1


def iso_time(epoch_s: float) -> str | None:
    if not epoch_s:
        return None
    return datetime.fromtimestamp(epoch_s, UTC).isoformat().replace("+00:00", "Z")


def relative_to(path: Path | None, base: Path) -> str | None:
    """`path` relative to `base` when inside it (reports move as one folder), else absolute."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def run_status(result: RunResult) -> str:
    if result.interrupted:
        return "interrupted"
    return "failed" if result.failed else "passed"


def _stage(stage: StageResult, report_dir: Path) -> dict[str, Any]:
    return {
        "status": str(stage.status),
        "duration_s": round(stage.duration_s, 3),
        "log": relative_to(stage.log_path, report_dir),
        "findings": stage.findings,
        "reason": stage.reason,
        "queued_at": iso_time(stage.queued_at),
        "started_at": iso_time(stage.started_at),
        "finished_at": iso_time(stage.finished_at),
    }


def _service(service: ServiceResult, report_dir: Path) -> dict[str, Any]:
    return {
        "language": service.language,
        "path": service.path,
        "status": str(service.status),
        "duration_s": round(service.duration_s, 3),
        "queued_at": iso_time(service.queued_at),
        "started_at": iso_time(service.started_at),
        "stages": {str(s.stage): _stage(s, report_dir) for s in service.stages},
    }


def _merge_new(target: dict[str, Any], extra: Mapping[str, Any], where: str) -> None:
    """Add keys from `extra`; a key the engine already wrote is a bug, not something to hide."""
    for key, value in extra.items():
        if key in target:
            raise ValueError(f"RunResult.extra may not replace {where}{key!r}")
        target[key] = value


def build_report(
    result: RunResult, report_dir: Path, warnings: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The report as plain JSON data.

    `result.extra["services"][name]` adds keys to that service (e.g. `image`); every other key
    of `extra` is added at the top level (e.g. `gitops`).
    """
    doc: dict[str, Any] = {
        "version": REPORT_VERSION,
        "engine": result.engine,
        "revision": result.revision,
        "started_at": iso_time(result.started_at),
        "finished_at": iso_time(result.finished_at),
        "duration_s": round(result.duration_s, 3),
        "status": run_status(result),
        "services": {s.name: _service(s, report_dir) for s in result.services},
    }
    extra = dict(result.extra)
    per_service = extra.pop("services", {}) or {}
    if not isinstance(per_service, Mapping):
        raise ValueError("RunResult.extra['services'] must map service names to dicts")
    for name, keys in per_service.items():
        if name not in doc["services"]:
            raise ValueError(f"RunResult.extra['services'] names unknown service {name!r}")
        _merge_new(doc["services"][name], keys, f"services.{name}.")
    _merge_new(doc, extra, "")
    if warnings:
        doc["warnings"] = list(warnings)
    return doc


def json_default(value: object) -> object:
    """Paths and datetimes that later stages put in `extra` serialise as strings."""
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
