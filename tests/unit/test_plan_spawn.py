"""The plan's child-process runner: output captured whole, a deadline that kills the child's
whole session, exit statuses as subprocess reports them."""

from __future__ import annotations

import os
import shutil
import sys
import time

import pytest

from pipelines.plan import spawn

SH = shutil.which("sh") or "/bin/sh"
ENV = {"PATH": os.defpath}


def test_large_stdout_and_stderr_are_both_read_to_the_end() -> None:
    script = "import sys; sys.stdout.write('o' * 300000); sys.stderr.write('e' * 200000)"
    code, out, err = spawn.run([sys.executable, "-c", script], ENV, 30)
    assert (code, len(out), len(err)) == (0, 300000, 200000)


def test_the_exit_code_and_a_killing_signal_come_back_as_subprocess_gives_them() -> None:
    assert spawn.run([SH, "-c", "exit 3"], ENV, 30)[0] == 3
    assert spawn.run([SH, "-c", "kill -9 $$"], ENV, 30)[0] == -9


def test_stdin_is_empty() -> None:
    assert spawn.run([SH, "-c", "cat"], ENV, 30) == (0, b"", b"")


def test_past_the_deadline_the_child_and_what_it_started_are_killed(tmp_path) -> None:
    marker = tmp_path / "grandchild.pid"
    started = time.monotonic()
    with pytest.raises(spawn.TimedOut):
        spawn.run([SH, "-c", f"sleep 30 & echo $! > {marker}; wait"], ENV, 0.5)
    assert time.monotonic() - started < 10
    assert _gone(int(marker.read_text())), "the grandchild outlived the timeout"


def test_a_missing_program_is_file_not_found() -> None:
    with pytest.raises(FileNotFoundError):
        spawn.run(["/nonexistent/git"], ENV, 30)


def _gone(pid: int, seconds: float = 5) -> bool:
    """Whether process `pid` ends within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _wait_for(path, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} never appeared")
        time.sleep(0.02)


def test_a_started_child_writes_more_than_a_pipe_holds_while_nobody_reads(tmp_path) -> None:
    # The plan loads its catalog while git writes: output must not wait for a reader.
    done = tmp_path / "done"
    script = (
        "import sys; sys.stdout.write('o' * 1_000_000); sys.stdout.flush(); "
        f"open({str(done)!r}, 'w')"
    )
    child = spawn.start([sys.executable, "-c", script], ENV, 30)
    _wait_for(done)
    code, out, err = child.wait()
    assert (code, len(out), err) == (0, 1_000_000, b"")


def test_killing_a_started_child_stops_what_it_started_too(tmp_path) -> None:
    marker = tmp_path / "grandchild.pid"
    child = spawn.start(
        [SH, "-c", f"sleep 30 & echo $! > {marker}.tmp; mv {marker}.tmp {marker}; wait"], ENV, 30
    )
    _wait_for(marker)
    child.kill()
    child.kill()  # a second time is nothing
    assert _gone(int(marker.read_text())), "the grandchild outlived kill()"


def test_where_memfd_is_refused_output_goes_through_an_unlinked_file(monkeypatch, tmp_path) -> None:
    def refused(name: str, flags: int = 0) -> int:
        raise PermissionError("memfd_create blocked by a sandbox")

    monkeypatch.setattr(os, "memfd_create", refused)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert spawn.run([SH, "-c", "echo out; echo err >&2"], ENV, 30) == (0, b"out\n", b"err\n")
    assert list(tmp_path.iterdir()) == []
