"""Clean scanner reports for stand-in engines that run nothing.

The SCA gate reads what the scanners wrote: an audit of nothing fails it, so an engine that
only pretends to run steps must still leave SARIF with no finding and an OSV report with one
audited package, where the real scanners would have written them.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.catalog import Service
from pipelines.engines.base import RunContext
from pipelines.steps import Step


def write_clean_reports(
    step: Step, service: Service, ctx: RunContext, lockfile: str
) -> tuple[Path, ...]:
    """The step's scanner reports, written clean under the run's artifacts; their paths."""
    clean = {
        "sarif": {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}}]},
        "osv-json": {
            "results": [
                {
                    "source": {"path": lockfile},
                    "packages": [{"package": {"name": "a", "version": "1", "ecosystem": "Go"}}],
                }
            ]
        },
    }
    written = []
    for report in step.reports:
        if report.kind in clean:
            path = ctx.report_dir / "artifacts" / service.name / step.stage.value / report.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(clean[report.kind]))
            written.append(path)
    return tuple(written)
