"""The Plan: which services a change between two revisions affects, and why.

`plan_changes` is the entry point the CLI and the Dagger module call. It sits on every CI run's
critical path, so this package imports nothing heavy: not gitpython (git runs as plain
processes), not the catalog's pydantic models (type hints only), and not even `dataclasses`,
`pathlib` or `typing` (see `pipelines.plan.model`); `tests/unit/test_plan_startup.py` holds it
to that.

The names below load on first use (PEP 562): `commerce-ci plan` starts git through
`pipelines.plan.changes` before anything else, and importing a submodule runs this file first,
so this file imports nothing.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pipelines.plan.affected import ENGINE_INPUTS, PathIndex, Scope, build_plan, scopes_of
    from pipelines.plan.changes import GIT_TIMEOUT_S, WORKTREE, PendingChanges
    from pipelines.plan.model import Affected, Change, Plan
    from pipelines.plan.planning import plan_changes, plan_pending

#: Each public name and the submodule that defines it.
_HOME = {
    "ENGINE_INPUTS": "affected",
    "PathIndex": "affected",
    "Scope": "affected",
    "build_plan": "affected",
    "scopes_of": "affected",
    "GIT_TIMEOUT_S": "changes",
    "WORKTREE": "changes",
    "PendingChanges": "changes",
    "Affected": "model",
    "Change": "model",
    "Plan": "model",
    "plan_changes": "planning",
    "plan_pending": "planning",
}

__all__ = [
    "ENGINE_INPUTS",
    "GIT_TIMEOUT_S",
    "WORKTREE",
    "Affected",
    "Change",
    "PathIndex",
    "PendingChanges",
    "Plan",
    "Scope",
    "build_plan",
    "plan_changes",
    "plan_pending",
    "scopes_of",
]


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = f"{__name__}.{home}"
    __import__(module)
    value = getattr(sys.modules[module], name)
    globals()[name] = value  # asked once per name
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
