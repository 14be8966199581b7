"""The image benchmark keeps working: run it end to end at its smallest size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from docker_fixtures import require_docker
from registry_fixtures import require_binary

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_image.py"


def test_image_benchmark_runs_at_quick_size_and_reports_both_ratios(tmp_path: Path) -> None:
    require_docker()
    require_binary("docker-registry", "bash scripts/tools.d/40-registry.sh (apt)")
    output = tmp_path / "bench_image.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(output.read_text())
    assert data["payload"]["service"] == "healthz" and data["payload"]["bytes"] > 0
    assert data["runs"] == 1
    for case in ("cold", "warm", "unchanged"):
        row = data[case]
        assert row["daemonless_median_s"] > 0 and row["docker_median_s"] > 0
        assert row["ratio"] == round(row["docker_median_s"] / row["daemonless_median_s"], 2)
