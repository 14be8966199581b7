"""The shop's traces as pages, served by the OTLP receiver on the address `shop up` prints:
a list of recent traces, and a waterfall per trace drawn by the same code as a pipeline run."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape

from pipelines.shop.otlp import ReceivedSpan
from pipelines.waterfall import WATERFALL_CSS, Bar, Timeline, render_waterfall
from pipelines.waterfall.render import format_seconds, render_legend

#: Traces listed on the front page, newest first.
RECENT = 200
#: OTLP status codes: 0 unset, 1 ok, 2 error.
_STATUS = {0: "unset", 1: "ok", 2: "error"}
_TRACE_PATH = re.compile(r"^/traces/([0-9a-f]{32})/?$")

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; margin: 0;
  padding: 1.2em 2em 3em; }
h1 { font-size: 1.4em; margin: 0 0 .3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2;
  vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.err { color: #a40e26; font-weight: 600; } .meta { color: #57606a; }
details { border-bottom: 1px solid #eaeef2; padding: 3px 0; }
summary { cursor: pointer; } code { font: 12px ui-monospace, monospace; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1em; margin: .3em 1.5em; }
dt { color: #57606a; font: 12px ui-monospace, monospace; } dd { margin: 0;
  font: 12px ui-monospace, monospace; word-break: break-all; }
"""


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{CSS}{WATERFALL_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    ).encode()


def _roots(spans: Sequence[ReceivedSpan]) -> list[ReceivedSpan]:
    ids = {s.span_id for s in spans}
    return sorted((s for s in spans if s.parent_span_id not in ids), key=lambda s: s.start_ns)


def _window(spans: Sequence[ReceivedSpan]) -> tuple[int, int]:
    starts = [s.start_ns for s in spans if s.start_ns]
    ends = [s.end_ns for s in spans if s.end_ns]
    start = min(starts, default=0)
    return start, max(ends, default=start)


def _when(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%H:%M:%S.%f")[:-3] if ns else "-"


def render_list(traces: Mapping[str, Sequence[ReceivedSpan]]) -> bytes:
    """Recent traces: root span, services touched, span count, duration, errors."""
    ordered = sorted(traces.items(), key=lambda item: _window(item[1])[0], reverse=True)
    rows = []
    for trace_id, spans in ordered[:RECENT]:
        root = _roots(spans)[0]
        start, end = _window(spans)
        services = sorted({s.service for s in spans})
        errors = sum(1 for s in spans if s.status_code == 2)
        rows.append(
            f'<tr data-trace="{trace_id}" data-errors="{errors}"><td>{_when(start)}</td>'
            f'<td><a href="/traces/{trace_id}">{escape(root.service)}: {escape(root.name)}</a>'
            f"</td><td>{escape(', '.join(services))}</td>"
            f'<td class="num">{len(spans)}</td>'
            f'<td class="num">{format_seconds((end - start) / 1e9)}</td>'
            f'<td class="num{" err" if errors else ""}">{errors}</td></tr>'
        )
    table = (
        "<table><tr><th>started (UTC)</th><th>root span</th><th>services</th>"
        "<th>spans</th><th>duration</th><th>errors</th></tr>" + "".join(rows) + "</table>"
        if rows
        else '<p class="meta">No trace received yet.</p>'
    )
    body = (
        f"<h1>Traces</h1><p class=meta>{len(traces)} trace(s) received, newest first"
        f"{f' (the latest {RECENT})' if len(traces) > RECENT else ''}.</p>{table}"
    )
    return _page("shop traces", body)


def _tree(spans: Sequence[ReceivedSpan]) -> list[tuple[ReceivedSpan, int]]:
    """Spans depth-first from the roots, children by start time."""
    children: dict[str, list[ReceivedSpan]] = {}
    for span in spans:
        children.setdefault(span.parent_span_id, []).append(span)
    out: list[tuple[ReceivedSpan, int]] = []
    stack = [(root, 0) for root in reversed(_roots(spans))]
    while stack:
        span, depth = stack.pop()
        out.append((span, depth))
        kids = sorted(children.get(span.span_id, []), key=lambda s: s.start_ns, reverse=True)
        stack += [(kid, depth + 1) for kid in kids if kid.span_id != span.span_id]
    return out


def trace_bars(spans: Sequence[ReceivedSpan]) -> Timeline:
    origin, _ = _window(spans)
    bars = []
    for span, depth in _tree(spans):
        attrs = "; ".join(f"{k}={v}" for k, v in span.attributes)
        status = _STATUS.get(span.status_code, "unset")
        bars.append(
            Bar(
                label=f"{span.service}: {span.name}",
                start_s=max(0, span.start_ns - origin) / 1e9,
                end_s=max(0, span.end_ns - origin) / 1e9,
                status=status,
                depth=depth,
                kind="span",
                data=(("service", span.service), ("name", span.name), ("span", span.span_id)),
                detail=f"{span.service}: {span.name} ({status}"
                + (f": {span.status_message}" if span.status_message else "")
                + f") {attrs}",
                href=f"#span-{span.span_id}",
            )
        )
    return Timeline.of(tuple(bars))


def render_trace(trace_id: str, spans: Sequence[ReceivedSpan]) -> bytes:
    """One trace: the span tree as a waterfall, then every span's attributes."""
    start, end = _window(spans)
    services = sorted({s.service for s in spans})
    details = []
    for span, _depth in _tree(spans):
        attrs = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in span.attributes)
        status = _STATUS.get(span.status_code, "unset")
        details.append(
            f'<details id="span-{span.span_id}"><summary><strong>{escape(span.service)}</strong>'
            f": {escape(span.name)} · {format_seconds((span.end_ns - span.start_ns) / 1e9)} · "
            f'<span class="{"err" if status == "error" else ""}">{status}</span>'
            f"{(' ' + escape(span.status_message)) if span.status_message else ''}</summary>"
            f"<dl><dt>span id</dt><dd>{span.span_id}</dd>{attrs}</dl></details>"
        )
    body = (
        f'<p><a href="/">&larr; all traces</a></p><h1>Trace <code>{trace_id}</code></h1>'
        f"<p class=meta>{len(spans)} span(s) across {len(services)} service(s): "
        f"{escape(', '.join(services))} · {format_seconds((end - start) / 1e9)}</p>"
        + render_legend(critical=False, spans=True)
        + render_waterfall(trace_bars(spans), "service: span")
        + "<h2>Spans</h2>"
        + "".join(details)
    )
    return _page(f"trace {trace_id[:8]}", body)


def render_get(path: str, traces: Mapping[str, Sequence[ReceivedSpan]]) -> tuple[int, bytes]:
    """(HTTP status, page) for a GET on the receiver."""
    path = path.split("?", 1)[0]
    if path in ("/", "/traces", "/traces/"):
        return 200, render_list(traces)
    match = _TRACE_PATH.match(path)
    if match and match.group(1) in traces:
        return 200, render_trace(match.group(1), traces[match.group(1)])
    return 404, _page("not found", "<h1>Not found</h1><p><a href='/'>all traces</a></p>")
