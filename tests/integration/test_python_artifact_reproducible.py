"""The Python build's artifact folder holds no trace of where or when it was installed.

Real pip, twice, from two copies of one package in different folders: after the build's own
Steps (install without bytecode, then normalise) both folders hold the same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pipelines.toolchains.python import _PIP_TARGET
from pipelines.toolchains.python_normalise import NORMALISE

PYPROJECT = """\
[build-system]
requires = ["hatchling==1.25.0"]
build-backend = "hatchling.build"

[project]
name = "commerce-demo"
version = "1.0.0"
"""


def _package(folder: Path) -> Path:
    (folder / "commerce_demo").mkdir(parents=True)
    (folder / "commerce_demo" / "__init__.py").write_text("VALUE = 1\\n")
    (folder / "pyproject.toml").write_text(PYPROJECT)
    return folder


def _build(source: Path) -> dict[str, bytes]:
    target = source / "dist" / "app"
    argv = [sys.executable, *_PIP_TARGET[1:], str(target), "."]
    subprocess.run(argv, cwd=source, check=True, capture_output=True, timeout=300)
    subprocess.run(
        [sys.executable, "-c", NORMALISE, str(target)], check=True, capture_output=True, timeout=60
    )
    return {
        p.relative_to(target).as_posix(): p.read_bytes()
        for p in sorted(target.rglob("*"))
        if p.is_file()
    }


def test_two_copies_in_different_folders_install_to_the_same_bytes(tmp_path: Path) -> None:
    first = _build(_package(tmp_path / "clone-a"))
    second_dir = tmp_path / "elsewhere" / "clone-b"
    shutil.copytree(tmp_path / "clone-a", second_dir, ignore=shutil.ignore_patterns("dist"))
    second = _build(second_dir)
    assert first == second
    assert not [name for name in first if name.endswith(".pyc") or "direct_url" in name]
    assert all(str(tmp_path).encode() not in data for data in first.values())
