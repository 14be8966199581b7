"""Starting the cluster's host processes, recording them, and stopping every one of them.

`cluster up` returns once the cluster is ready, leaving its processes running in their own
sessions (started with pipelines.shop.processes); each is recorded with its start time, so
`cluster down`, a later command, stops exactly those and never a process that reused a pid.
containerd's shims and the containers deliberately outlive containerd: they are found by the
socket path they were given and by the kubepods cgroups they run in.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines.cluster.components import Component
from pipelines.cluster.errors import ClusterError
from pipelines.shop.processes import port_open, start, tail

Log = Callable[[str], None]


@dataclass(frozen=True)
class Record:
    name: str
    pid: int
    #: Field 22 of /proc/PID/stat: with the pid, it names one process for its whole life.
    started: int


def start_time(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def alive(record: Record) -> bool:
    return start_time(record.pid) == record.started


def read_records(path: Path) -> list[Record]:
    try:
        rows = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [Record(row["name"], int(row["pid"]), int(row["started"])) for row in rows]


def _write_records(path: Path, records: Iterable[Record]) -> None:
    rows = [{"name": r.name, "pid": r.pid, "started": r.started} for r in records]
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(rows, indent=2))
    temporary.replace(path)


def launch(
    component: Component, logs: Path, records: Path, env: Mapping[str, str], cwd: Path
) -> Record:
    """Start one component in its own session, log to logs/NAME.log, and record it at once."""
    run_env = {**env, **component.env}
    started = start(
        component.name,
        list(component.argv),
        cwd,
        run_env,
        logs / f"{component.name}.log",
        component.port or 0,
    )
    record = Record(component.name, started.process.pid, start_time(started.process.pid) or 0)
    _write_records(records, [*read_records(records), record])
    return record


def wait_ready(component: Component, record: Record, logs: Path) -> None:
    """Until its port answers (or its socket exists); fail with its log's tail if it exits."""
    log = logs / f"{component.name}.log"
    deadline = time.monotonic() + component.ready_timeout_s
    while time.monotonic() < deadline:
        if not alive(record):
            raise ClusterError(f"{component.name} exited before it was ready; {log}:\n{tail(log)}")
        if component.port is not None and port_open(component.port):
            return
        if component.socket is not None and component.socket.exists():
            return
        time.sleep(0.3)
    raise ClusterError(
        f"{component.name} was not ready after {component.ready_timeout_s:g}s; {log}:\n{tail(log)}"
    )


def stop_records(records: Path, log: Log, grace_s: float = 15.0) -> None:
    """SIGTERM each recorded process group, latest first, then SIGKILL what is left."""
    for record in reversed(read_records(records)):
        if alive(record):
            log(f"cluster: stopping {record.name} (pid {record.pid})")
            _signal_group(record.pid, signal.SIGTERM)
            _wait_gone([record.pid], grace_s)
            if alive(record):
                _signal_group(record.pid, signal.SIGKILL)
                _wait_gone([record.pid], 5.0)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _wait_gone(pids: Iterable[int], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    remaining = set(pids)
    while remaining and time.monotonic() < deadline:
        remaining = {pid for pid in remaining if Path(f"/proc/{pid}").exists() and not _zombie(pid)}
        time.sleep(0.1)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        data = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return data.replace(b"\0", b" ").decode(errors="replace")


def _in_kubepods(pid: int) -> bool:
    try:
        return "/kubepods" in Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return False


def leftovers(markers: Iterable[str]) -> list[tuple[int, str]]:
    """Processes of this cluster still running: in a kubepods cgroup (containers, which only our
    kubelet creates), or whose command line names one of `markers` (our state and binary
    folders, containerd's socket: the shims carry it)."""
    me = os.getpid()
    found = []
    marks = tuple(markers)
    for pid in _pids():
        if pid == me or _zombie(pid):
            continue
        command = _cmdline(pid)
        if _in_kubepods(pid) or any(mark in command for mark in marks):
            found.append((pid, command[:120]))
    return found


def kill_leftovers(markers: Iterable[str], log: Log) -> list[tuple[int, str]]:
    """SIGKILL every leftover (containers first, then shims); returns what survived."""
    marks = tuple(markers)
    for _ in range(3):
        stray = leftovers(marks)
        if not stray:
            return []
        for pid, command in stray:
            log(f"cluster: killing leftover pid {pid}: {command}")
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        _wait_gone([pid for pid, _ in stray], 5.0)
    return leftovers(marks)


def resident_mb(pids: Iterable[int]) -> float:
    """The resident memory of these processes, in MB (what the cluster costs the machine)."""
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024
