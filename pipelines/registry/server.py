"""The embedded registry: the CNCF distribution registry on 127.0.0.1, for runs with no settings.

`commerce-ci release` with no `--registry` starts one for the length of the run, keeping its
storage under the cache dir, so what one run pushed is there for the next (and the next run
can skip services whose inputs were already shipped). It listens on loopback only, without
logins; a registry that already answers on the port is used as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from pipelines import processes
from pipelines.registry.errors import RegistryUnavailable

DEFAULT_PORT = 5055
BINARY = "docker-registry"
INSTALL_HINT = "apt-get install docker-registry (scripts/tools.d/40-registry.sh does it)"
START_TIMEOUT_S = 30.0
#: Seconds the registry gets to finish uploads in flight before it is killed.
STOP_GRACE_S = 10.0


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
    binary = processes.resolve([BINARY], env, INSTALL_HINT)[0]
    state_dir.mkdir(parents=True, exist_ok=True)
    config = state_dir / "config.yml"
    config.write_text(_config(state_dir / "data", address), encoding="utf-8")
    process = processes.start(
        [binary, "serve", str(config)], output=state_dir / "registry.log", env=env
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
        process.stop(grace_s=STOP_GRACE_S)
