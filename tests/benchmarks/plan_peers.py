"""turbo and nx, the peers `commerce-ci plan` is measured against, installed and asked the same
question on the same repository.

Both are installed with npm into a scratch folder (pinned versions, no audit, no install
scripts), with telemetry, update checks and cloud connections off. turbo is run as its native
binary (`@turbo/linux-64`, not the node shim), as `turbo ls --affected --output=json` with
TURBO_SCM_BASE/HEAD; nx as `nx show projects --affected --base --head --json` against its daemon,
started and warmed once per repository. Each answers with package names; the services among
them (`svc-*`) are what a plan's services are compared with.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TURBO_VERSION = "2.11.13"
NX_VERSION = "24.0.7"
INSTALL_TIMEOUT_S = 900.0
RUN_TIMEOUT_S = 300.0

QUIET_ENV = {
    "TURBO_TELEMETRY_DISABLED": "1",
    "TURBO_NO_UPDATE_NOTIFIER": "1",
    "DO_NOT_TRACK": "1",
    "NX_DAEMON": "true",  # nx turns its daemon off when CI=true; it is what is measured
    "NX_NO_CLOUD": "true",
    "NX_INTERACTIVE": "false",
    "NX_TUI": "false",
    "NX_SKIP_NX_CACHE": "true",
    "npm_config_update_notifier": "false",
    "npm_config_fund": "false",
    "npm_config_audit": "false",
}


@dataclass(frozen=True)
class Peers:
    """The installed peers: turbo's native binary and nx's CLI (run with node)."""

    folder: Path
    turbo: Path
    nx: Path
    node: str

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, **QUIET_ENV}

    def turbo_argv(self) -> list[str]:
        return [str(self.turbo), "ls", "--affected", "--output=json"]

    def turbo_env(self, env: dict[str, str], base: str, head: str) -> dict[str, str]:
        return {**self.env(env), "TURBO_SCM_BASE": base, "TURBO_SCM_HEAD": head}

    def nx_argv(self, base: str, head: str) -> list[str]:
        query = ["show", "projects", "--affected", f"--base={base}", f"--head={head}", "--json"]
        return [self.node, str(self.nx), *query]


def _installed(folder: Path) -> bool:
    def version(package: str) -> str | None:
        manifest = folder / "node_modules" / package / "package.json"
        return json.loads(manifest.read_text())["version"] if manifest.is_file() else None

    return version("turbo") == TURBO_VERSION and version("nx") == NX_VERSION


def install(folder: Path, env: dict[str, str]) -> Peers:
    """turbo and nx at the pinned versions in `folder` (reused when already there)."""
    path = env.get("PATH")
    npm, node = shutil.which("npm", path=path), shutil.which("node", path=path)
    if npm is None or node is None:
        raise SystemExit("the peers need node and npm: apt-get install nodejs npm")
    if not _installed(folder):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true}\n')
        pins = (f"turbo@{TURBO_VERSION}", f"nx@{NX_VERSION}")
        subprocess.run(
            [npm, "install", "--save-exact", "--ignore-scripts", "--no-audit", "--no-fund", *pins],
            cwd=folder,
            env={**env, **QUIET_ENV},
            capture_output=True,
            timeout=INSTALL_TIMEOUT_S,
            check=True,
        )
    turbo = folder / "node_modules" / "@turbo" / "linux-64" / "bin" / "turbo"
    nx = folder / "node_modules" / "nx" / "dist" / "bin" / "nx.js"
    for path in (turbo, nx):
        if not path.is_file():
            raise SystemExit(f"{path} is missing after npm install in {folder}")
    return Peers(folder=folder, turbo=turbo, nx=nx, node=node)


def link(peers: Peers, repo: Path) -> None:
    """The repository's node_modules is the peers' (git ignores it), so each finds itself."""
    target = repo / "node_modules"
    if target.is_symlink() or target.exists():
        target.unlink()
    target.symlink_to(peers.folder / "node_modules")


def _run(argv: list[str], repo: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        argv, cwd=repo, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} exited {result.returncode}: {result.stderr[-800:]}")
    return result.stdout


def start_nx_daemon(peers: Peers, repo: Path, env: dict[str, str]) -> None:
    """Start nx's daemon and let it build the project graph once."""
    _run([peers.node, str(peers.nx), "daemon", "--start"], repo, peers.env(env))
    _run([peers.node, str(peers.nx), "show", "projects", "--json"], repo, peers.env(env))


def stop_nx_daemon(peers: Peers, repo: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [peers.node, str(peers.nx), "daemon", "--stop"],
        cwd=repo,
        env=peers.env(env),
        capture_output=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def services_in(output: str, tool: str) -> tuple[str, ...]:
    """The services (`svc-*` packages) a peer's JSON answer names, sorted."""
    start = output.find("{" if tool == "turbo" else "[")
    data = json.loads(output[start:])
    names = [p["name"] for p in data["packages"]["items"]] if tool == "turbo" else data
    return tuple(sorted(n for n in names if n.startswith("svc-")))


def ask(peers: Peers, tool: str, repo: Path, env: dict[str, str], base: str, head: str):
    """(argv, env) of one peer's affected query."""
    if tool == "turbo":
        return peers.turbo_argv(), peers.turbo_env(env, base, head)
    return peers.nx_argv(base, head), peers.env(env)


def answer(peers: Peers, tool: str, repo: Path, env: dict[str, str], base: str, head: str):
    argv, run_env = ask(peers, tool, repo, env, base, head)
    return services_in(_run(argv, repo, run_env), tool)


def default_folder() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "commerce-ci" / f"bench-peers-turbo{TURBO_VERSION}-nx{NX_VERSION}"
