"""The one way the engine starts a child process.

Every program runs from an argv list (never a shell), resolved on the given PATH first so that a
missing tool is a `ToolMissingError` naming it, in its own session so that stopping it stops
whatever it started too, with a timeout. Stopping is always the same: SIGTERM to the process
group, a grace period, then SIGKILL; on a timeout, and on Ctrl-C or cancellation while waiting.
What the runner logs or returns (the command line, the output) has the given secrets masked.

Three shapes, one policy:
- `run`: wait for the process and return its output (git, apt, cosign, syft...);
- `stream`: an async run whose output goes to open files as it comes (the local engine's steps);
- `start`: a server in the background, with its output in a file, stopped by `Background.stop`.

Only the standard library is imported at module level: `plan` runs git through here and must
start quickly (anyio is imported inside `stream`).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pipelines.errors import ToolMissingError

if TYPE_CHECKING:
    from anyio.abc import ByteReceiveStream, Process

#: Seconds a process group gets between SIGTERM and SIGKILL.
GRACE_S = 5.0
MASK = "***"
DEFAULT_HINT = "install it and put it on PATH"

Log = Callable[[str], None]


def scrub(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret masked (longest first, so a secret's prefix never shows)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text


def _scrub_bytes(data: bytes, secrets: Sequence[str]) -> bytes:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            data = data.replace(secret.encode(), MASK.encode())
    return data


def command_line(argv: Sequence[str], secrets: Sequence[str] = ()) -> str:
    """The command as a person would type it, secrets masked."""
    return scrub(shlex.join(argv), secrets)


def which(program: str, env: Mapping[str, str] | None = None) -> str | None:
    """Where `program` is on the env's PATH (the process's own PATH when env is None)."""
    if os.sep in program:
        return program if os.access(program, os.X_OK) else None
    path = (env if env is not None else os.environ).get("PATH", os.defpath)
    return shutil.which(program, path=path)


def resolve(argv: Sequence[str], env: Mapping[str, str] | None, hint: str | None) -> list[str]:
    """argv with its program resolved on PATH, or a ToolMissingError naming it."""
    program = which(argv[0], env)
    if program is None:
        raise ToolMissingError(argv[0], hint or DEFAULT_HINT)
    return [program, *argv[1:]]


def signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


@dataclass(frozen=True)
class Completed:
    """What a finished (or stopped) process left: its exit code and output, secrets masked."""

    argv: tuple[str, ...]
    #: None when the process was stopped because it timed out.
    exit_code: int | None
    out: bytes = b""
    err: bytes = b""
    timed_out: bool = False

    @property
    def stdout(self) -> str:
        return self.out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.err.decode("utf-8", "replace")

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def _stop_waiting(process: subprocess.Popen[bytes], grace_s: float) -> tuple[bytes, bytes]:
    """SIGTERM the group, give it `grace_s`, then SIGKILL; the output read until then."""
    signal_group(process.pid, signal.SIGTERM)
    try:
        return process.communicate(timeout=grace_s)
    except subprocess.TimeoutExpired:
        signal_group(process.pid, signal.SIGKILL)
        return process.communicate()


def run(
    argv: Sequence[str],
    *,
    timeout_s: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | str | None = None,
    secrets: Sequence[str] = (),
    log: Log | None = None,
    hint: str | None = None,
    grace_s: float = GRACE_S,
) -> Completed:
    """Run `argv` to the end (or the timeout) and return what it printed.

    `log` gets the command line before it starts; `secrets` are masked there and in the
    output. A timeout is a result (`timed_out`), not an exception: each caller words it."""
    argv = tuple(argv)
    if log is not None:
        log(command_line(argv, secrets))
    data = input.encode() if isinstance(input, str) else input
    process = subprocess.Popen(  # noqa: S603 - an argv list, never a shell
        resolve(argv, env, hint),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    with process:
        try:
            out, err = process.communicate(data, timeout=timeout_s)
            timed_out = False
        except subprocess.TimeoutExpired:
            out, err = _stop_waiting(process, grace_s)
            timed_out = True
        except BaseException:
            _stop_waiting(process, grace_s)
            raise
    return Completed(
        argv=tuple(scrub(a, secrets) for a in argv),
        exit_code=None if timed_out else process.returncode,
        out=_scrub_bytes(out or b"", secrets),
        err=_scrub_bytes(err or b"", secrets),
        timed_out=timed_out,
    )


# --- streaming (the local engine's steps) -----------------------------------------------------


async def _pump(stream: ByteReceiveStream | None, sinks: Sequence[IO[bytes]]) -> None:
    if stream is None:
        return
    async for chunk in stream:
        for sink in sinks:
            sink.write(chunk)
            sink.flush()


async def _stop(process: Process, grace_s: float) -> None:
    import anyio

    with anyio.CancelScope(shield=True):
        signal_group(process.pid, signal.SIGTERM)
        with anyio.move_on_after(grace_s):
            await process.wait()
            return
        signal_group(process.pid, signal.SIGKILL)
        await process.wait()


async def stream(
    argv: Sequence[str],
    *,
    timeout_s: float,
    cwd: Path,
    env: Mapping[str, str],
    stdout: Sequence[IO[bytes]],
    stderr: Sequence[IO[bytes]],
    hint: str | None = None,
    grace_s: float = GRACE_S,
) -> Completed:
    """Run `argv`, copying its stdout and stderr into open files as they come.

    The output is not kept in the result (it is in the files). On a timeout, and when the
    caller is cancelled (Ctrl-C), the process group is stopped before this returns or raises."""
    import anyio

    process = await anyio.open_process(
        resolve(argv, env, hint),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        with anyio.fail_after(timeout_s):
            async with anyio.create_task_group() as tg:
                tg.start_soon(_pump, process.stdout, stdout)
                tg.start_soon(_pump, process.stderr, stderr)
                code = await process.wait()
        return Completed(tuple(argv), code)
    except TimeoutError:
        await _stop(process, grace_s)
        return Completed(tuple(argv), None, timed_out=True)
    except BaseException:
        await _stop(process, grace_s)
        raise
    finally:
        with anyio.CancelScope(shield=True):
            await process.aclose()


# --- background servers -----------------------------------------------------------------------


@dataclass
class Background:
    """A process left running (a registry, a shop service); `stop` ends its whole group."""

    argv: tuple[str, ...]
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def poll(self) -> int | None:
        return self.process.poll()

    def stop(self, grace_s: float = GRACE_S) -> None:
        """SIGTERM to the group (servers shut down gracefully), then SIGKILL after `grace_s`."""
        if self.process.poll() is None:
            signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start(
    argv: Sequence[str],
    *,
    output: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    hint: str | None = None,
) -> Background:
    """Start `argv` in the background, stdout and stderr appended to `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - an argv list, never a shell
            resolve(argv, env, hint),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Background(tuple(argv), process)
