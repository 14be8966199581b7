"""report.json, read back into what the page shows: checked once, so the renderers trust it.

The page renders from report.json alone (a CI artifact re-rendered anywhere), so everything it
shows must be in that file; a file that is not a report is bad input naming the file and field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.errors import ConfigError
from pipelines.waterfall import Bar, Timeline

#: Stage order for rows and columns; a stage this list does not know goes last.
STAGE_ORDER = ("build", "test", "lint", "sca", "image", "push", "manifest", "commit")


@dataclass(frozen=True)
class Report:
    """One report.json and where it was read from (log links are relative to that folder)."""

    doc: Mapping[str, Any]
    path: Path

    @property
    def services(self) -> Mapping[str, Mapping[str, Any]]:
        return self.doc["services"]

    @property
    def started(self) -> float:
        return epoch(self.doc.get("started_at")) or 0.0


def epoch(value: object) -> float | None:
    """An ISO time from report.json as seconds since the epoch (None when absent)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _require(cond: bool, path: Path, field: str, message: str) -> None:
    if not cond:
        raise ConfigError(str(path), field, message)


def load_report(path: Path) -> Report:
    """Read and check one report.json (exit 2 naming the file and field when it is not one)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), None, "no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(str(path), None, f"not a JSON report: {exc}") from None
    return check_report(doc, path)


def check_report(doc: Any, path: Path) -> Report:
    _require(isinstance(doc, dict), path, "(top level)", "must be an object")
    _require(isinstance(doc.get("services"), dict), path, "services", "must be an object")
    for name, service in doc["services"].items():
        where = f"services.{name}"
        _require(isinstance(service, dict), path, where, "must be an object")
        _require(isinstance(service.get("stages"), dict), path, f"{where}.stages", "missing")
        for stage, data in service["stages"].items():
            _require(isinstance(data, dict), path, f"{where}.stages.{stage}", "must be an object")
            _require(
                isinstance(data.get("status"), str),
                path,
                f"{where}.stages.{stage}.status",
                "missing",
            )
    return Report(doc, path)


def ordered_stages(stages: Mapping[str, Any]) -> list[str]:
    rank = {name: i for i, name in enumerate(STAGE_ORDER)}
    return sorted(stages, key=lambda s: (rank.get(s, len(rank)), s))


def _duration(data: Mapping[str, Any]) -> float:
    value = data.get("duration_s")
    return float(value) if isinstance(value, (int, float)) else 0.0


def _stage_window(
    data: Mapping[str, Any], origin: float, previous_end: float
) -> tuple[float, float]:
    """(start, end) offsets; a stage with no recorded times (an older report, a skipped stage)
    sits after the previous one, as long as its duration."""
    start = epoch(data.get("started_at"))
    end = epoch(data.get("finished_at"))
    if start is None:
        begin = previous_end
        return begin, begin + _duration(data)
    return start - origin, (end if end is not None else start + _duration(data)) - origin


def run_bars(report: Report, log_href: Any) -> Timeline:
    """run > service > stage as waterfall rows: a service row spanning its stages, then a row
    per stage. The service whose work ended last is the critical path, and is marked so."""
    origin = report.started
    bars: list[Bar] = []
    service_ends: dict[str, float] = {}
    grouped: list[tuple[Bar, list[Bar]]] = []
    for name, service in report.services.items():
        stages: list[Bar] = []
        previous_end = (epoch(service.get("started_at")) or origin) - origin if origin else 0.0
        for stage in ordered_stages(service["stages"]):
            data = service["stages"][stage]
            start, end = _stage_window(data, origin, previous_end)
            previous_end = max(previous_end, end)
            queued = epoch(data.get("queued_at"))
            reason = data.get("reason") or ""
            detail = f"{name} {stage}: {data['status']}"
            if reason:
                detail += f" — {reason}"
            stages.append(
                Bar(
                    label=stage,
                    start_s=start,
                    end_s=end,
                    status=str(data["status"]),
                    depth=1,
                    kind="stage",
                    queued_s=None if queued is None else queued - origin,
                    data=(("service", name), ("stage", stage)),
                    detail=detail,
                    href=log_href(data.get("log")),
                )
            )
        queued = epoch(service.get("queued_at"))
        slot = epoch(service.get("started_at"))
        start = min((b.start_s for b in stages), default=0.0)
        end = max((b.end_s for b in stages), default=start)
        row = Bar(
            label=name,
            start_s=start,
            end_s=end,
            status=str(service.get("status", "passed")),
            depth=0,
            kind="service",
            queued_s=(queued - origin) if queued is not None and slot is not None else None,
            data=(("service", name),),
            detail=f"{name} ({service.get('language', '?')}): {service.get('status')}",
            href=f"#svc-{name}",
        )
        service_ends[name] = end
        grouped.append((row, stages))
    last = max(service_ends, key=lambda n: service_ends[n], default=None)
    for row, stages in grouped:
        critical = row.data[0][1] == last and len(service_ends) > 1
        bars.append(replace(row, critical=critical))
        bars += [replace(b, critical=critical) for b in stages]
    total = float(report.doc.get("duration_s") or 0.0)
    timeline = Timeline.of(tuple(bars))
    return Timeline(timeline.bars, max(timeline.total_s, total))
