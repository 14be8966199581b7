"""Where the tests run and what they need: the project's root, the team's shared folder, and
host tools. A plain module, not `conftest`: test files in different folders import it by name,
and `conftest` would be whichever folder's conftest was loaded first.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
IN_CI = os.environ.get("CI") == "true"


def require_tool(tool: str, hint: str, *also: Path) -> str:
    """A test that needs a host tool fails under CI when it is missing, else skips loudly.
    Looked up in `.tools/bin`, then the folders in `also`, then PATH."""
    folders = [str(PROJECT_ROOT / ".tools" / "bin"), *map(str, also), os.environ.get("PATH", "")]
    path = shutil.which(tool, path=os.pathsep.join(folders))
    if path is None:
        message = f"required tool '{tool}' is not installed: {hint}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path
