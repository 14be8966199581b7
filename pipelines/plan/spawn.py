"""One short-lived child process, its output captured, under a deadline: what `plan` needs of
`subprocess`, without importing it.

`subprocess` brings threading, selectors, locale and more with it, a tenth of
what `commerce-ci plan` may spend in all; `os.posix_spawn`, two pipes and `select.poll` do the
same job for a program that takes no stdin. The child gets a session of its own, so a timeout or
an interrupt kills it and whatever it started (a git alias, a hook), and it is always reaped.
Every other command the engine runs goes through the local engine's runner.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_CHUNK = 1 << 16


class TimedOut(Exception):
    """The child ran past its deadline; it and its session were killed and reaped."""


def run(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> tuple[int, bytes, bytes]:
    """(exit status as `subprocess` gives it: negative for a signal, stdout, stderr) of `argv`,
    whose first item is the program's path. FileNotFoundError when there is no such program."""
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    try:
        pid = os.posix_spawn(
            argv[0],
            list(argv),
            dict(env),
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_write, 1),
                (os.POSIX_SPAWN_DUP2, err_write, 2),
            ],
            setsid=True,
        )
    except BaseException:
        for fd in (out_read, err_read):
            os.close(fd)
        raise
    finally:
        os.close(out_write)
        os.close(err_write)
    try:
        out, err = _drain(out_read, err_read, time.monotonic() + timeout)
        return os.waitstatus_to_exitcode(_reap(pid, time.monotonic() + timeout)), out, err
    except BaseException:
        _kill(pid)
        raise
    finally:
        os.close(out_read)
        os.close(err_read)


def _drain(out_fd: int, err_fd: int, deadline: float) -> tuple[bytes, bytes]:
    """Both pipes read to their end, or TimedOut."""
    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    poller = select.poll()
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    open_fds = set(chunks)
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimedOut
        for fd, _ in poller.poll(max(1, int(left * 1000))):
            data = os.read(fd, _CHUNK)
            if data:
                chunks[fd].append(data)
            else:
                poller.unregister(fd)
                open_fds.discard(fd)
    return b"".join(chunks[out_fd]), b"".join(chunks[err_fd])


def _reap(pid: int, deadline: float) -> int:
    """The wait status of `pid`, which has closed its output; TimedOut if it lingers. A pidfd
    tells the moment it exits (no polling); kernels without one get a short sleep loop."""
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        return status
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimedOut
            if pidfd is not None:
                select.select([pidfd], [], [], left)
            else:
                time.sleep(min(0.001, left))
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _kill(pid: int) -> None:
    """Kill the child's whole session and reap the child."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
