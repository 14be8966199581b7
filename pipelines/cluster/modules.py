"""Files read from pinned Go modules in the module cache: Argo CD's own install manifests and
CRDs, git-verify-wrapper.sh, the Prometheus Operator's CRDs. `go mod download` fetches a module
once (through the Go module proxy) and prints where it is."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

from pipelines.cluster.errors import ClusterError


def module_dir(module: str, version: str, env: Mapping[str, str], toolchain: str = "local") -> Path:
    argv = ["go", "mod", "download", "-json", f"{module}@{version}"]
    run_env = {**env, "GOTOOLCHAIN": toolchain, "GOFLAGS": "-mod=mod"}
    try:
        result = subprocess.run(  # noqa: S603 - argv list of go
            argv, capture_output=True, text=True, timeout=600, env=run_env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ClusterError(f"go mod download {module}@{version}: {error}") from error
    try:
        info = json.loads(result.stdout)
    except ValueError:
        info = {}
    if result.returncode != 0 or "Dir" not in info:
        reason = info.get("Error") or result.stderr.strip()[-400:]
        raise ClusterError(f"go mod download {module}@{version} failed: {reason}")
    return Path(info["Dir"])
