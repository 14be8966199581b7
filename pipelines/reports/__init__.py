"""Run reports: report.json, JUnit XML, SARIF, a Markdown summary, progress and OTel spans.

`progress` (rich) and `telemetry` (OpenTelemetry) are imported by their users only, so that
commands which never render or export (e.g. `plan`) do not pay for them.
"""

from pipelines.reports.writer import ReportPaths, write_reports

__all__ = ["ReportPaths", "write_reports"]
