"""summary.md: the run as a Markdown table, fit for `$GITHUB_STEP_SUMMARY`."""

from __future__ import annotations

from pipelines.reports.junit import TestTotals
from pipelines.reports.run_report import run_status
from pipelines.results import RunResult, Status
from pipelines.steps import CHECK_STAGES, Stage
from pipelines.waterfall.render import format_seconds

_WORDS = {
    Status.PASSED: "passed",
    Status.FAILED: "**FAILED**",
    Status.SKIPPED: "skipped",
    Status.CACHED: "cached",
}


def format_duration(seconds: float) -> str:
    return format_seconds(seconds, precise=False)


def _cell(text: str) -> str:
    """Table cells cannot hold pipes or line breaks."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _stages(result: RunResult) -> list[Stage]:
    """The check stages always, then whichever later stages the run had, in pipeline order."""
    ran = {stage.stage for service in result.services for stage in service.stages}
    return [stage for stage in Stage if stage in CHECK_STAGES or stage in ran]


def _images(result: RunResult) -> dict[str, str]:
    """Service -> short image digest, from what the image stages added to the report."""
    services = result.extra.get("services")
    images: dict[str, str] = {}
    if isinstance(services, dict):
        for name, keys in services.items():
            image = keys.get("image") if isinstance(keys, dict) else None
            if isinstance(image, dict) and image.get("digest"):
                images[name] = "`" + str(image["digest"]).removeprefix("sha256:")[:12] + "`"
    return images


def render_summary(
    result: RunResult,
    tests: TestTotals | None = None,
    findings: int | None = None,
    warnings: tuple[str, ...] = (),
    html: str | None = None,
) -> str:
    status = run_status(result)
    lines = [
        f"## commerce-ci: {status.upper() if status != 'passed' else status}",
        "",
        f"{len(result.services)} service(s), engine `{result.engine}`"
        + (f", revision `{result.revision[:12]}`" if result.revision else "")
        + f", {format_duration(result.duration_s)}",
        "",
    ]
    if html:
        lines += [
            f"HTML report (waterfall, failures, tests, findings): [{html}]({html}), "
            "next to this summary in the reports folder (the CI artifact).",
            "",
        ]
    lines += _table(result)
    lines += _totals(result, tests, findings)
    lines += _failures(result)
    if warnings:
        lines += ["", "### Report warnings", ""]
        lines += [f"- {_cell(w)}" for w in warnings]
    return "\n".join(lines) + "\n"


def _table(result: RunResult) -> list[str]:
    """One row per service: its status at each stage, its image, its duration."""
    stages = _stages(result)
    images = _images(result)
    columns = [str(stage) for stage in stages] + (["image"] if images else [])
    lines = [
        "| service | language | " + " | ".join(columns) + " | duration |",
        "|---|---|" + "---|" * len(columns) + "---:|",
    ]
    for service in result.services:
        by_stage = {s.stage: s for s in service.stages}
        cells = [_cell(service.name), _cell(service.language)]
        for stage in stages:
            found = by_stage.get(stage)
            cells.append(_WORDS[found.status] if found else "-")
        if images:
            cells.append(images.get(service.name, "-"))
        cells.append(format_duration(service.duration_s))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _totals(result: RunResult, tests: TestTotals | None, findings: int | None) -> list[str]:
    lines: list[str] = []
    gitops = result.extra.get("gitops")
    if isinstance(gitops, dict) and gitops.get("commit"):
        lines += [
            "",
            f"GitOps: `{str(gitops['commit'])[:12]}` on `{_cell(str(gitops.get('remote')))}` "
            f"({_cell(str(gitops.get('branch')))}), {len(gitops.get('files') or [])} file(s).",
        ]
    if tests is not None and tests.tests:
        lines += [
            "",
            f"Tests: {tests.passed} passed, {tests.failures} failed, {tests.errors} errors, "
            f"{tests.skipped} skipped.",
        ]
    if findings is not None:
        lines += ["", f"Findings (lint and SCA): {findings}."]
    return lines


def _failures(result: RunResult) -> list[str]:
    failed = [
        (service.name, stage)
        for service in result.services
        for stage in service.stages
        if stage.status is Status.FAILED
    ]
    if not failed:
        return []
    lines = ["", "### Failures", ""]
    for name, stage in failed:
        lines.append(f"- `{name}` {stage.stage}: {_cell(stage.reason or 'no reason recorded')}")
    return lines
