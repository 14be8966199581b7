"""The plan's entry points: git's work and the path index put together into a Plan."""

from __future__ import annotations

import os

from pipelines.plan.affected import ENGINE_INPUTS, PathIndex, build_plan, scopes_of
from pipelines.plan.changes import GIT_TIMEOUT_S, PendingChanges

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pipelines.catalog import Catalog
    from pipelines.catalog.index import CatalogIndex
    from pipelines.plan.model import Plan


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
    with PendingChanges(root, base, head, env=env, timeout=timeout) as pending:
        return plan_pending(catalog, pending, engine_inputs=engine_inputs)


def plan_pending(
    catalog: Catalog | CatalogIndex,
    pending: PendingChanges,
    *,
    engine_inputs: Sequence[str] = ENGINE_INPUTS,
) -> Plan:
    """`plan_changes` for git work already started: the command line starts it before loading
    the catalog, so git diffs while Python reads service files. The path index is built before
    waiting for git, for the same reason."""
    scopes = scopes_of(catalog)
    index = PathIndex.build(scopes, engine_inputs)
    revisions, changes = pending.result()
    return build_plan(
        scopes,
        changes,
        base=revisions.base,
        head=revisions.head,
        merge_base=revisions.merge_base,
        engine_inputs=engine_inputs,
        index=index,
    )
