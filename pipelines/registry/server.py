"""The embedded registry: the CNCF distribution registry on 127.0.0.1, for runs with no settings.

`commerce-ci release` with no `--registry` starts one for the length of the run, keeping its
storage under the cache dir, so what one run pushed is there for the next (and the next run
can skip services whose inputs were already shipped). It listens on loopback only, without
logins; a registry that already answers on the port is used as it is.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from pipelines.errors import ToolMissingError
from pipelines.registry.errors import RegistryUnavailable

DEFAULT_PORT = 5055
BINARY = "docker-registry"
INSTALL_HINT = "apt-get install docker-registry (scripts/tools.d/40-registry.sh does it)"
START_TIMEOUT_S = 30.0


def _answers(address: str) -> bool:
    try:
        response = httpx.get(f"http://{address}/v2/", timeout=1.0)
    except httpx.HTTPError:
        return False
    return response.status_code in (200, 401)


def _config(data: Path, address: str) -> str:
    return "\n".join(
        [
            "version: 0.1",
            "log:",
            "  level: warn",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {data}",
            "  delete:",
            "    enabled: true",
            "http:",
            f"  addr: {address}",
            "",
        ]
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def embedded_registry(
    state_dir: Path,
    env: Mapping[str, str],
    *,
    port: int = DEFAULT_PORT,
    log: Callable[[str], None] = lambda _line: None,
) -> Iterator[str]:
    """Yields `127.0.0.1:PORT` with a registry answering there; stops what it started."""
    address = f"127.0.0.1:{port}"
    if _answers(address):
        log(f"registry: using the one already on {address}")
        yield address
        return
    binary = shutil.which(BINARY, path=env.get("PATH"))
    if binary is None:
        raise ToolMissingError(BINARY, INSTALL_HINT)
    state_dir.mkdir(parents=True, exist_ok=True)
    config = state_dir / "config.yml"
    config.write_text(_config(state_dir / "data", address), encoding="utf-8")
    with (state_dir / "registry.log").open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - argv list of a fixed binary and our config
            [binary, "serve", str(config)],
            stdout=output,
            stderr=output,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(address):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RegistryUnavailable(
                    address,
                    None,
                    f"the embedded registry did not start (see {state_dir}/registry.log)",
                )
            time.sleep(0.1)
        log(f"registry: started on {address} (storage {state_dir / 'data'})")
        yield address
    finally:
        _stop(process)
