"""The plan benchmark keeps working: run it end to end at its smallest size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_plan.py"


def test_plan_benchmark_runs_at_quick_size_and_writes_its_result(tmp_path: Path) -> None:
    output = tmp_path / "bench_plan.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--runs", "1", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(output.read_text())
    assert data["size"] == {"services": 12, "commits": 80}
    assert data["commits_in_repo"] >= 80
    assert len(data["pairs"]) >= 3
    assert all(p["plan_median_s"] > 0 and p["git_median_s"] > 0 for p in data["pairs"])
    assert data["ratio_median"] > 0
