"""The committed Go code in proto/gen/go is what proto/generate.sh makes from the .proto today."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from testenv import PROJECT_ROOT, require_tool

pytestmark = pytest.mark.toolchain("go")


def check(root: Path) -> subprocess.CompletedProcess[str]:
    # First run installs the pinned protoc (PyPI grpcio-tools) and plugins under .tools/protoc-go.
    return subprocess.run(
        ["bash", str(root / "proto" / "generate.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def tools() -> None:
    require_tool("go", "install Go 1.26 (https://go.dev/dl/)")
    require_tool("python3", "apt-get install python3 python3-venv")


def test_regenerating_the_go_code_gives_no_diff(tools: None) -> None:
    result = check(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_a_stale_generated_file_is_reported(tools: None, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(PROJECT_ROOT / "proto", root / "proto")
    # Share the installed tools instead of installing them again.
    (root / ".tools").symlink_to(PROJECT_ROOT / ".tools", target_is_directory=True)
    stale = root / "proto" / "gen" / "go" / "commerce" / "v1" / "commerce.pb.go"
    stale.write_text(stale.read_text().replace("ListProductsResponse", "ListProductsReply", 1))
    result = check(root)
    assert result.returncode == 1
    assert "stale" in result.stderr
