"""`plan` is on every CI run's critical path: importing it must stay cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.processes
def test_importing_the_plan_loads_neither_gitpython_nor_pydantic() -> None:
    probe = (
        "import sys, pipelines.plan; "
        "print(sorted(m for m in ('git', 'pydantic', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
