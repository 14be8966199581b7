"""Writing report files safely, and finding which kind of report each collected file is.

Reports are read by CI uploaders while a run may still be writing them, so every file is
written to a temporary sibling and renamed into place: a reader sees the old file or the new
one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipelines.results import StageResult
from pipelines.steps import ReportKind


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temp file in the same folder and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class CollectedReport:
    """A report file a stage produced, with the kind its Step declared."""

    service: str
    kind: ReportKind
    path: Path


def matches(host_path: Path, declared: str) -> bool:
    """Whether a collected host path is the file (or inside the folder) a Step declared.

    Engines copy report files out of containers or service folders to places of their own
    choosing, so only the tail of the declared (service-relative) path can be relied on. A
    declared path may also be a folder (Maven's `target/surefire-reports`, one file per class)
    or a glob (`target/surefire-reports/TEST-*.xml`). A file copied to a flat folder is still
    recognised by its name.
    """
    want = tuple(p for p in PurePosixPath(declared).parts if p not in (".", ""))
    have = host_path.parts
    if not want:
        return False
    if have[-len(want) :] == want:
        return True
    if any(ch in declared for ch in "*?[") and PurePosixPath(*have).match(
        str(PurePosixPath(*want))
    ):
        return True
    n = len(want)
    if any(have[i : i + n] == want for i in range(len(have) - n)):
        return True
    # Copied to a flat folder: the file name (or the glob's last part) still identifies it.
    return PurePosixPath(have[-1]).match(want[-1])


def report_files(stage: StageResult) -> tuple[tuple[ReportKind, Path], ...]:
    """(kind, host path) for every report file of `stage`, kinds taken from the Steps.

    A step's own outcome is searched first; paths listed only on the stage are matched against
    every step of the stage. Paths no step declares are left out (see `unmatched_reports`).
    """
    pairs: list[tuple[ReportKind, Path]] = []
    seen: set[Path] = set()
    for outcome in stage.steps:
        for host in outcome.reports:
            kind = next((r.kind for r in outcome.step.reports if matches(host, r.path)), None)
            if kind is not None and host not in seen:
                pairs.append((kind, host))
                seen.add(host)
    declared = [r for outcome in stage.steps for r in outcome.step.reports]
    for host in stage.reports:
        if host in seen:
            continue
        kind = next((r.kind for r in declared if matches(host, r.path)), None)
        if kind is not None:
            pairs.append((kind, host))
            seen.add(host)
    return tuple(pairs)


def unmatched_reports(stage: StageResult) -> tuple[Path, ...]:
    """Report paths of `stage` that no Step declares: a wiring mistake worth showing."""
    matched = {path for _, path in report_files(stage)}
    listed = [p for o in stage.steps for p in o.reports] + list(stage.reports)
    return tuple(dict.fromkeys(p for p in listed if p not in matched))
