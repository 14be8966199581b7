"""Registry errors. They name the registry and repository, never a credential.

They extend the engine's one hierarchy (`pipelines.errors`) so the CLI maps them to exit codes
like any other failure.
"""

from __future__ import annotations

from pipelines.errors import CommerceCiError, ExitCode


class InvalidReference(CommerceCiError):
    """An image reference that cannot be parsed: bad input, nothing is contacted."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, text: str, reason: str):
        self.text = text
        super().__init__(f"invalid image reference {text!r}: {reason}")


class RegistryError(CommerceCiError):
    """A registry answered something the engine cannot go on with."""

    exit_code = ExitCode.STAGE_FAILED

    def __init__(
        self, registry: str, repository: str | None, message: str, hint: str | None = None
    ):
        self.registry = registry
        self.repository = repository
        self.hint = hint
        where = f"{registry}/{repository}" if repository else registry
        super().__init__(f"registry {where}: {message}")


class RegistryAuthError(RegistryError):
    """401/403: the credentials were refused or lack the needed scope."""


class RegistryNotFound(RegistryError):
    """404: the repository, tag, manifest or blob does not exist."""


class RegistryUnavailable(RegistryError):
    """Transient faults (connection errors, 5xx, 429) persisted through every retry."""


class DigestMismatch(RegistryError):
    """Content did not hash to the digest it was asked for or announced with."""


class CredentialsError(CommerceCiError):
    """A credential source is misconfigured (unreadable config.json, boto3 missing, ...)."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, source: str, message: str, hint: str | None = None):
        self.source = source
        self.hint = hint
        super().__init__(f"{source}: {message}")
