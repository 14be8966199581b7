"""The Plan's values: what changed between two revisions and which services that touches.

Plain frozen values of tuples, so a Plan can be compared, hashed, printed and serialised without
knowing anything about git. They are named tuples rather than dataclasses: this package is on
the start-up path of `commerce-ci plan`, and `dataclasses` imports `inspect` (a fifth of the
whole command's time budget) and builds each class with `exec`.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: git's one-letter status, as words for the reasons a person reads.
_VERBS = {
    "A": "added",
    "C": "copied",
    "D": "deleted",
    "M": "modified",
    "R": "renamed",
    "T": "type changed",
    "U": "unmerged",
    "?": "untracked",
}


class Change(namedtuple("Change", ("status", "path", "old_path"), defaults=(None,))):
    """One entry of `git diff --name-status`: a path, and its old path when it was renamed."""

    __slots__ = ()
    status: str
    path: str
    old_path: str | None

    @property
    def verb(self) -> str:
        return _VERBS.get(self.status, self.status)

    def paths(self) -> tuple[str, ...]:
        """Both sides of a rename count: the folder it left changed as much as the one it joined."""
        return (self.old_path, self.path) if self.old_path is not None else (self.path,)

    def describe(self) -> str:
        if self.old_path is not None:
            return f"{self.verb} {self.old_path} -> {self.path}"
        return f"{self.verb} {self.path}"


class Affected(namedtuple("Affected", ("name", "reasons"))):
    """A service the change touches, and why, in the order the changes were listed."""

    __slots__ = ()
    name: str
    reasons: tuple[str, ...]


_PLAN_FIELDS = ("base", "head", "merge_base", "changes", "affected", "engine_paths")


class Plan(namedtuple("Plan", _PLAN_FIELDS, defaults=((),))):
    """Which services a change between `base` and `head` affects.

    `merge_base` is the commit the diff started from (three-dot semantics, see
    `pipelines.plan.changes`); None when the revisions share no history and the two trees were
    compared directly. `engine_paths` are the changed paths that belong to the engine itself;
    any of them affects every service.
    """

    __slots__ = ()
    base: str
    head: str
    merge_base: str | None
    changes: tuple[Change, ...]
    affected: tuple[Affected, ...]
    engine_paths: tuple[str, ...]

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.affected)

    @property
    def reasons(self) -> dict[str, tuple[str, ...]]:
        return {a.name: a.reasons for a in self.affected}

    @property
    def changed_paths(self) -> tuple[str, ...]:
        """Every path the change touched, both sides of renames included, sorted."""
        return tuple(sorted({p for c in self.changes for p in c.paths()}))

    @property
    def engine_changed(self) -> bool:
        return bool(self.engine_paths)

    @property
    def empty(self) -> bool:
        return not self.affected

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "merge_base": self.merge_base,
            "services": list(self.services),
            "reasons": {a.name: list(a.reasons) for a in self.affected},
            "engine_changed": self.engine_changed,
            "changed_paths": len({p for c in self.changes for p in c.paths()}),  # no sort
        }
