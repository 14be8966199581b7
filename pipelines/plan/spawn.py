"""One short-lived child process, its output captured, under a deadline: what `plan` needs of
`subprocess`, without importing it.

`subprocess` brings threading, selectors, locale and more with it, a tenth of what
`commerce-ci plan` may spend in all; `os.posix_spawn` and two anonymous files (memfd) do the same
job for a program that takes no stdin, and let the parent work while the child runs: a file
never fills up and stalls the child the way an unread pipe does. The child gets a session of its
own, so a timeout or an interrupt kills it and whatever it started (a git alias, a hook), and it
is always reaped. Every other command the engine runs goes through `pipelines.processes`.
"""

from __future__ import annotations

import os
import select
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_CHUNK = 1 << 20


class TimedOut(Exception):
    """The child ran past its deadline; it and its session were killed and reaped."""


class Child:
    """A started child whose stdout and stderr go to anonymous files, so it never blocks on a
    full pipe while the parent does other work (the plan loads its catalog while git diffs).

    `wait` reaps it and reads both files; `kill` stops its whole session. Either closes the
    files, and a Child is finished once one of them returns or raises."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float):
        self.deadline = time.monotonic() + timeout
        self._files = (_anonymous_file("stdout"), _anonymous_file("stderr"))
        try:
            self.pid: int | None = os.posix_spawn(
                argv[0],
                list(argv),
                dict(env),
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, self._files[0], 1),
                    (os.POSIX_SPAWN_DUP2, self._files[1], 2),
                ],
                setsid=True,
            )
        except BaseException:
            self._close()
            raise

    def wait(self) -> tuple[int, bytes, bytes]:
        """(exit status as `subprocess` gives it: negative for a signal, stdout, stderr);
        TimedOut, with the session killed, when the deadline passes first."""
        if self.pid is None:
            raise RuntimeError("child already finished")
        try:
            status = _reap(self.pid, self.deadline)
            self.pid = None
            return os.waitstatus_to_exitcode(status), *(_read_all(fd) for fd in self._files)
        except BaseException:
            self.kill()
            raise
        finally:
            self._close()

    def kill(self) -> None:
        """Kill the child's whole session and reap the child; nothing when already finished."""
        if self.pid is not None:
            _kill(self.pid)
            self.pid = None
        self._close()

    def _close(self) -> None:
        for fd in self._files:
            if fd >= 0:
                os.close(fd)
        self._files = (-1, -1)


def start(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Child:
    """Start `argv` (its first item is the program's path) with `timeout` seconds from now to
    finish. FileNotFoundError when there is no such program."""
    return Child(argv, env, timeout)


def run(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> tuple[int, bytes, bytes]:
    """`start(...).wait()`: run `argv` to its end."""
    return start(argv, env, timeout).wait()


def _anonymous_file(name: str) -> int:
    """A read-write file descriptor of a file with no name: memfd where the kernel offers it
    (a sandbox may refuse the call), else an unlinked file in the temporary folder."""
    try:
        return os.memfd_create(name, os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        pass
    folder = os.environ.get("TMPDIR") or "/tmp"
    for attempt in range(100):
        path = os.path.join(folder, f".commerce-ci-{os.getpid()}-{time.monotonic_ns()}-{attempt}")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            continue
        os.unlink(path)
        return fd
    raise FileExistsError(f"no free temporary file name in {folder}")


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while data := os.read(fd, _CHUNK):
        chunks.append(data)
    return b"".join(chunks)


def _reap(pid: int, deadline: float) -> int:
    """The wait status of `pid` once it exits; TimedOut if it outlives `deadline`. A pidfd
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
    # Imported here, off the plan's quick path: `signal` imports enum, `contextlib` functools.
    import contextlib
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
