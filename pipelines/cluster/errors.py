"""Errors of the local cluster."""

from __future__ import annotations

from pipelines.errors import CommerceCiError, ExitCode


class ClusterError(CommerceCiError):
    """The cluster could not be built, started, configured or stopped; says which part and why."""

    exit_code = ExitCode.STAGE_FAILED

    def __init__(self, message: str, hint: str | None = None):
        self.hint = hint
        super().__init__(message)
