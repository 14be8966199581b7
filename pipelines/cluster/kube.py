"""kubectl, run as a subprocess with the cluster's admin kubeconfig: the one client everything
here (up, the Argo CD install, the tests) talks to the API server through."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines import processes
from pipelines.cluster.errors import ClusterError


@dataclass(frozen=True)
class Kubectl:
    binary: Path
    kubeconfig: Path
    env: Mapping[str, str]
    timeout_s: float = 120.0

    def run(
        self, *args: str, stdin: str | None = None, check: bool = True, timeout: float | None = None
    ) -> processes.Completed:
        argv = [str(self.binary), f"--kubeconfig={self.kubeconfig}", *args]
        result = processes.run(
            argv, input=stdin, timeout_s=timeout or self.timeout_s, env=dict(self.env)
        )
        if result.timed_out:
            raise ClusterError(f"kubectl {' '.join(args[:4])} timed out")
        if check and result.exit_code != 0:
            reason = result.stderr.strip()[-600:]
            raise ClusterError(f"kubectl {' '.join(args[:4])} failed: {reason}")
        return result

    def apply(self, documents: Sequence[Mapping[str, Any]], *, server_side: bool = False) -> None:
        text = yaml.safe_dump_all([dict(d) for d in documents], sort_keys=False)
        self.apply_text(text, server_side=server_side)

    def apply_text(self, text: str, *, server_side: bool = False) -> None:
        args = ["apply", "-f", "-"]
        if server_side:
            args += ["--server-side", "--force-conflicts", "--field-manager=commerce-ci"]
        self.run(*args, stdin=text, timeout=300)

    def get(self, *args: str) -> Any:
        return json.loads(self.run("get", *args, "-o", "json").stdout)

    def raw(self, path: str) -> str:
        return self.run("get", "--raw", path).stdout

    def wait_for(self, what: str, check: Any, timeout_s: float, interval_s: float = 2.0) -> Any:
        """Poll `check()` until it returns something truthy; fail naming `what`."""
        deadline = time.monotonic() + timeout_s
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = check()
            except ClusterError as error:
                last = error
            if last and not isinstance(last, ClusterError):
                return last
            time.sleep(interval_s)
        raise ClusterError(f"timed out after {timeout_s:g}s waiting for {what} (last: {last})")
