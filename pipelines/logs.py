"""Stage logs: one text file per service and stage, which the engine, the image publisher and
the GitOps writer all add lines to (reports point at them; nothing else reads them back)."""

from __future__ import annotations

from pathlib import Path


def append_line(log: Path, line: str) -> None:
    """Add one line (a trailing newline is supplied) to `log`."""
    with log.open("a", encoding="utf-8") as handle:
        handle.write(line.rstrip("\n") + "\n")
