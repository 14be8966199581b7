"""One pipeline run over the repository's real services, shared by the end-to-end tests.

The run builds every service in place (as the README's main job does), so the shop test after it
starts what this run built.
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


def run_pipeline(report_dir: Path, stages: str = "build,test,lint,sca") -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    argv = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "--root",
        str(PROJECT_ROOT),
        "run",
        "--all",
        "--keep-going",
        "--stages",
        stages,
        "--vuln-db",
        str(SHARED_VULNDB),
        "--report-dir",
        str(report_dir),
    ]
    subprocess.run(argv, cwd=PROJECT_ROOT, env=env, timeout=RUN_TIMEOUT_S, check=False)
    return json.loads((report_dir / "report.json").read_text())
