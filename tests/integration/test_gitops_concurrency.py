"""Concurrent write-backs lose no update: the benchmark at a smaller size, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_writeback.py"


def test_ten_writers_at_once_all_land_and_the_benchmark_reports_percentiles(
    tmp_path: Path,
) -> None:
    output = tmp_path / "bench_writeback.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--writers", "10", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    data = json.loads(output.read_text())
    assert data["commits_landed"] == 10
    assert sorted(r["file"] for r in data["results"]) == sorted(
        {r["file"] for r in data["results"]}
    )
    assert 0 < data["land_p50_s"] <= data["land_p95_s"] <= data["land_max_s"]
    assert data["attempts_max"] >= 1
