"""Trends across runs: per service, its duration and whether it was cached, run after run.

Given the last N runs' report.json files (CI artifacts), a build-time regression shows as a
rising line, and a cache that stopped hitting as a row of misses.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pipelines.reports.html.view import Report
from pipelines.waterfall.render import format_seconds

SPARK_W, SPARK_H = 160, 28


def _cached(service: dict) -> bool:
    return service.get("status") == "cached"


def _spark(values: Sequence[float | None]) -> str:
    """An inline SVG line of durations (gaps where the service was not in a run)."""
    known = [v for v in values if v is not None]
    top = max(known, default=0.0) or 1.0
    step = SPARK_W / max(1, len(values) - 1)
    points = [
        f"{i * step:.1f},{SPARK_H - 2 - (v / top) * (SPARK_H - 4):.1f}"
        for i, v in enumerate(values)
        if v is not None
    ]
    dots = "".join(
        f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2" fill="#0969da"/>'
        for p in points
    )
    return (
        f'<svg width="{SPARK_W}" height="{SPARK_H}" viewBox="0 0 {SPARK_W} {SPARK_H}" '
        'role="img"><polyline fill="none" stroke="#0969da" stroke-width="1.5" '
        f'points="{" ".join(points)}"/>{dots}</svg>'
    )


def render_trends(reports: Sequence[Report]) -> str:
    """A table: service, duration sparkline, last/first durations, cache hits per run."""
    names = sorted({name for r in reports for name in r.services})
    header = "".join(
        f'<th title="{escape(str(r.doc.get("started_at")))}">#{i + 1}</th>'
        for i, r in enumerate(reports)
    )
    rows = []
    for name in names:
        runs = [r.services.get(name) for r in reports]
        durations = [float(s.get("duration_s") or 0) if s else None for s in runs]
        hits = "".join(
            "<td>-</td>"
            if s is None
            else (
                f'<td data-cached="{str(_cached(s)).lower()}">'
                + ("hit" if _cached(s) else "miss")
                + "</td>"
            )
            for s in runs
        )
        known = [d for d in durations if d is not None]
        rows.append(
            f'<tr data-service="{escape(name)}" data-durations="'
            f'{",".join("" if d is None else f"{d:.3f}" for d in durations)}">'
            f"<td>{escape(name)}</td><td>{_spark(durations)}</td>"
            f'<td class="num">{format_seconds(known[0]) if known else "-"}</td>'
            f'<td class="num">{format_seconds(known[-1]) if known else "-"}</td>{hits}</tr>'
        )
    return (
        f'<h2 id="trends">Trends over {len(reports)} runs</h2>'
        '<table class="trends"><tr><th>service</th><th>duration, oldest → newest</th>'
        f"<th class=num>first</th><th class=num>last</th>{header}</tr>" + "".join(rows) + "</table>"
    )
