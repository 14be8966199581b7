"""One exception hierarchy; only the CLI maps these to exit codes.

Library code raises; `pipelines.cli` turns an exception into a one-line message and an
`ExitCode`. Keeping the mapping in one place means two failures never share a code by accident.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    STAGE_FAILED = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


class CommerceCiError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code: ExitCode = ExitCode.BAD_INPUT
    hint: str | None = None


class ConfigError(CommerceCiError):
    """Bad input: a service.yaml, a setting, a flag. Always names the file (or flag) and field."""

    def __init__(self, source: str, field: str | None, message: str, hint: str | None = None):
        self.source = source
        self.field = field
        self.message = message
        self.hint = hint
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")


class ToolMissingError(CommerceCiError):
    """A host program a step needs is not on PATH. Says which and how to get it."""

    exit_code = ExitCode.STAGE_FAILED

    def __init__(self, tool: str, install_hint: str):
        self.tool = tool
        self.hint = install_hint
        super().__init__(f"required tool '{tool}' is not installed: {install_hint}")


class PlanError(CommerceCiError):
    """A revision that does not exist, a repository that is not a git repository."""


class StageError(CommerceCiError):
    """A stage cannot do its work: a part of the run, or an earlier stage's result, is missing."""

    exit_code = ExitCode.STAGE_FAILED


class StageFailed(CommerceCiError):
    """Raised by the run when at least one stage failed; carries nothing secret."""

    exit_code = ExitCode.STAGE_FAILED
