"""One exception hierarchy; only the CLI maps these to exit codes.

Library code raises; `pipelines.cli` turns an exception into a one-line message and an
`ExitCode`. Keeping the mapping in one place means two failures never share a code by accident.
"""

from __future__ import annotations

import enum
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: The longest value an error repeats; a longer one is cut and its length said instead.
SHOWN_LIMIT = 120
#: Credentials in a URL (`https://user:token@host`, `https://token@host`) ...
_URL_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@'\"]+@")
#: ... and in a bare `user:password@host`.
_HOST_USERINFO = re.compile(r"([^\s/@:'\"=]+):[^\s/@'\"]+@")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with credentials in URLs and `user:password@host` masked, and every given secret
    (longest first, so a secret's prefix never shows) replaced by `***`."""
    text = _URL_USERINFO.sub(r"\1***@", text)
    text = _HOST_USERINFO.sub(r"\1:***@", text)
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """A value as an error repeats it: quoted, credentials masked, cut when long."""
    text = redact(str(value))
    if len(text) > limit:
        return repr(text[:limit]) + f"... ({len(text)} characters)"
    return repr(text)


#: Environment variables whose values are secrets, by the end of their name.
_SECRET_NAMES = re.compile(r"(PASSWORD|TOKEN|SECRET|_KEY|CREDENTIALS?)$")
#: The longest error line the CLI prints.
LINE_LIMIT = 500


def env_secrets(env: Mapping[str, str]) -> list[str]:
    """The values of `env` that are secrets: by their variable's name, and the token the
    `gitops_token_env` setting names."""
    found = [value for name, value in env.items() if _SECRET_NAMES.search(name.upper()) and value]
    token_env = env.get("COMMERCE_CI_GITOPS_TOKEN_ENV")
    if token_env and env.get(token_env):
        found.append(env[token_env])
    return found


def error_line(exc: BaseException, env: Mapping[str, str]) -> str:
    """What the CLI prints for `exc`: credentials and the environment's secrets masked; for bad
    input one line, cut at LINE_LIMIT."""
    text = redact(str(exc), env_secrets(env))
    if getattr(exc, "exit_code", ExitCode.BAD_INPUT) is ExitCode.BAD_INPUT:
        text = " ".join(part.strip() for part in text.splitlines() if part.strip())
        if len(text) > LINE_LIMIT:
            text = text[:LINE_LIMIT] + f"... ({len(text)} characters)"
    return text


def unwrap(exc: BaseException) -> BaseException:
    """The one error an exception group (anyio's task groups raise them) stands for: its
    first interrupt or engine error; `exc` itself when it is not a group."""
    if not isinstance(exc, BaseExceptionGroup):
        return exc
    leaves = [unwrap(inner) for inner in exc.exceptions]
    for kind in (KeyboardInterrupt, CommerceCiError):
        for leaf in leaves:
            if isinstance(leaf, kind):
                return leaf
    return exc


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
        super().__init__(redact(f"{where}: {message}"))


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
