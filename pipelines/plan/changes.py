"""What changed between two revisions, asked of git itself.

One `git diff --name-status -z -M` does the work: git compares trees in C, detects renames, and
hands back NUL-separated paths that need no unquoting. Walking gitpython's object diffs in Python
would be slower by orders of magnitude on a large change. gitpython is imported only when a
client is made, so importing the plan costs nothing on runs that never diff.

Revisions are compared with three-dot semantics: the diff runs from the merge-base of base and
head to head, which is "what head brings that base lacks". A pull request branch whose main moved
on is planned for its own changes only, not for main's changes shown in reverse; and a merge
commit as head, with its first parent as base, plans exactly what the merge brought in. Where
base and head share no history (a shallow clone cut too short, unrelated roots) the two trees
are compared directly instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines import processes
from pipelines.errors import PlanError
from pipelines.plan.model import Change

#: `head` value that compares against the working tree (tracked edits and untracked files).
WORKTREE = ":worktree"
#: Branches whose merge-base with HEAD is the default base, first found wins.
DEFAULT_BRANCHES: tuple[str, ...] = ("refs/remotes/origin/main", "refs/heads/main")
#: Seconds any single git command may take before it is killed.
GIT_TIMEOUT_S = 60.0
GIT_HINT = "install git (apt-get install git)"

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_FETCH_HINT = (
    "check the name; in a shallow clone fetch more history first "
    "(git fetch --deepen=N, or actions/checkout with fetch-depth: 0)"
)


def _plan_error(message: str, hint: str | None = None) -> PlanError:
    error = PlanError(message)
    error.hint = hint
    return error


class GitClient:
    """git commands in one directory, each with a timeout, failures as PlanError.

    Plain subprocesses: gitpython's Git costs ~65 ms to import, more than the whole plan, and
    nothing here needs its object model. Each command runs in its own session so that a timeout
    kills git and whatever it started (an alias, a hook), not git alone."""

    def __init__(
        self, root: Path, env: Mapping[str, str] | None = None, timeout: float = GIT_TIMEOUT_S
    ):
        # Messages in English whatever the locale: errors are recognised by their text.
        merged = {**os.environ, **(env or {}), "LC_ALL": "C", "LANGUAGE": "C"}
        self.root = root
        self._executable = processes.resolve(["git"], merged, GIT_HINT)[0]
        self._env = merged
        self._timeout = timeout

    def run(self, *args: str) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of `git ARGS`; only timeouts and a missing git raise."""
        if not self.root.is_dir():
            raise _plan_error(f"{self.root} is not a directory")
        done = processes.run(
            [self._executable, *args], timeout_s=self._timeout, cwd=self.root, env=self._env
        )
        code = done.exit_code
        if code is None:
            raise _plan_error(f"git {args[0]} timed out after {self._timeout:g}s in {self.root}")
        if code < 0:
            raise _plan_error(f"git {args[0]} was killed by signal {-code} in {self.root}")
        return code, done.out.decode("utf-8", "surrogateescape"), done.stderr

    def check(self, *args: str) -> str:
        code, out, err = self.run(*args)
        if code != 0:
            raise _plan_error(f"git {args[0]} failed in {self.root}: {_first_line(err)}")
        return out


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0].removeprefix("fatal: ") if lines else "no message"


@dataclass(frozen=True)
class Revisions:
    """The commits a Plan compares; `merge_base` None means the trees are compared directly."""

    base: str
    head: str
    merge_base: str | None

    @property
    def start(self) -> str:
        return self.merge_base if self.merge_base is not None else self.base


def _not_a_repo(git: GitClient, err: str) -> PlanError | None:
    if "not a git repository" in err:
        return _plan_error(f"{git.root} is not a git repository")
    return None


def _commit(git: GitClient, revision: str) -> str:
    """The commit `revision` names, or a PlanError naming it."""
    if not revision or revision.startswith("-"):
        raise _plan_error(f"bad revision {revision!r}: not a commit name")
    code, out, err = git.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if code != 0:
        raise _not_a_repo(git, err) or _plan_error(
            f"unknown revision {revision!r} in {git.root}", _FETCH_HINT
        )
    return out.strip()


def _commits(git: GitClient, revisions: Sequence[str]) -> list[str]:
    """Resolve several revisions in one git call; on any failure, find and name the bad one."""
    if all(r and not r.startswith("-") for r in revisions):
        code, out, _ = git.run("rev-parse", *(f"{r}^{{commit}}" for r in revisions))
        shas = out.split()
        if code == 0 and len(shas) == len(revisions) and all(_SHA.match(s) for s in shas):
            return shas
    return [_commit(git, r) for r in revisions]


def _merge_base(git: GitClient, a: str, b: str) -> str | None:
    code, out, err = git.run("merge-base", a, b)
    if code == 0:
        return out.strip()
    if code == 1:  # no common ancestor
        return None
    raise _plan_error(f"git merge-base {a} {b} failed in {git.root}: {_first_line(err)}")


def _empty_tree(git: GitClient) -> str:
    return git.check("hash-object", "-t", "tree", "/dev/null").strip()


def _default_base(git: GitClient, head: str) -> tuple[str, str | None]:
    """(base, merge_base) when none is given.

    The merge-base with origin/main (or main): a branch is planned for what it adds. When head is
    already on main, that is head itself and the plan would be empty, so the last commit is
    planned instead (head's first parent); a root commit is compared with the empty tree.
    """
    listed = git.check("for-each-ref", "--format=%(refname) %(objectname)", *DEFAULT_BRANCHES)
    found = dict(line.split(" ", 1) for line in listed.splitlines() if " " in line)
    for ref in DEFAULT_BRANCHES:
        if ref in found:
            merge_base = _merge_base(git, head, found[ref])
            if merge_base is not None and merge_base != head:
                return merge_base, merge_base
            break
    code, out, _ = git.run("rev-parse", "--verify", "--quiet", f"{head}^1^{{commit}}")
    if code == 0:
        parent = out.strip()
        return parent, parent
    return _empty_tree(git), None


def resolve_revisions(git: GitClient, base: str | None, head: str | None) -> Revisions:
    """Resolve base and head to commits, and the merge-base the diff starts from."""
    worktree = head == WORKTREE
    head_rev = "HEAD" if head is None or worktree else head
    if base is None:
        head_sha = _commits(git, [head_rev])[0]
        base_sha, merge_base = _default_base(git, head_sha)
    else:
        base_sha, head_sha = _commits(git, [base, head_rev])
        merge_base = _merge_base(git, base_sha, head_sha)
    return Revisions(base=base_sha, head=WORKTREE if worktree else head_sha, merge_base=merge_base)


def parse_name_status(output: str) -> tuple[Change, ...]:
    """Parse `git diff --name-status -z`: `STATUS NUL path NUL`, or two paths for R and C."""
    body = output.removesuffix("\0")
    tokens = body.split("\0") if body else []
    changes: list[Change] = []
    i = 0
    while i < len(tokens):
        status = tokens[i][0]
        if status in "RC":
            if i + 2 >= len(tokens):
                raise _plan_error(f"truncated git diff output near {tokens[i]!r}")
            old, new = tokens[i + 1], tokens[i + 2]
            # A copy leaves its source untouched: only the new path changed.
            changes.append(Change("R", new, old) if status == "R" else Change("C", new))
            i += 3
        else:
            if i + 1 >= len(tokens):
                raise _plan_error(f"truncated git diff output near {tokens[i]!r}")
            changes.append(Change(status, tokens[i + 1]))
            i += 2
    return tuple(changes)


_DIFF = ("diff", "--name-status", "-z", "-M", "--no-color", "--no-ext-diff", "--relative")


def diff_changes(git: GitClient, revisions: Revisions) -> tuple[Change, ...]:
    """Changes from `revisions.start` to head (or to the working tree, untracked files too)."""
    if revisions.head == WORKTREE:
        changes = parse_name_status(git.check(*_DIFF, revisions.start))
        untracked = git.check("ls-files", "--others", "--exclude-standard", "-z")
        return changes + tuple(Change("?", p) for p in untracked.split("\0") if p)
    return parse_name_status(git.check(*_DIFF, revisions.start, revisions.head))


def collect(
    root: Path,
    base: str | None,
    head: str | None,
    env: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT_S,
) -> tuple[Revisions, tuple[Change, ...]]:
    """The resolved revisions and the changes between them, for the repository at `root`."""
    git = GitClient(root, env=env, timeout=timeout)
    revisions = resolve_revisions(git, base, head)
    return revisions, diff_changes(git, revisions)
