"""The Plan: which services a change between two revisions affects, and why.

`plan_changes` is the entry point the CLI and the Dagger module call. It sits on every CI run's
critical path, so this package imports nothing heavy: not gitpython (git runs as plain
processes), not the catalog's pydantic models (type hints only), and not even `dataclasses`,
`pathlib` or `typing` (see `pipelines.plan.model`); `tests/unit/test_plan_startup.py` holds it
to that.
"""

from __future__ import annotations

import os

from pipelines.plan.affected import ENGINE_INPUTS, PathIndex, Scope, build_plan, scopes_of
from pipelines.plan.changes import GIT_TIMEOUT_S, WORKTREE, collect
from pipelines.plan.model import Affected, Change, Plan

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pipelines.catalog import Catalog
    from pipelines.catalog.index import CatalogIndex


def plan_changes(
    catalog: Catalog | CatalogIndex,
    repo_root: str | os.PathLike[str] | None = None,
    base: str | None = None,
    head: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT_S,
    engine_inputs: Sequence[str] = ENGINE_INPUTS,
) -> Plan:
    """Plan the change from `base` to `head` in the git repository at `repo_root`.

    `repo_root` defaults to the catalog's root; service folders, `inputs` and `engine_inputs`
    are paths relative to it. `base` defaults to the merge-base of HEAD with origin/main (or
    main), or HEAD's parent when HEAD is on main; `head` defaults to HEAD, and `WORKTREE`
    compares with the working tree. Unknown revisions raise `PlanError` naming the revision.
    """
    root = repo_root if repo_root is not None else catalog.root
    revisions, changes = collect(root, base, head, env=env, timeout=timeout)
    return build_plan(
        scopes_of(catalog),
        changes,
        base=revisions.base,
        head=revisions.head,
        merge_base=revisions.merge_base,
        engine_inputs=engine_inputs,
    )


__all__ = [
    "ENGINE_INPUTS",
    "WORKTREE",
    "Affected",
    "Change",
    "PathIndex",
    "Plan",
    "Scope",
    "build_plan",
    "plan_changes",
    "scopes_of",
]
