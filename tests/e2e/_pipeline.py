"""The README's main job over the repository's real services, shared by the end-to-end tests.

`commerce-ci release --all --env dev` on its embedded defaults: a registry it starts itself and
a bare GitOps remote under the cache dir. It builds every service in place, so the shop test
after it starts what this run built. On a machine that ran it before, unchanged services come
back `cached` (their input digests are in the embedded registry): the tests accept both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_VULNDB = PROJECT_ROOT.parent / "shared" / "vulndb"
#: Seconds the whole run may take: cold Rust, Maven and Go builds on two cores.
RUN_TIMEOUT_S = 2400


def run_pipeline(report_dir: Path) -> tuple[int, dict[str, Any]]:
    """The run's exit code and its report.json."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    argv = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "--root",
        str(PROJECT_ROOT),
        "release",
        "--all",
        "--env",
        "dev",
        "--keep-going",
        "--vuln-db",
        str(SHARED_VULNDB),
        "--report-dir",
        str(report_dir),
    ]
    done = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, timeout=RUN_TIMEOUT_S, check=False)
    return done.returncode, json.loads((report_dir / "report.json").read_text())
