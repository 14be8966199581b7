"""Unit tests start no process by accident: one that does fails, unless it is marked.

A test that means to run a real program (git for a repository fixture, a registry, the process
runner itself) says so with `@pytest.mark.processes`; every other unit test runs with process
creation replaced by a failure naming the program, so a fake that stopped being used, or a code
path that quietly shells out, shows up here instead of as a slow or flaky test.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_stray_processes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("processes"):
        return

    def refuse(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        program = args if isinstance(args, str | bytes) else list(args)[:1]
        raise AssertionError(
            f"a unit test started a process {program!r}: fake it, or mark the test "
            "@pytest.mark.processes"
        )

    # Every way of starting a program in the engine (subprocess, asyncio, anyio) ends here.
    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)
