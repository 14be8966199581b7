"""Files read from pinned Go modules in the module cache: Argo CD's own install manifests and
CRDs, git-verify-wrapper.sh, the Prometheus Operator's CRDs. `go mod download` fetches a module
once (through the Go module proxy) and prints where it is."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pipelines import processes
from pipelines.cluster.errors import ClusterError

#: How to get the Go that builds and downloads the cluster's modules.
GO_HINT = "apt-get install golang (Go 1.26 or newer)"


def module_dir(module: str, version: str, env: Mapping[str, str], toolchain: str = "local") -> Path:
    argv = ["go", "mod", "download", "-json", f"{module}@{version}"]
    run_env = {**env, "GOTOOLCHAIN": toolchain, "GOFLAGS": "-mod=mod"}
    result = processes.run(argv, timeout_s=600, env=run_env, hint=GO_HINT)
    if result.timed_out:
        raise ClusterError(f"go mod download {module}@{version} timed out after 600s")
    try:
        info = json.loads(result.stdout)
    except ValueError:
        info = {}
    if result.exit_code != 0 or "Dir" not in info:
        reason = info.get("Error") or result.stderr.strip()[-400:]
        raise ClusterError(f"go mod download {module}@{version} failed: {reason}")
    return Path(info["Dir"])
