"""The Plan's values: what changed between two revisions and which services that touches.

Plain frozen dataclasses of tuples, so a Plan can be compared, hashed, printed and serialised
without knowing anything about git.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Change:
    """One entry of `git diff --name-status`: a path, and its old path when it was renamed."""

    status: str
    path: str
    old_path: str | None = None

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


@dataclass(frozen=True)
class Affected:
    """A service the change touches, and why, in the order the changes were listed."""

    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """Which services a change between `base` and `head` affects.

    `merge_base` is the commit the diff started from (three-dot semantics, see
    `pipelines.plan.changes`); None when the revisions share no history and the two trees were
    compared directly.
    """

    base: str
    head: str
    merge_base: str | None
    changes: tuple[Change, ...]
    affected: tuple[Affected, ...]
    #: Changed paths that belong to the engine itself; any of them affects every service.
    engine_paths: tuple[str, ...] = ()

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
            "changed_paths": len(self.changed_paths),
        }
