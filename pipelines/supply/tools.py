"""The two programs this package drives, syft and cosign: where they are and how to run them.

Both read registry logins from a Docker config, so the run's credentials are written to a
config.json in a private temporary folder for the length of one call (never argv, never a log).
Their output is added to the stage log only after the secrets in it, if any, are masked.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipelines import processes
from pipelines.errors import CommerceCiError, ExitCode, ToolMissingError
from pipelines.registry.auth import CredentialProvider

SYFT_VERSION = "1.57.2"
COSIGN_VERSION = "2.6.5"
INSTALL_HINTS = {
    "syft": "run scripts/tools.d/70-syft.sh "
    f"(go install github.com/anchore/syft/cmd/syft@v{SYFT_VERSION})",
    "cosign": "run scripts/tools.d/71-cosign.sh "
    f"(go install github.com/sigstore/cosign/v2/cmd/cosign@v{COSIGN_VERSION})",
}
TIMEOUT_S = 600.0


class SupplyError(CommerceCiError):
    """An SBOM, a provenance statement or a signature could not be made or does not verify."""

    exit_code = ExitCode.STAGE_FAILED


#: The engine's own tool folder (scripts/tools.d installs there), searched after PATH, so that
#: a run with `--root` elsewhere still finds the pinned tools of this installation.
ENGINE_TOOLS = Path(__file__).resolve().parents[2] / ".tools" / "bin"


def find_tool(name: str, env: Mapping[str, str], hint: str | None = None) -> str:
    search = os.pathsep.join(p for p in (env.get("PATH", ""), str(ENGINE_TOOLS)) if p)
    found = shutil.which(name, path=search)
    if found is None:
        raise ToolMissingError(name, hint or INSTALL_HINTS[name])
    return found


def is_loopback(registry: str) -> bool:
    host = registry.rsplit(":", 1)[0] if registry.count(":") == 1 else registry
    return host in ("localhost", "::1") or host.startswith("127.")


@dataclass(frozen=True)
class Login:
    registry: str
    provider: CredentialProvider | None


@contextmanager
def docker_config(logins: Sequence[Login]) -> Iterator[Path]:
    """A private DOCKER_CONFIG folder holding `logins`, removed afterwards."""
    auths: dict[str, dict[str, str]] = {}
    for login in logins:
        creds = login.provider.get(login.registry) if login.provider else None
        if creds is not None:
            raw = f"{creds.username}:{creds.password}".encode()
            auths[login.registry] = {"auth": base64.b64encode(raw).decode("ascii")}
    with tempfile.TemporaryDirectory(prefix="commerce-ci-auth-") as folder:
        path = Path(folder) / "config.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"auths": auths}, handle)
        yield Path(folder)


@dataclass(frozen=True)
class Completed:
    exit_code: int
    output: str


def run_tool(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    secrets: Sequence[str] = (),
    timeout_s: float = TIMEOUT_S,
    cwd: Path | None = None,
) -> Completed:
    """Run one program (argv list) and return its combined output with `secrets` masked."""
    done = processes.run(argv, timeout_s=timeout_s, cwd=cwd, env=env, secrets=secrets)
    if done.exit_code is None:
        raise SupplyError(f"{Path(argv[0]).name} timed out after {timeout_s:.0f}s")
    return Completed(done.exit_code, done.output)
