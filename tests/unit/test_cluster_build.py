"""ensure_built: one build per pin, and a build in progress elsewhere is waited for, not repeated.

No Go runs here: PATH has no `go`, so any attempt to build raises ToolMissingError.
"""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path

import pytest

from pipelines.cluster.build import ensure_built
from pipelines.cluster.versions import GoBuild
from pipelines.errors import ToolMissingError

BUILD = GoBuild(
    name="tool", version="v1", module="", packages=("example.com/tool@v1",), binaries=("tool",)
)
NO_GO = {"PATH": "/nonexistent"}


def finish(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tool").write_text("binary")


def test_a_pin_already_built_is_not_built_again(tmp_path: Path) -> None:
    finish(BUILD.folder(tmp_path / "bin", tmp_path))
    built = ensure_built(BUILD, tmp_path, tmp_path / "bin", NO_GO, print)
    assert built.path("tool").read_text() == "binary"


def test_a_missing_pin_without_go_names_go(tmp_path: Path) -> None:
    with pytest.raises(ToolMissingError, match="go"):
        ensure_built(BUILD, tmp_path, tmp_path / "bin", NO_GO, print)


def test_a_build_in_progress_elsewhere_is_awaited_and_used(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    lines: list[str] = []
    holder = open(bin_dir / ".tool.lock", "w")  # noqa: SIM115 - held across the thread
    fcntl.flock(holder, fcntl.LOCK_EX)

    def other_build() -> None:
        time.sleep(0.5)
        finish(BUILD.folder(bin_dir, tmp_path))
        fcntl.flock(holder, fcntl.LOCK_UN)
        holder.close()

    thread = threading.Thread(target=other_build)
    thread.start()
    built = ensure_built(BUILD, tmp_path, bin_dir, NO_GO, lines.append)
    thread.join()
    assert built.path("tool").read_text() == "binary"
    assert lines == ["cluster: waiting for another build of tool v1"]
