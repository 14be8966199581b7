"""The process runner: argv only, a timeout that stops the whole group, secrets kept out."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from pipelines import processes
from pipelines.errors import ToolMissingError

PY = sys.executable
ENV = {"PATH": os.environ.get("PATH", os.defpath)}

#: Ignores SIGTERM, starts a child that ignores it too, prints the child's pid, then waits.
STUBBORN = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_a_unit_test_that_starts_a_process_unmarked_fails_naming_the_program():
    with pytest.raises(AssertionError, match=r"started a process \['true'\].*processes"):
        subprocess.run(["true"], check=False)


@pytest.mark.processes
def test_run_returns_the_exit_code_and_both_outputs():
    done = processes.run(
        [PY, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"],
        timeout_s=30,
        env=ENV,
    )

    assert (done.exit_code, done.stdout, done.stderr) == (3, "out\n", "err\n")
    assert not done.timed_out


@pytest.mark.processes
def test_secrets_are_masked_in_the_logged_command_and_in_the_output():
    logged: list[str] = []

    done = processes.run(
        [PY, "-c", "print('token=s3cr3t-value')", "--label=s3cr3t-value"],
        timeout_s=30,
        env=ENV,
        secrets=("s3cr3t-value",),
        log=logged.append,
    )

    assert "s3cr3t-value" not in logged[0] + done.output + " ".join(done.argv)
    assert "token=***" in done.stdout


def test_a_missing_program_is_named_with_how_to_install_it():
    with pytest.raises(ToolMissingError, match=r"'no-such-tool' is not installed: apt-get it"):
        processes.run(["no-such-tool"], timeout_s=5, env=ENV, hint="apt-get it")


@pytest.mark.processes
def test_a_timeout_terminates_then_kills_the_whole_process_group():
    started = time.monotonic()

    done = processes.run([PY, "-c", STUBBORN], timeout_s=2, env=ENV, grace_s=0.5)

    assert done.timed_out and done.exit_code is None
    assert time.monotonic() - started < 20
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


@pytest.mark.processes
def test_stream_copies_output_to_the_files_as_it_comes():
    log, saved = io.BytesIO(), io.BytesIO()

    async def go() -> processes.Completed:
        code = "import sys; print('to both'); print('to log', file=sys.stderr)"
        return await processes.stream(
            [PY, "-c", code],
            timeout_s=30,
            cwd=Path.cwd(),
            env=ENV,
            stdout=[log, saved],
            stderr=[log],
        )

    done = anyio.run(go)

    assert done.exit_code == 0
    assert saved.getvalue() == b"to both\n"
    assert sorted(log.getvalue().splitlines()) == [b"to both", b"to log"]


@pytest.mark.processes
def test_a_cancelled_stream_stops_its_process_group():
    log = io.BytesIO()

    async def go() -> None:
        with anyio.move_on_after(2):
            await processes.stream(
                [PY, "-c", STUBBORN],
                timeout_s=60,
                cwd=Path.cwd(),
                env=ENV,
                stdout=[log],
                stderr=[log],
                grace_s=0.5,
            )

    anyio.run(go)

    child = int(log.getvalue().split()[0])
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


@pytest.mark.processes
def test_a_background_server_is_stopped_with_everything_it_started(tmp_path):
    output = tmp_path / "server.log"
    server = processes.start([PY, "-c", STUBBORN], output=output, env=ENV)
    deadline = time.monotonic() + 10
    while not output.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(output.read_text().split()[0])

    server.stop(grace_s=0.5)

    assert server.poll() is not None
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)
