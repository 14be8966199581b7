"""A real Docker daemon for the tests that prove daemonless images work under Docker.

The daemon is Debian's docker.io (scripts/tools.d/45-docker.sh), started per test session as
root with its own data root, exec root, pidfile, config file and unix socket: it never touches
the system daemon's socket or state, and leaves no containers, mounts or processes behind.
Sandboxes rarely allow bridges or iptables, so the daemon runs without them and containers use
`--network host`. Registries on 127.0.0.0/8 are insecure (plain http) for Docker by default.

The client is the one shipped with the daemon (/usr/bin/docker), and DOCKER_API_VERSION is
pinned to the daemon's API version, so a newer CLI earlier on PATH negotiates nothing and works
the same.

`start_docker_daemon` and `build_health_server` are plain functions so the image benchmark can
use them outside pytest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from registry_fixtures import RegistryServer, require_binary, wait_until
from testenv import IN_CI

DOCKERD_HINT = "bash scripts/tools.d/45-docker.sh (apt docker.io)"
#: Sandbox-friendly: no bridge, no iptables/NAT, no host sysctl changes, no userland proxy.
NETWORK_FLAGS = (
    "--bridge=none",
    "--iptables=false",
    "--ip-forward=false",
    "--ip-masq=false",
    "--userland-proxy=false",
)
STORAGE_DRIVERS = ("overlay2", "vfs")


def _require_root() -> None:
    if os.geteuid() != 0:
        message = "dockerd must run as root for the Docker tests (run pytest as root)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _client_binary(dockerd: str) -> str:
    """The docker CLI from the daemon's own package, else any `docker` on PATH."""
    sibling = Path(os.path.realpath(dockerd)).parent.parent / "bin" / "docker"
    if sibling.is_file() and os.access(sibling, os.X_OK):
        return str(sibling)
    return require_binary("docker", DOCKERD_HINT)


@dataclass(frozen=True)
class DockerDaemon:
    """A running private dockerd; `env` points a docker CLI (or SDK) at it and nothing else."""

    client: str
    env: dict[str, str]
    root: Path
    socket: Path
    storage_driver: str
    flags: tuple[str, ...]
    process: subprocess.Popen[bytes] = field(repr=False)
    scratch: Path = field(repr=False)

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def run(
        self,
        *args: str,
        timeout: float = 120.0,
        input: str | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """`docker ARGS` against this daemon; a failure raises with the command's output."""
        result = subprocess.run(
            [self.client, *args],
            env=self.env,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args)} exited {result.returncode}\n"
                f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
            )
        return result

    def login(self, registry: RegistryServer) -> None:
        """`docker login` with the password on stdin: it never appears in argv."""
        self.run(
            "login",
            "--username",
            registry.username,
            "--password-stdin",
            registry.address,
            input=registry.password,
            timeout=60,
        )

    def log_tail(self, chars: int = 4000) -> str:
        return (self.root / "dockerd.log").read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """Remove every container, stop the daemon (it unmounts its layers), delete its state."""
        if self.process.poll() is None:
            listed = self.run("ps", "-aq", check=False, timeout=30).stdout.split()
            if listed:
                self.run("rm", "-f", *listed, check=False, timeout=60)
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        # dockerd leaves the host netns bind-mounted in its exec root after a `--network host`
        # container; whatever it still holds mounted must go before the directories can.
        _unmount_below(self.scratch)
        _unmount_below(self.root)
        shutil.rmtree(self.root / "data", ignore_errors=True)
        shutil.rmtree(self.scratch, ignore_errors=True)


def _unmount_below(directory: Path) -> None:
    prefix = str(directory.resolve()) + "/"
    with open("/proc/self/mountinfo") as mountinfo:
        points = [line.split()[4] for line in mountinfo]
    umount = shutil.which("umount") or "/usr/bin/umount"
    for point in sorted((p for p in points if p.startswith(prefix)), reverse=True):
        subprocess.run([umount, "--lazy", point], capture_output=True, timeout=30, check=False)


def _api_version(socket: Path) -> str:
    transport = httpx.HTTPTransport(uds=str(socket))
    with httpx.Client(transport=transport, base_url="http://docker", timeout=5) as client:
        return str(client.get("/version").json()["ApiVersion"])


def _launch(dockerd: str, client: str, root: Path, driver: str) -> DockerDaemon:
    # The exec root holds containerd's sockets, whose paths must stay under ~100 bytes: keep it
    # (and dockerd's socket) in a short directory rather than under pytest's deep tmp paths.
    scratch = Path(tempfile.mkdtemp(prefix="dockerd-"))
    socket = scratch / "docker.sock"
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    config_dir = root / "client-config"
    config_dir.mkdir(exist_ok=True)
    daemon_config = root / "daemon.json"
    daemon_config.write_text(json.dumps({}) + "\n")  # never the host's /etc/docker/daemon.json
    flags = (
        f"--storage-driver={driver}",
        *NETWORK_FLAGS,
        "--log-level=warn",
    )
    argv = [
        dockerd,
        f"--config-file={daemon_config}",
        f"--data-root={data}",
        f"--exec-root={scratch / 'exec'}",
        f"--pidfile={scratch / 'dockerd.pid'}",
        f"--host=unix://{socket}",
        *flags,
    ]
    with (root / "dockerd.log").open("ab") as log:
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "DOCKER_HOST": f"unix://{socket}",
        "DOCKER_CONFIG": str(config_dir),
        "DOCKER_BUILDKIT": "1",
    }
    daemon = DockerDaemon(client, env, root, socket, driver, flags, process, scratch)
    try:
        wait_until(
            lambda: socket.exists() and daemon.run("info", check=False, timeout=10).returncode == 0,
            f"dockerd --storage-driver={driver} (log {root / 'dockerd.log'})",
            process,
            timeout=60,
        )
        daemon.env["DOCKER_API_VERSION"] = _api_version(socket)
    except (RuntimeError, subprocess.TimeoutExpired):
        daemon.stop()
        raise
    return daemon


def require_docker() -> tuple[str, str]:
    """dockerd and its client, and root to run it: fails under CI, skips loudly elsewhere."""
    _require_root()
    dockerd = require_binary("dockerd", DOCKERD_HINT)
    return dockerd, _client_binary(dockerd)


def start_docker_daemon(root: Path) -> DockerDaemon:
    """A private dockerd under `root`: overlay2 where the filesystem allows it, else vfs."""
    dockerd, client = require_docker()
    failures = []
    for driver in STORAGE_DRIVERS:
        attempt = root / driver
        try:
            return _launch(dockerd, client, attempt, driver)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            log = attempt / "dockerd.log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            failures.append(f"{driver}: {error}\n{tail}")
    raise RuntimeError("dockerd did not start with any storage driver:\n" + "\n".join(failures))


@pytest.fixture(scope="session")
def docker_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerDaemon]:
    daemon = start_docker_daemon(tmp_path_factory.mktemp("docker"))
    try:
        yield daemon
    finally:
        daemon.stop()


# -- a tiny static HTTP server, the payload the Docker tests and the benchmark ship ---------------

HEALTH_SERVER_GO = """\
package main

import (
\t"fmt"
\t"net/http"
\t"os"
)

func main() {
\tport := os.Getenv("PORT")
\tif port == "" {
\t\tport = "8080"
\t}
\thttp.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
\t\tif r.Method != http.MethodGet {
\t\t\tw.WriteHeader(http.StatusMethodNotAllowed)
\t\t\treturn
\t\t}
\t\tfmt.Fprintf(w, "ok uid=%d\\n", os.Getuid())
\t})
\tif err := http.ListenAndServe("127.0.0.1:"+port, nil); err != nil {
\t\tfmt.Fprintln(os.Stderr, err)
\t\tos.Exit(1)
\t}
}
"""


def go_env(base: Mapping[str, str]) -> dict[str, str]:
    """A static, offline-safe Go build: no cgo, no toolchain download."""
    return {**base, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly"}


def build_health_server(workdir: Path, env: Mapping[str, str] | None = None) -> Path:
    """Write a tiny main.go answering GET /healthz and `go build` it into a static binary."""
    go = require_binary("go", "install Go 1.26 (https://go.dev/dl/) or Debian's golang-go")
    source = workdir / "healthz-src"
    source.mkdir(parents=True, exist_ok=True)
    (source / "go.mod").write_text("module example.com/healthz\n\ngo 1.22\n")
    (source / "main.go").write_text(HEALTH_SERVER_GO)
    binary = workdir / "healthz"
    subprocess.run(
        [go, "build", "-trimpath", "-ldflags=-s -w", "-o", str(binary), "."],
        cwd=source,
        env=go_env(env if env is not None else os.environ),
        capture_output=True,
        check=True,
        timeout=300,
    )
    return binary


def wait_for_http(url: str, what: str, timeout: float = 20.0) -> httpx.Response:
    """GET `url` until it answers (any status), so a container's slow start is not a failure."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError as error:
            last = error
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer on {url} within {timeout}s: {last}")


@dataclass(frozen=True)
class Served:
    """What a container answered on its health path, and the process that answered."""

    response: httpx.Response
    uid_line: str
    user: str


def serve_health(docker: DockerDaemon, reference: str, path: str = "/healthz") -> Served:
    """Run `reference` on the host network with a free PORT, GET `path`, remove it again."""
    from registry_fixtures import free_port

    port = free_port()
    name = f"probe-{uuid.uuid4().hex[:8]}"
    docker.run(
        "run", "--detach", "--rm", "--network", "host", "--name", name,
        "--env", f"PORT={port}", reference,
    )  # fmt: skip
    try:
        response = wait_for_http(f"http://127.0.0.1:{port}{path}", f"container {name}")
        pid = docker.run("inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
        user = docker.run("inspect", "--format", "{{.Config.User}}", name).stdout.strip()
        uid_line = next(
            line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("Uid:")
        )  # fmt: skip
    finally:
        docker.run("rm", "--force", name, check=False, timeout=60)
    return Served(response, uid_line, user)
