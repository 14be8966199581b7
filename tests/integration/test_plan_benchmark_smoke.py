"""The plan benchmark keeps working: run it end to end at its smallest size, with and without
its peers (turbo and nx, installed from npm, must name the same services as the plan)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from testenv import require_tool

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_plan.py"


def _bench(tmp_path: Path, *extra: str) -> dict:
    output = tmp_path / "bench_plan.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--runs", "1", "--output", str(output), *extra],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(output.read_text())


def test_plan_benchmark_runs_at_quick_size_and_writes_its_result(tmp_path: Path) -> None:
    data = _bench(tmp_path, "--no-peers")
    assert data["size"] == {"services": 12, "commits": 80}
    assert data["commits_in_repo"] >= 80
    assert len(data["pairs"]) == 3
    for pair in data["pairs"]:
        assert set(pair["median_s"]) == {"git", "python", "plan", "plan_cold", "services"}
        assert all(seconds > 0 for seconds in pair["median_s"].values())
        assert pair["ratios"]["plan/git"] > 0
    assert set(data["targets_met"]) == {"plan_and_services_at_most_80ms", "cold_plan_at_most_150ms"}


@pytest.mark.slow
def test_turbo_and_nx_are_installed_and_agree_with_the_plan(tmp_path: Path) -> None:
    require_tool("npm", "apt-get install npm (with nodejs)")
    data = _bench(tmp_path, "--peers-dir", str(tmp_path / "peers"))
    assert data["peers"] == {"turbo": "2.11.13", "nx": "24.0.7"}
    for pair in data["pairs"]:
        assert pair["median_s"]["turbo"] > 0 and pair["median_s"]["nx"] > 0
        assert pair["ratios"]["plan/turbo"] > 0 and pair["ratios"]["plan/nx"] > 0
