"""What the engine asks git about the checkout it runs on: read-only queries, never fatal.

A checkout without git (a Dagger module's export of a directory, a copied tree) answers None
rather than failing: such a run has no revision to report, which is not an error.
"""

from __future__ import annotations

from pathlib import Path

from pipelines import processes
from pipelines.errors import CommerceCiError

GIT_TIMEOUT_S = 30.0


def git_query(root: Path, *args: str, timeout_s: float = GIT_TIMEOUT_S) -> str | None:
    """The trimmed stdout of `git ARGS` in `root`; None when git fails, times out or is missing."""
    try:
        done = processes.run(["git", *args], timeout_s=timeout_s, cwd=root)
    except (OSError, CommerceCiError):
        return None
    return done.stdout.strip() if done.ok else None


def git_root(cwd: Path) -> Path:
    """The work tree around `cwd`, or `cwd` itself outside one."""
    top = git_query(cwd, "rev-parse", "--show-toplevel", timeout_s=10.0)
    return Path(top) if top else cwd


def head_revision(root: Path) -> str | None:
    """The commit checked out at `root` (what report.json calls the run's revision)."""
    return git_query(root, "rev-parse", "--verify", "--quiet", "HEAD")
