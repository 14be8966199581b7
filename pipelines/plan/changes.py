"""What changed between two revisions, asked of git itself.

One `git diff --name-status -z -M` does the work: git compares trees in C, detects renames, and
hands back NUL-separated paths that need no unquoting. Walking gitpython's object diffs in Python
would be slower by orders of magnitude on a large change, and importing gitpython alone costs
more than the whole plan. Beside it, one `git rev-parse` resolves both revisions and their
merge-base (`A...B` expands to both commits and `^<merge-base>`), so an explicit pair costs two
git processes, started together before the caller loads its catalog (`PendingChanges`).

Revisions are compared with three-dot semantics: the diff runs from the merge-base of base and
head to head, which is "what head brings that base lacks". A pull request branch whose main moved
on is planned for its own changes only, not for main's changes shown in reverse; and a merge
commit as head, with its first parent as base, plans exactly what the merge brought in. Where
base and head share no history (a shallow clone cut too short, unrelated roots) the two trees
are compared directly instead.
"""

from __future__ import annotations

import os
from collections import namedtuple

from pipelines.plan import spawn
from pipelines.plan.model import Change

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pipelines.errors import PlanError

#: `head` value that compares against the working tree (tracked edits and untracked files).
WORKTREE = ":worktree"
#: Branches whose merge-base with HEAD is the default base, first found wins.
DEFAULT_BRANCHES: tuple[str, ...] = ("refs/remotes/origin/main", "refs/heads/main")
#: Seconds any single git command may take before it is killed.
GIT_TIMEOUT_S = 60.0

_FETCH_HINT = (
    "check the name; in a shallow clone fetch more history first "
    "(git fetch --deepen=N, or actions/checkout with fetch-depth: 0)"
)
_GIT_HINT = "install git (apt-get install git)"


def _is_sha(text: str) -> bool:
    """A full object name, SHA-1 or SHA-256, as git prints it (lower-case hex)."""
    return len(text) in (40, 64) and not text.strip("0123456789abcdef")


def _plan_error(message: str, hint: str | None = None) -> PlanError:
    from pipelines.errors import PlanError  # only on failure: see PendingChanges

    error = PlanError(message)
    error.hint = hint
    return error


class GitClient:
    """git commands in one directory, each with a timeout, failures as PlanError.

    Plain child processes (`spawn.run`, `git -C ROOT ...`): gitpython's Git costs ~65 ms to
    import, more than the whole plan, and nothing here needs its object model. Each command runs
    in its own session so that a timeout kills git and whatever it started (an alias, a hook),
    not git alone."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        timeout: float = GIT_TIMEOUT_S,
    ):
        # Messages in English whatever the locale: errors are recognised by their text.
        merged = {**os.environ, **(env or {}), "LC_ALL": "C", "LANGUAGE": "C"}
        executable = _which("git", merged.get("PATH", os.defpath))
        if executable is None:
            raise _git_missing()
        self.root = root
        self._executable = executable
        self._env = merged
        self._timeout = timeout

    def start(self, *args: str) -> spawn.Child:
        """`git ARGS` started, to be finished with `finish`; a missing git raises now."""
        if not os.path.isdir(self.root):
            raise _plan_error(f"{self.root} is not a directory")
        argv = [self._executable, "-C", os.fspath(self.root), *args]
        try:
            return spawn.start(argv, self._env, self._timeout)
        except FileNotFoundError:
            raise _git_missing() from None

    def finish(self, child: spawn.Child, command: str) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of a started `git COMMAND ...`; only a timeout or a
        killing signal raises."""
        try:
            code, out, err = child.wait()
        except spawn.TimedOut:
            raise _plan_error(
                f"git {command} timed out after {self._timeout:g}s in {self.root}"
            ) from None
        if code < 0:
            raise _plan_error(f"git {command} was killed by signal {-code} in {self.root}")
        return code, out.decode("utf-8", "surrogateescape"), err.decode("utf-8", "replace")

    def run(self, *args: str) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of `git ARGS`; only timeouts and a missing git raise."""
        return self.finish(self.start(*args), args[0])

    def check(self, *args: str) -> str:
        code, out, err = self.run(*args)
        if code != 0:
            raise _plan_error(f"git {args[0]} failed in {self.root}: {_first_line(err)}")
        return out


def _git_missing() -> Exception:
    from pipelines.errors import ToolMissingError

    return ToolMissingError("git", _GIT_HINT)


def _which(program: str, path: str) -> str | None:
    """`shutil.which` for one plain program name (shutil's imports cost more than the search)."""
    for folder in path.split(os.pathsep):
        candidate = os.path.join(folder or os.curdir, program)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0].removeprefix("fatal: ") if lines else "no message"


class Revisions(namedtuple("Revisions", ("base", "head", "merge_base"))):
    """The commits a Plan compares; `merge_base` None means the trees are compared directly.
    A named tuple, not a dataclass: see `pipelines.plan.model`."""

    __slots__ = ()
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


def _plausible(revision: str) -> bool:
    """Not empty and not an option: anything else is for git to judge."""
    return bool(revision) and not revision.startswith("-")


def _commit(git: GitClient, revision: str) -> str:
    """The commit `revision` names, or a PlanError naming it."""
    if not _plausible(revision):
        raise _plan_error(f"bad revision {revision!r}: not a commit name")
    code, out, err = git.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if code != 0:
        raise _not_a_repo(git, err) or _plan_error(
            f"unknown revision {revision!r} in {git.root}", _FETCH_HINT
        )
    return out.strip()


def _commits(git: GitClient, revisions: Sequence[str]) -> list[str]:
    """Resolve several revisions in one git call; on any failure, find and name the bad one."""
    if all(_plausible(r) for r in revisions):
        code, out, _ = git.run("rev-parse", *(f"{r}^{{commit}}" for r in revisions))
        shas = out.split()
        if code == 0 and len(shas) == len(revisions) and all(_is_sha(s) for s in shas):
            return shas
    return [_commit(git, r) for r in revisions]


def _pair_args(base: str, head: str) -> tuple[str, str, str]:
    """rev-parse's arguments for a pair: `B H B...H`, each a commit."""
    b, h = f"{base}^{{commit}}", f"{head}^{{commit}}"
    return b, h, f"{b}...{h}"


def _read_pair(code: int, out: str) -> tuple[str, str, list[str]] | None:
    """(base, head, merge-bases) from `git rev-parse B H B...H`; None unless it is exactly that.

    rev-parse expands `B...H` to H, B and `^` before each merge-base (none when the two share
    no history)."""
    lines = out.split()
    shas, bases = lines[:2], [line[1:] for line in lines[2:] if line.startswith("^")]
    if (
        code == 0
        and len(lines) >= 4
        and len(bases) == len(lines) - 4
        and lines[2:4] == [shas[1], shas[0]]
        and all(_is_sha(s) for s in shas + bases)
    ):
        return shas[0], shas[1], bases
    return None


def _pair(git: GitClient, base: str, head: str) -> tuple[str, str, str | None]:
    """(base, head, merge-base) as commits, from one `git rev-parse B H B...H` when it can.

    Criss-cross histories have several merge-bases; then `git merge-base` picks one, as it
    always did. Any failure or unexpected output goes the slow way, which names the culprit."""
    if _plausible(base) and _plausible(head):
        read = _read_pair(*git.run("rev-parse", *_pair_args(base, head))[:2])
        if read is not None:
            return _one_merge_base(git, *read)
    base_sha, head_sha = _commits(git, [base, head])
    return base_sha, head_sha, _merge_base(git, base_sha, head_sha)


def _one_merge_base(
    git: GitClient, base: str, head: str, bases: list[str]
) -> tuple[str, str, str | None]:
    """(base, head, merge-base) from what rev-parse found: none, one, or several, of which
    `git merge-base` picks one."""
    if len(bases) == 1:
        return base, head, bases[0]
    if not bases:
        return base, head, None
    return base, head, _merge_base(git, base, head)


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
        base_sha, head_sha, merge_base = _pair(git, base, head_rev)
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


class PendingChanges:
    """The changes between two revisions, asked of git as early as possible.

    For an explicit pair (the way CI asks) it starts `git rev-parse B H B...H` and
    `git diff ... B...H` (which diffs from the merge-base, as `diff_changes` does) at once, so
    both run while the caller loads its catalog. The diff is used when rev-parse finds exactly
    one merge-base; with none (no shared history) or several, rev-parse's answer stands and
    only the diff runs again, from the trees or `git merge-base`'s pick; when rev-parse fails,
    the changes are collected one step after another, which names the bad revision. Close it
    (or use it as a context manager) so that a caller that fails before `result` leaves no git
    running."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        base: str | None,
        head: str | None,
        env: Mapping[str, str] | None = None,
        timeout: float = GIT_TIMEOUT_S,
    ):
        self._where = (root, env, timeout)
        self._base, self._head = base, head
        self._started: tuple[spawn.Child, spawn.Child] | None = None
        head_rev = "HEAD" if head is None else head
        if base is not None and head != WORKTREE and _plausible(base) and _plausible(head_rev):
            try:
                self._started = self._start(base, head_rev)
            except Exception as error:
                # A missing git or folder: `result` meets it again, after the caller's errors.
                from pipelines.errors import CommerceCiError

                if not isinstance(error, CommerceCiError):
                    raise

    def _start(self, base: str, head: str) -> tuple[spawn.Child, spawn.Child]:
        args = _pair_args(base, head)
        git = self._git()
        rev_parse = git.start("rev-parse", *args)
        try:
            return rev_parse, git.start(*_DIFF, args[2])
        except BaseException:
            rev_parse.kill()
            raise

    def _git(self) -> GitClient:
        root, env, timeout = self._where
        return GitClient(root, env=env, timeout=timeout)

    def result(self) -> tuple[Revisions, tuple[Change, ...]]:
        """The resolved revisions and the changes between them; PlanError naming what is wrong."""
        started, self._started = self._started, None
        if started is not None:
            found = self._read_started(*started)
            if found is not None:
                return found
        git = self._git()
        revisions = resolve_revisions(git, self._base, self._head)
        return revisions, diff_changes(git, revisions)

    def _read_started(
        self, rev_parse: spawn.Child, diff: spawn.Child
    ) -> tuple[Revisions, tuple[Change, ...]] | None:
        git = self._git()
        try:
            read = _read_pair(*git.finish(rev_parse, "rev-parse")[:2])
            if read is None:
                return None  # the slow way names the bad revision
            revisions = Revisions(*_one_merge_base(git, *read))
            if len(read[2]) == 1:
                code, out, _ = git.finish(diff, "diff")
                if code == 0:
                    return revisions, parse_name_status(out)
            diff.kill()  # diffed from a merge-base rev-parse did not settle on, or failed
            return revisions, diff_changes(git, revisions)
        finally:
            rev_parse.kill()
            diff.kill()

    def close(self) -> None:
        """Stop whatever git is still running for this pair."""
        if self._started is not None:
            for child in self._started:
                child.kill()
            self._started = None

    def __enter__(self) -> PendingChanges:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def collect(
    root: str | os.PathLike[str],
    base: str | None,
    head: str | None,
    env: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT_S,
) -> tuple[Revisions, tuple[Change, ...]]:
    """The resolved revisions and the changes between them, for the repository at `root`."""
    with PendingChanges(root, base, head, env=env, timeout=timeout) as pending:
        return pending.result()
