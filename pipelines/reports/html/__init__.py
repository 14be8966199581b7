"""The run report as one self-contained HTML page (index.html), rendered from report.json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipelines.reports.files import write_atomic
from pipelines.reports.html.page import render_page
from pipelines.reports.html.view import Report, check_report, load_report

__all__ = ["Report", "load_report", "render_page", "write_html_report", "write_page"]


def write_page(reports: Sequence[Report], out: Path) -> Path:
    """Render `reports` (the newest is the run shown, the others add trends) into `out`."""
    return write_atomic(out, render_page(reports, out.parent).encode())


def write_html_report(doc: Mapping[str, Any], json_path: Path) -> Path:
    """index.html next to report.json, for the run that just wrote it."""
    report = check_report(dict(doc), json_path)
    return write_page([report], json_path.parent / "index.html")
