"""Registry credentials: where they come from, and how they stay out of every output.

A `Credentials` value never renders its secret (repr, str, f-strings, tracebacks of frozen
dataclass comparisons), so passing it around and logging the objects that hold it is safe.
Sources are small providers with one shape, so the client can ask any of them again after a
401 (ECR tokens expire after 12 hours; a long run outlives one).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from pipelines.registry.errors import CredentialsError
from pipelines.registry.reference import DOCKER_HUB

ENV_USERNAME = "COMMERCE_CI_REGISTRY_USERNAME"
ENV_PASSWORD = "COMMERCE_CI_REGISTRY_PASSWORD"
_HUB_KEYS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)
    #: Unix time after which the secret is no longer valid (ECR tokens); None: no known expiry.
    expires_at: float | None = None

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"

    __str__ = __repr__

    def basic_header(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def expired(self, now: float, margin: float = 0.0) -> bool:
        return self.expires_at is not None and now + margin >= self.expires_at


class CredentialProvider(Protocol):
    """Where a client gets credentials for one registry host, and fresh ones after a 401."""

    def get(self, registry: str) -> Credentials | None: ...

    def refresh(self, registry: str) -> Credentials | None:
        """New credentials after a refusal, or None when this source has nothing newer."""
        ...


@dataclass(frozen=True)
class StaticCredentials:
    """A fixed username and secret: a Dagger Secret's plaintext, an env var, a flag."""

    credentials: Credentials

    def get(self, registry: str) -> Credentials | None:
        return self.credentials

    def refresh(self, registry: str) -> Credentials | None:
        return None


def credentials_from_env(
    env: Mapping[str, str],
    username_var: str = ENV_USERNAME,
    password_var: str = ENV_PASSWORD,
) -> StaticCredentials | None:
    """Credentials from the given environment mapping; None when neither variable is set."""
    username = env.get(username_var, "")
    password = env.get(password_var, "")
    if not username and not password:
        return None
    if not username or not password:
        missing = username_var if not username else password_var
        raise CredentialsError("environment", f"{missing} is not set (both or neither)")
    return StaticCredentials(Credentials(username, password))


def _registry_key(key: str) -> str:
    """config.json keys are hosts, URLs, or Docker Hub's legacy index URL."""
    host = urlsplit(key).netloc if "://" in key else key.split("/", 1)[0]
    host = host.lower()
    return DOCKER_HUB if host in _HUB_KEYS else host


@dataclass(frozen=True)
class DockerConfigCredentials:
    """The `auths` section of a Docker config.json (what `docker login` writes)."""

    source: str
    entries: Mapping[str, Credentials] = field(repr=False)
    helpers: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path) -> DockerConfigCredentials:
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError:
            raise CredentialsError(str(path), "Docker config not found") from None
        except (OSError, ValueError) as error:
            raise CredentialsError(str(path), f"unreadable Docker config: {error}") from None
        return cls.parse(document, source=str(path))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DockerConfigCredentials | None:
        """`$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`; None when absent."""
        if env.get("DOCKER_CONFIG"):
            path = Path(env["DOCKER_CONFIG"]) / "config.json"
        elif env.get("HOME"):
            path = Path(env["HOME"]) / ".docker" / "config.json"
        else:
            return None
        return cls.load(path) if path.is_file() else None

    @classmethod
    def parse(cls, document: Any, source: str) -> DockerConfigCredentials:
        if not isinstance(document, dict):
            raise CredentialsError(source, "Docker config must be a JSON object")
        auths = document.get("auths") or {}
        if not isinstance(auths, dict):
            raise CredentialsError(source, "'auths' must be an object")
        entries: dict[str, Credentials] = {}
        for key, value in auths.items():
            if not isinstance(value, dict):
                raise CredentialsError(source, f"auths[{key!r}] must be an object")
            credentials = _entry_credentials(value, source, key)
            if credentials is not None:
                entries[_registry_key(key)] = credentials
        helpers = set((document.get("credHelpers") or {}).keys())
        if document.get("credsStore"):
            helpers.add("*")
        return cls(source=source, entries=entries, helpers=frozenset(helpers))

    def get(self, registry: str) -> Credentials | None:
        key = _registry_key(registry)
        found = self.entries.get(key)
        if found is None and (key in self.helpers or "*" in self.helpers):
            raise CredentialsError(
                self.source,
                f"credentials for {key} live in a Docker credential helper, which is not supported",
                hint="pass the credentials through the environment or a Secret instead",
            )
        return found

    def refresh(self, registry: str) -> Credentials | None:
        return None


def _entry_credentials(value: Mapping[str, Any], source: str, key: str) -> Credentials | None:
    encoded = value.get("auth")
    if encoded:
        try:
            decoded = base64.b64decode(str(encoded), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise CredentialsError(source, f"auths[{key!r}].auth is not base64") from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise CredentialsError(source, f"auths[{key!r}].auth is not 'user:password'")
        return Credentials(username, password)
    if value.get("username") and value.get("password"):
        return Credentials(str(value["username"]), str(value["password"]))
    return None


def decode_ecr_token(authorization_data: Mapping[str, Any]) -> tuple[str, Credentials]:
    """One `authorizationData` entry -> (registry host, credentials valid until its expiry)."""
    try:
        decoded = base64.b64decode(authorization_data["authorizationToken"]).decode()
    except (KeyError, binascii.Error, UnicodeDecodeError):
        raise CredentialsError("ecr", "authorization token is missing or not base64") from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise CredentialsError("ecr", "authorization token is not 'user:password'")
    expires = authorization_data.get("expiresAt")
    expires_at = expires.timestamp() if isinstance(expires, datetime) else None
    endpoint = str(authorization_data.get("proxyEndpoint", ""))
    host = urlsplit(endpoint).netloc or endpoint
    return host, Credentials(username, password, expires_at=expires_at)


def _boto3_ecr_client(region: str | None, endpoint_url: str | None) -> Any:
    try:
        import boto3  # optional dependency (extra 'aws'), imported only for ECR
    except ImportError:
        raise CredentialsError(
            "ecr",
            "boto3 is not installed",
            hint="pip install 'commerce-ci[aws]'",
        ) from None
    return boto3.client("ecr", region_name=region, endpoint_url=endpoint_url)


class EcrCredentials:
    """ECR tokens from `get_authorization_token`, cached until shortly before they expire.

    boto3 finds AWS credentials its own way (env, IRSA, GitHub OIDC role); the factory is
    injectable so tests can point it at another endpoint without touching the process env.
    """

    def __init__(
        self,
        region: str | None = None,
        *,
        endpoint_url: str | None = None,
        registry_ids: tuple[str, ...] = (),
        client_factory: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.time,
        margin_seconds: float = 300.0,
    ):
        self._factory = client_factory or (lambda: _boto3_ecr_client(region, endpoint_url))
        self._registry_ids = registry_ids
        self._clock = clock
        self._margin = margin_seconds
        self._lock = threading.Lock()
        self._client: Any = None
        self._cached: Credentials | None = None
        self.registry: str | None = None

    def __repr__(self) -> str:
        return f"EcrCredentials(registry={self.registry!r})"

    def get(self, registry: str) -> Credentials | None:
        with self._lock:
            cached = self._cached
            if cached is None or cached.expired(self._clock(), self._margin):
                cached = self._fetch()
            return cached

    def refresh(self, registry: str) -> Credentials | None:
        with self._lock:
            return self._fetch()

    def _fetch(self) -> Credentials:
        if self._client is None:
            self._client = self._factory()
        kwargs: dict[str, Any] = {}
        if self._registry_ids:
            kwargs["registryIds"] = list(self._registry_ids)
        try:
            response = self._client.get_authorization_token(**kwargs)
        except Exception as error:  # botocore raises many types; none carry the token
            raise CredentialsError(
                "ecr", f"get_authorization_token failed: {type(error).__name__}: {error}"
            ) from None
        data = response.get("authorizationData") or []
        if not data:
            raise CredentialsError("ecr", "get_authorization_token returned no token")
        self.registry, self._cached = decode_ecr_token(data[0])
        return self._cached
