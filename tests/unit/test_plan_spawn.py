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
    grandchild = int(marker.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the grandchild outlived the timeout")


def test_a_missing_program_is_file_not_found() -> None:
    with pytest.raises(FileNotFoundError):
        spawn.run(["/nonexistent/git"], ENV, 30)
