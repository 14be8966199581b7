"""`commerce-ci report REPORT.json [REPORT.json ...]`, hooked into pipelines.cli by add_parsers().

Re-renders the HTML page from report.json files alone (a CI artifact, downloaded anywhere);
with several, the newest is the run shown and all of them make the trends.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from pipelines.errors import ConfigError, ExitCode

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]


def add_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    """Adds `report`; returns its handler by command name."""
    report = subparsers.add_parser(
        "report",
        help="render report.json file(s) as one self-contained HTML page",
        description="Render the run in REPORT.json as an HTML page (waterfall, failures, "
        "images, tests, findings). Several reports (e.g. the last N CI runs) add per-service "
        "duration and cache-hit trends; the newest one is the run shown.",
    )
    report.add_argument("reports", nargs="+", type=Path, metavar="REPORT.json")
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        help="the HTML file to write (default: index.html next to the newest report)",
    )
    return {"report": cmd_report}


def cmd_report(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.reports.html import load_report, write_page

    reports = [load_report(path) for path in args.reports]  # all checked before writing
    newest = max(reports, key=lambda r: r.started)
    out = args.output or newest.path.parent / "index.html"
    if out.is_dir() or not out.parent.is_dir():
        raise ConfigError("--output", None, f"{out} is not a file in an existing folder")
    write_page(reports, out)
    print(f"report: {out}", file=sys.stderr)
    return ExitCode.OK
