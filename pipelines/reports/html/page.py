"""The run report page: one self-contained HTML file (inline CSS, no script, no network).

Order follows what a person looks for: did it pass, what failed and why (with the log), what
ran when (the waterfall), what each service shipped, then tests, findings and trends.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from pipelines.reports.html.trends import render_trends
from pipelines.reports.html.view import Report, ordered_stages, run_bars
from pipelines.waterfall import WATERFALL_CSS, render_waterfall
from pipelines.waterfall.render import STATUS_CLASS, format_seconds, render_legend

PAGE_CSS = """
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
  margin: 0; padding: 1.2em 2em 3em; max-width: 1600px; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .5em; border-bottom: 1px solid #d0d7de;
  padding-bottom: .2em; }
.meta { color: #57606a; }
.meta code, td code { font: 12px ui-monospace, monospace; }
.badge { display: inline-block; padding: .1em .6em; border-radius: 1em; color: #fff;
  font-size: .8em; vertical-align: middle; }
.badge.ok { background: #1a7f37; } .badge.bad { background: #cf222e; }
.badge.cached { background: #8250df; } .badge.skipped { background: #6e7781; }
.counts span { margin-right: 1.2em; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2;
  vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.failures td { background: #fff8f7; }
.reason { white-space: pre-wrap; word-break: break-word; }
.none { color: #57606a; font-style: italic; }
.st { font-size: 12px; padding: 0 .4em; border-radius: 3px; }
.st.ok { background: #dafbe1; color: #116329; } .st.bad { background: #ffebe9; color: #a40e26; }
.st.cached { background: #fbefff; color: #6639ba; }
.st.skipped { background: #eaeef2; color: #57606a; }
.digest { font: 12px ui-monospace, monospace; word-break: break-all; }
"""


def _status_css(status: str) -> str:
    return STATUS_CLASS.get(status, "ok")


def _st(status: str) -> str:
    return f'<span class="st {_status_css(status)}">{escape(status)}</span>'


def _log_linker(report: Report, out_dir: Path) -> Callable[[object], str | None]:
    """Log paths in report.json are relative to its folder; links are relative to the page."""
    base = report.path.parent

    def link(log: object) -> str | None:
        if not isinstance(log, str) or not log:
            return None
        target = Path(log) if Path(log).is_absolute() else base / log
        return Path(os.path.relpath(target, out_dir)).as_posix()

    return link


def _when(value: object) -> str:
    if not isinstance(value, str):
        return "-"
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return escape(value)
    return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")


def _header(doc: Mapping[str, Any]) -> str:
    status = str(doc.get("status", "unknown"))
    services = doc["services"]
    counts: dict[str, int] = {}
    for service in services.values():
        counts[str(service.get("status"))] = counts.get(str(service.get("status")), 0) + 1
    revision = doc.get("revision")
    parts = [
        f"engine <code>{escape(str(doc.get('engine', '?')))}</code>",
        f"started {_when(doc.get('started_at'))}",
        f"took <strong>{format_seconds(float(doc.get('duration_s') or 0))}</strong>",
    ]
    if revision:
        parts.append(f"revision <code>{escape(str(revision)[:12])}</code>")
    gitops = doc.get("gitops")
    if isinstance(gitops, dict) and gitops.get("commit"):
        parts.append(
            f"GitOps commit <code>{escape(str(gitops['commit'])[:12])}</code> on "
            f"<code>{escape(str(gitops.get('remote', '')))}</code> "
            f"({escape(str(gitops.get('branch', '')))}, {len(gitops.get('files') or [])} file(s))"
        )
    count_html = "".join(
        f'<span data-count="{escape(k)}">{_st(k)} {v}</span>' for k, v in sorted(counts.items())
    )
    return (
        f'<h1>commerce-ci run <span class="badge {_status_css(status)}" id="run-status">'
        f"{escape(status)}</span></h1>"
        f'<p class="meta">{len(services)} service(s) · ' + " · ".join(parts) + "</p>"
        f'<p class="counts">{count_html}</p>'
    )


def _failures(report: Report, link: Callable[[object], str | None]) -> str:
    rows = []
    for name, service in report.services.items():
        for stage in ordered_stages(service["stages"]):
            data = service["stages"][stage]
            if data["status"] != "failed":
                continue
            href = link(data.get("log"))
            log = f'<a href="{escape(href)}">{escape(href)}</a>' if href else "-"
            rows.append(
                f'<tr data-service="{escape(name)}" data-stage="{escape(stage)}">'
                f"<td>{escape(name)}</td><td>{escape(stage)}</td>"
                f'<td class="reason">{escape(str(data.get("reason") or "no reason recorded"))}'
                f"</td><td>{log}</td></tr>"
            )
    tests = report.doc.get("tests") or {}
    for case in tests.get("failed_cases") or []:
        rows.append(
            f'<tr data-service="{escape(str(case.get("service")))}" data-test="'
            f'{escape(str(case.get("name")))}"><td>{escape(str(case.get("service")))}</td>'
            f"<td>test {escape(str(case.get('outcome')))}</td>"
            f'<td class="reason">{escape(str(case.get("suite")))} &rsaquo; '
            f"{escape(str(case.get('name')))}: "
            f"{escape(str(case.get('message') or ''))}</td>"
            "<td>-</td></tr>"
        )
    if not rows:
        return '<h2 id="failures">Failures</h2><p class="none">No stage failed.</p>'
    return (
        f'<h2 id="failures">Failures ({len(rows)})</h2><table class="failures">'
        "<tr><th>service</th><th>stage</th><th>reason</th><th>log</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _image_cells(service: Mapping[str, Any]) -> str:
    image = service.get("image") if isinstance(service.get("image"), dict) else {}
    ref, digest, inputs = image.get("ref"), image.get("digest"), image.get("input_digest")
    cached = service.get("status") == "cached" or any(
        s.get("status") == "cached" for s in service["stages"].values()
    )

    def mono(value: object) -> str:
        return f'<span class="digest">{escape(str(value))}</span>' if value else "-"

    return (
        f"<td>{mono(ref)}</td><td>{mono(digest)}</td><td>{mono(inputs)}</td>"
        f'<td data-cached="{str(cached).lower()}">{"yes" if cached else "no"}</td>'
    )


def _services(report: Report) -> str:
    rows = []
    for name, service in report.services.items():
        stages = service["stages"]
        cells = " ".join(f"{escape(s)} {_st(stages[s]['status'])}" for s in ordered_stages(stages))
        rows.append(
            f'<tr id="svc-{escape(name)}" data-service="{escape(name)}">'
            f"<td><strong>{escape(name)}</strong></td>"
            f"<td>{escape(str(service.get('language', '')))}</td>"
            f"<td>{_st(str(service.get('status')))}</td>"
            f'<td class="num">{format_seconds(float(service.get("duration_s") or 0))}</td>'
            f"<td>{cells}</td>{_image_cells(service)}</tr>"
        )
    return (
        '<h2 id="services">Services</h2><table class="services"><tr><th>service</th>'
        "<th>language</th><th>status</th><th class=num>duration</th><th>stages</th>"
        "<th>image ref</th><th>digest</th><th>input digest</th><th>cached</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _tests(doc: Mapping[str, Any]) -> str:
    tests = doc.get("tests")
    if not isinstance(tests, dict) or not tests.get("tests"):
        return '<h2 id="tests">Tests</h2><p class="none">No test results were collected.</p>'
    keys = ("tests", "passed", "failures", "errors", "skipped")
    return (
        '<h2 id="tests">Tests</h2><p class="counts" id="test-counts">'
        + "".join(
            f'<span data-{k}="{int(tests.get(k) or 0)}">{k}: {int(tests.get(k) or 0)}</span>'
            for k in keys
        )
        + "</p>"
    )


def _findings(doc: Mapping[str, Any]) -> str:
    findings = doc.get("findings")
    if not isinstance(findings, dict) or not findings.get("total"):
        return '<h2 id="findings">Findings</h2><p class="none">No lint or SCA findings.</p>'
    rows = []
    for item in findings.get("results") or []:
        where = escape(str(item.get("file") or "-"))
        if item.get("line"):
            where += f":{int(item['line'])}"
        rows.append(
            f'<tr data-service="{escape(str(item.get("service")))}"><td>'
            f"{escape(str(item.get('service')))}</td><td>{escape(str(item.get('stage')))}</td>"
            f"<td>{escape(str(item.get('tool')))}</td><td>{escape(str(item.get('level')))}</td>"
            f"<td><code>{escape(str(item.get('rule')))}</code></td><td><code>{where}</code></td>"
            f'<td class="reason">{escape(str(item.get("message") or ""))}</td></tr>'
        )
    total = int(findings["total"])
    shown = "" if total == len(rows) else f" (first {len(rows)} listed; all in findings.sarif)"
    return (
        f'<h2 id="findings">Findings ({total}){shown}</h2><table class="findings"><tr>'
        "<th>service</th><th>stage</th><th>tool</th><th>level</th><th>rule</th>"
        "<th>location</th><th>message</th></tr>" + "".join(rows) + "</table>"
    )


def _warnings(doc: Mapping[str, Any]) -> str:
    warnings = doc.get("warnings") or []
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(str(w))}</li>" for w in warnings)
    return f'<h2 id="warnings">Report warnings</h2><ul>{items}</ul>'


def render_page(reports: Sequence[Report], out_dir: Path) -> str:
    """The page for the newest of `reports` (by start time); the others add trends."""
    ordered = sorted(reports, key=lambda r: r.started)
    current = ordered[-1]
    link = _log_linker(current, out_dir)
    timeline = run_bars(current, link)
    title = f"commerce-ci run: {current.doc.get('status', '?')}"
    body = [
        _header(current.doc),
        _failures(current, link),
        '<h2 id="waterfall">Waterfall</h2>',
        render_legend(),
        render_waterfall(timeline, "service / stage"),
        _services(current),
        _tests(current.doc),
        _findings(current.doc),
    ]
    if len(ordered) > 1:
        body.append(render_trends(ordered))
    body.append(_warnings(current.doc))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{PAGE_CSS}{WATERFALL_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
