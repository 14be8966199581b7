"""The waterfall as HTML: one grid row per bar, positioned in percent of the axis.

Plain positioned <div>s rather than SVG or a canvas: thousands of rows (500 services with eight
stages) lay out in one pass, scale with the window, stay selectable text, and need no script.
"""

from __future__ import annotations

from html import escape

from pipelines.waterfall.model import Bar, Timeline

#: Status -> (CSS class, word shown next to the bar).
STATUS_CLASS = {
    "passed": "ok",
    "ok": "ok",
    "unset": "ok",
    "failed": "bad",
    "error": "bad",
    "interrupted": "bad",
    "cached": "cached",
    "skipped": "skipped",
}

WATERFALL_CSS = """
.wf { font: 12px/1.35 system-ui, sans-serif; border: 1px solid #d0d7de; border-radius: 6px; }
.wf-axis, .wf-row { display: grid; grid-template-columns: minmax(14em, 28%) 1fr 6.5em; }
.wf-axis { position: sticky; top: 0; background: #f6f8fa; border-bottom: 1px solid #d0d7de;
  z-index: 1; }
.wf-axis .wf-track { height: 1.6em; }
.wf-tick { position: absolute; top: 0; bottom: 0; border-left: 1px solid #d0d7de;
  padding-left: 3px; color: #57606a; font-size: 11px; white-space: nowrap; }
.wf-row { border-bottom: 1px solid #f0f2f4; content-visibility: auto;
  contain-intrinsic-size: auto 1.7em; }
.wf-row:hover { background: #f6f8fa; }
.wf-row[data-kind="service"], .wf-row[data-depth="0"] { background: #fbfcfd; font-weight: 600; }
.wf-label { padding: 2px 6px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.wf-label a { color: inherit; }
.wf-track { position: relative; height: 1.35em; margin: 2px 0; }
.wf-bar, .wf-wait { position: absolute; top: 2px; bottom: 2px; min-width: 2px;
  border-radius: 2px; }
.wf-wait { background: repeating-linear-gradient(45deg, #f2cc60 0 3px, #fff4cc 3px 6px);
  opacity: .9; }
.wf-bar.ok { background: #2da44e; }
.wf-bar.bad { background: #cf222e; }
.wf-bar.cached { background: #8250df; }
.wf-bar.skipped { background: #afb8c1; }
.wf-row.critical .wf-bar { outline: 2px solid #0969da; outline-offset: 1px; }
.wf-row[data-kind="service"] .wf-bar { opacity: .35; }
.wf-dur { padding: 2px 6px; text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.wf-status { font-size: 11px; padding: 0 4px; border-radius: 3px; margin-left: 4px;
  font-weight: 400; }
.wf-status.ok { background: #dafbe1; color: #116329; }
.wf-status.bad { background: #ffebe9; color: #a40e26; }
.wf-status.cached { background: #fbefff; color: #6639ba; }
.wf-status.skipped { background: #eaeef2; color: #57606a; }
.wf-legend { display: flex; gap: 1.2em; margin: .4em 0; font-size: 12px; flex-wrap: wrap; }
.wf-legend span::before { content: ""; display: inline-block; width: 1.6em; height: .8em;
  margin-right: .35em; vertical-align: middle; border-radius: 2px; }
.wf-legend .l-ok::before { background: #2da44e; }
.wf-legend .l-bad::before { background: #cf222e; }
.wf-legend .l-cached::before { background: #8250df; }
.wf-legend .l-skipped::before { background: #afb8c1; }
.wf-legend .l-wait::before { background: repeating-linear-gradient(45deg, #f2cc60 0 3px,
  #fff4cc 3px 6px); }
.wf-legend .l-critical::before { outline: 2px solid #0969da; background: #fff; }
"""


def format_seconds(seconds: float, *, precise: bool = True) -> str:
    """Short and exact enough to compare rows (12 ms, 3.40 s, 2m 05s); not `precise`, as a
    summary line says it (0.0s, 3.4s, 2m 05s)."""
    if precise and seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s" if precise else f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _ticks(total_s: float) -> list[float]:
    """Round tick positions (1, 2 or 5 times a power of ten), about six across the axis."""
    raw = total_s / 6
    candidates = [m * 10.0**e for e in range(-3, 7) for m in (1, 2, 5)]
    step = min((c for c in candidates if c >= raw), default=raw)
    return [i * step for i in range(int(total_s // step) + 1)]


def _pct(value: float, total: float) -> str:
    return f"{max(0.0, min(100.0, value / total * 100)):.3f}%"


def _row(bar: Bar, total: float) -> str:
    css = STATUS_CLASS.get(bar.status, "ok")
    data = "".join(f' data-{escape(k)}="{escape(v)}"' for k, v in bar.data)
    classes = "wf-row critical" if bar.critical else "wf-row"
    label = escape(bar.label)
    if bar.href:
        label = f'<a href="{escape(bar.href)}">{label}</a>'
    wait = ""
    if bar.queued_s is not None and bar.waited_s > 0:
        wait = (
            f'<div class="wf-wait" style="left:{_pct(bar.queued_s, total)};'
            f'width:{_pct(bar.waited_s, total)}" title="waited {format_seconds(bar.waited_s)}">'
            "</div>"
        )
    title = escape(bar.detail or f"{bar.label}: {bar.status}, {format_seconds(bar.duration_s)}")
    return (
        f'<div class="{classes}" data-kind="{escape(bar.kind)}" data-status="{escape(bar.status)}"'
        f' data-duration="{bar.duration_s:.3f}" data-waited="{bar.waited_s:.3f}"'
        f' data-depth="{bar.depth}"{data} title="{title}">'
        f'<div class="wf-label" style="padding-left:{0.4 + bar.depth * 1.2:.1f}em">{label}'
        f'<span class="wf-status {css}">{escape(bar.status)}</span></div>'
        f'<div class="wf-track">{wait}<div class="wf-bar {css}" style="left:'
        f'{_pct(bar.start_s, total)};width:{_pct(bar.duration_s, total)}"></div></div>'
        f'<div class="wf-dur">{format_seconds(bar.duration_s)}</div></div>'
    )


def render_legend(critical: bool = True, spans: bool = False) -> str:
    """The colour key: run statuses, or span statuses (`spans`) for a trace."""
    if spans:
        items = [("l-ok", "ok / unset"), ("l-bad", "error")]
        return (
            '<div class="wf-legend">'
            + "".join(f'<span class="{c}">{escape(t)}</span>' for c, t in items)
            + "</div>"
        )
    items = [
        ("l-ok", "ran, passed"),
        ("l-bad", "failed"),
        ("l-cached", "cached"),
        ("l-skipped", "skipped"),
        ("l-wait", "queued / waiting"),
    ]
    if critical:
        items.append(("l-critical", "critical path"))
    return (
        '<div class="wf-legend">'
        + "".join(f'<span class="{c}">{escape(t)}</span>' for c, t in items)
        + "</div>"
    )


def render_waterfall(timeline: Timeline, label: str = "waterfall") -> str:
    """The rows of `timeline` under one time axis, as an HTML fragment (CSS: WATERFALL_CSS)."""
    total = timeline.total_s
    ticks = "".join(
        f'<div class="wf-tick" style="left:{_pct(t, total)}">{format_seconds(t)}</div>'
        for t in _ticks(total)
    )
    rows = "".join(_row(bar, total) for bar in timeline.bars)
    return (
        f'<div class="wf" role="table" aria-label="{escape(label)}">'
        f'<div class="wf-axis"><div class="wf-label">{escape(label)}</div>'
        f'<div class="wf-track">{ticks}</div><div class="wf-dur">duration</div></div>'
        f"{rows}</div>"
    )
