"""The compile-once benchmark keeps working: both ways, on the small Rust and Go fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from testenv import require_tool

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_compile_once.py"


def test_compile_once_benchmark_runs_both_ways_on_the_fixtures(tmp_path: Path) -> None:
    require_tool("cargo", "install Rust with rustup (https://rustup.rs)")
    require_tool("clippy-driver", "scripts/tools.d/12-rust-components.sh")
    require_tool("go", "install Go 1.26")
    output = tmp_path / "result.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    data = json.loads(output.read_text())
    assert [s["service"] for s in data["services"]] == ["rust-svc", "go-svc"]
    for service in data["services"]:
        for way in ("before", "now"):
            (run,) = service["runs"][way]
            assert set(run["stages"]) == {"build", "test", "lint"}
        assert service["ratio"] > 0
