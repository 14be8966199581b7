"""Errors of the write-back, all under the engine's one hierarchy (pipelines.errors)."""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.errors import CommerceCiError, ExitCode


class GitOpsError(CommerceCiError):
    """The write-back could not land; nothing half-done was pushed."""

    exit_code = ExitCode.STAGE_FAILED


class ValuesFileError(GitOpsError):
    """A values file that is missing, not YAML, or not shaped like the chart's values."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, path: str, message: str, hint: str | None = None):
        self.path = path
        self.hint = hint
        super().__init__(f"{path}: {message}")


class GitCommandError(GitOpsError):
    """A git command failed or timed out. Carries the (secret-free) command and its output tail."""

    def __init__(self, argv: Sequence[str], returncode: int | None, output: str, hint: str = ""):
        self.argv = tuple(argv)
        self.returncode = returncode
        self.output = output
        self.hint = hint or None
        status = "timed out" if returncode is None else f"exited {returncode}"
        tail = "\n".join(output.strip().splitlines()[-8:])
        super().__init__(f"`{' '.join(self.argv)}` {status}" + (f":\n{tail}" if tail else ""))


class GitOpsConflict(GitOpsError):
    """Someone else changed the same lines upstream: rebasing cannot decide, a person must."""

    def __init__(self, remote: str, branch: str, files: Sequence[str], upstream: str):
        self.remote = remote
        self.branch = branch
        self.files = tuple(files)
        self.upstream = upstream
        self.hint = (
            "look at the upstream change, then re-run the release/promote/rollback; "
            "nothing was pushed"
        )
        listed = ", ".join(self.files) or "(unknown files)"
        super().__init__(
            f"write-back to {remote} ({branch}) conflicts with upstream {upstream}: "
            f"{listed} changed on the same lines"
        )
