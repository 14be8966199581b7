"""Starting and stopping host processes for the shop, with readiness checks and logs."""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines import processes
from pipelines.errors import CommerceCiError, ExitCode
from pipelines.processes import Background


class ShopError(CommerceCiError):
    """A service of the local shop did not start; the message carries the tail of its log."""

    exit_code = ExitCode.STAGE_FAILED


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, timeout_s: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout_s):
        return True
    return False


def http_ready(port: int, path: str = "/readyz") -> bool | None:
    """True/False for a server that answers HTTP/1.1 on `path`; None when it does not speak it
    (a gRPC server), in which case an open port is all the readiness there is to see."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except (http.client.HTTPException, ConnectionError, TimeoutError):
        return None
    except OSError:
        return False
    finally:
        connection.close()


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Started:
    name: str
    port: int
    log: Path
    process: Background

    def wait_ready(self, timeout_s: float, http: bool) -> None:
        """Wait for the port (and /readyz for HTTP services); fail with the log's tail."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ShopError(
                    f"{self.name} exited with code {self.process.returncode} before it was "
                    f"ready; last lines of {self.log}:\n{tail(self.log)}"
                )
            if port_open(self.port) and (not http or http_ready(self.port) is not False):
                return
            time.sleep(0.2)
        raise ShopError(
            f"{self.name} was not ready on port {self.port} after {timeout_s:g}s; "
            f"last lines of {self.log}:\n{tail(self.log)}"
        )

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM (the services shut down gracefully), then SIGKILL for the whole group."""
        self.process.stop(grace_s)


def start(
    name: str, argv: list[str], cwd: Path, env: dict[str, str], log: Path, port: int
) -> Started:
    return Started(name, port, log, processes.start(argv, output=log, cwd=cwd, env=env))
