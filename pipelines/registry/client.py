"""A client for the OCI distribution API, enough to pull a base image and push an image.

It speaks to any distribution-compatible registry (CNCF distribution, ECR, Docker Hub, GHCR):
Basic auth and Bearer token challenges, manifests and indexes, blob HEAD/GET/upload/mount, tags.
Transient faults (connection errors, 5xx, 429) are retried with jittered backoff; everything
else fails at once with an error naming the registry and repository and nothing secret. Every
request has a timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from pipelines.registry.auth import CredentialProvider, Credentials
from pipelines.registry.errors import (
    DigestMismatch,
    RegistryAuthError,
    RegistryError,
    RegistryNotFound,
    RegistryUnavailable,
)
from pipelines.registry.reference import DOCKER_HUB, DOCKER_HUB_API

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
IMAGE_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
ACCEPT_ALL = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=60.0, pool=10.0)
_CHUNK = 1 << 20
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Exponential backoff with jitter, so many runners retrying do not stampede."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return ceiling * rng.uniform(0.5, 1.0)


@dataclass(frozen=True)
class Platform:
    os: str = "linux"
    architecture: str = "amd64"
    variant: str | None = None

    def matches(self, platform: Mapping[str, Any]) -> bool:
        if platform.get("os") != self.os or platform.get("architecture") != self.architecture:
            return False
        return self.variant is None or platform.get("variant") == self.variant

    def __str__(self) -> str:
        return "/".join(part for part in (self.os, self.architecture, self.variant) if part)


LINUX_AMD64 = Platform()


@dataclass(frozen=True)
class Manifest:
    media_type: str
    data: bytes
    digest: str

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES

    def json(self) -> dict[str, Any]:
        document = json.loads(self.data)
        if not isinstance(document, dict):
            raise ValueError("manifest is not a JSON object")
        return document


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def default_scheme(host: str) -> str:
    """Plain HTTP only for loopback registries (as Docker allows); TLS everywhere else."""
    name = urlsplit(f"//{host}").hostname or host
    if name == "localhost":
        return "http"
    try:
        return "http" if ipaddress.ip_address(name).is_loopback else "https"
    except ValueError:
        return "https"


def _repository_scope(repository: str, actions: str) -> str:
    return f"repository:{repository}:{actions}"


def _error_detail(response: httpx.Response) -> str:
    """The registry's own error codes, which never echo credentials."""
    try:
        errors = response.json().get("errors") or []
        parts = [f"{e.get('code', '?')}: {e.get('message', '')}" for e in errors]
    except (ValueError, AttributeError):
        parts = []
    return "; ".join(parts) or response.reason_phrase


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class RegistryClient:
    """One registry host. Holds a connection pool and auth state, so reuse it for a run."""

    def __init__(
        self,
        registry: str,
        credentials: CredentialProvider | None = None,
        *,
        scheme: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        log: Callable[[str], None] | None = None,
    ):
        self.registry = registry
        host = DOCKER_HUB_API if registry == DOCKER_HUB else registry
        self.base_url = f"{scheme or default_scheme(host)}://{host}"
        self._provider = credentials
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._log = log or (lambda _message: None)
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            headers={"User-Agent": "commerce-ci"},
        )
        self._challenge: tuple[str, dict[str, str]] | None = None
        self._tokens: dict[tuple[str, ...], str] = {}
        self._credentials: Credentials | None = None
        #: Blob bytes handed to the network (a retried upload counts again): the proof that a
        #: push of unchanged inputs sent nothing.
        self.bytes_uploaded = 0

    def __repr__(self) -> str:
        return f"RegistryClient({self.base_url!r})"

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- API -------------------------------------------------------------------------------

    def ping(self) -> None:
        """Checks reachability and credentials before any work is done."""
        self._request("GET", "/v2/", scopes=(), repository=None)

    def get_manifest(self, repository: str, ref: str) -> Manifest:
        response = self._request(
            "GET",
            f"/v2/{repository}/manifests/{ref}",
            scopes=(_repository_scope(repository, "pull"),),
            repository=repository,
            headers={"Accept": ACCEPT_ALL},
        )
        data = response.content
        digest = sha256(data)
        if ref.startswith("sha256:") and digest != ref:
            raise DigestMismatch(self.registry, repository, f"manifest {ref} hashed to {digest}")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media_type not in INDEX_TYPES | IMAGE_TYPES:
            media_type = str(json.loads(data).get("mediaType", media_type))
        return Manifest(media_type=media_type, data=data, digest=digest)

    def head_manifest(self, repository: str, ref: str) -> str | None:
        """The digest a tag points to, or None when it does not exist."""
        response = self._request(
            "HEAD",
            f"/v2/{repository}/manifests/{ref}",
            scopes=(_repository_scope(repository, "pull"),),
            repository=repository,
            headers={"Accept": ACCEPT_ALL},
            allow=(404,),
        )
        if response.status_code == 404:
            return None
        digest = response.headers.get("Docker-Content-Digest")
        return digest or self.get_manifest(repository, ref).digest

    def resolve_image(
        self, repository: str, ref: str, platform: Platform = LINUX_AMD64
    ) -> Manifest:
        """The image manifest for `platform`; an index or manifest list is resolved through."""
        manifest = self.get_manifest(repository, ref)
        if not manifest.is_index:
            return manifest
        for entry in manifest.json().get("manifests", []):
            if platform.matches(entry.get("platform") or {}):
                return self.get_manifest(repository, entry["digest"])
        raise RegistryNotFound(
            self.registry, repository, f"{ref} has no image for platform {platform}"
        )

    def put_manifest(self, repository: str, ref: str, data: bytes, media_type: str) -> str:
        digest = sha256(data)
        response = self._request(
            "PUT",
            f"/v2/{repository}/manifests/{ref}",
            scopes=(_repository_scope(repository, "pull,push"),),
            repository=repository,
            headers={"Content-Type": media_type},
            body=lambda: data,
            ok=(201,),
        )
        announced = response.headers.get("Docker-Content-Digest", digest)
        if announced != digest:
            raise DigestMismatch(self.registry, repository, f"manifest stored as {announced}")
        return digest

    def blob_exists(self, repository: str, digest: str) -> bool:
        response = self._request(
            "HEAD",
            f"/v2/{repository}/blobs/{digest}",
            scopes=(_repository_scope(repository, "pull"),),
            repository=repository,
            allow=(404,),
        )
        return response.status_code == 200

    def get_blob(self, repository: str, digest: str) -> bytes:
        response = self._request(
            "GET",
            f"/v2/{repository}/blobs/{digest}",
            scopes=(_repository_scope(repository, "pull"),),
            repository=repository,
        )
        data = response.content
        if sha256(data) != digest:
            raise DigestMismatch(self.registry, repository, f"blob {digest} hashed differently")
        return data

    def mount_blob(self, repository: str, digest: str, source_repository: str) -> bool:
        """Cross-repository mount: the registry links a blob it already has, nothing uploaded."""
        response = self._request(
            "POST",
            f"/v2/{repository}/blobs/uploads/",
            params={"mount": digest, "from": source_repository},
            scopes=(
                _repository_scope(repository, "pull,push"),
                _repository_scope(source_repository, "pull"),
            ),
            repository=repository,
            ok=(201, 202),
        )
        if response.status_code == 201:
            return True
        # 202: the registry opened an upload session instead; give it back.
        self._cancel_upload(repository, response)
        return False

    def upload_blob(self, repository: str, digest: str, content: bytes | Path) -> None:
        """Monolithic upload (POST then PUT). A failure restarts the whole session."""
        attempts = self._retry.attempts
        for attempt in range(attempts):
            try:
                location = self._start_upload(repository)
                self._request(
                    "PUT",
                    location,
                    params={"digest": digest},
                    scopes=(_repository_scope(repository, "pull,push"),),
                    repository=repository,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Length": str(self._size(content)),
                    },
                    body=lambda: self._counted(content),
                    ok=(201,),
                    retry=False,
                )
                return
            except RegistryUnavailable as error:
                if attempt + 1 >= attempts:
                    raise RegistryUnavailable(
                        self.registry,
                        repository,
                        f"upload of blob {digest} failed after {attempts} attempts: {error}",
                    ) from None
                self._backoff(attempt, f"upload of blob {digest}", None)
                if self.blob_exists(repository, digest):
                    return

    def tags(self, repository: str) -> list[str]:
        found: list[str] = []
        url: str | None = f"/v2/{repository}/tags/list"
        while url:
            response = self._request(
                "GET",
                url,
                scopes=(_repository_scope(repository, "pull"),),
                repository=repository,
            )
            found.extend(response.json().get("tags") or [])
            match = re.search(r"<([^>]+)>;\s*rel=\"?next\"?", response.headers.get("Link", ""))
            url = match.group(1) if match else None
        return found

    # -- internals -------------------------------------------------------------------------

    def _start_upload(self, repository: str) -> str:
        response = self._request(
            "POST",
            f"/v2/{repository}/blobs/uploads/",
            scopes=(_repository_scope(repository, "pull,push"),),
            repository=repository,
            ok=(202,),
        )
        location = response.headers.get("Location")
        if not location:
            raise RegistryError(self.registry, repository, "upload session without a Location")
        return location

    def _cancel_upload(self, repository: str, response: httpx.Response) -> None:
        location = response.headers.get("Location")
        if not location:
            return
        with contextlib.suppress(RegistryError):  # an abandoned session expires on its own
            self._request(
                "DELETE",
                location,
                scopes=(_repository_scope(repository, "pull,push"),),
                repository=repository,
                ok=(204,),
                allow=(404,),
                retry=False,
            )

    @staticmethod
    def _size(content: bytes | Path) -> int:
        return len(content) if isinstance(content, bytes) else content.stat().st_size

    def _counted(self, content: bytes | Path) -> Iterator[bytes]:
        if isinstance(content, bytes):
            for start in range(0, len(content), _CHUNK):
                chunk = content[start : start + _CHUNK]
                self.bytes_uploaded += len(chunk)
                yield chunk
            return
        with content.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                self.bytes_uploaded += len(chunk)
                yield chunk

    def _url(self, path_or_url: str) -> str:
        return urljoin(self.base_url + "/", path_or_url)

    def _backoff(self, attempt: int, what: str, retry_after: float | None) -> None:
        delay = self._retry.delay(attempt, self._rng, retry_after)
        self._log(
            f"{self.registry}: {what}; retry {attempt + 2}/{self._retry.attempts} in {delay:.2f}s"
        )
        self._sleep(delay)

    def _current_credentials(self) -> Credentials | None:
        if self._provider is None:
            return None
        cached = self._credentials
        if cached is None or cached.expired(time.time()):
            self._credentials = self._provider.get(self.registry)
        return self._credentials

    def _authorization(self, scopes: tuple[str, ...], repository: str | None) -> str | None:
        if self._challenge is None:
            return None
        scheme, params = self._challenge
        if scheme == "basic":
            credentials = self._current_credentials()
            return credentials.basic_header() if credentials else None
        token = self._tokens.get(scopes)
        if token is None:
            token = self._fetch_token(params, scopes, repository)
            self._tokens[scopes] = token
        return f"Bearer {token}"

    def _fetch_token(
        self, params: dict[str, str], scopes: tuple[str, ...], repository: str | None
    ) -> str:
        realm = params.get("realm")
        if not realm:
            raise RegistryAuthError(self.registry, repository, "Bearer challenge without realm")
        query: list[tuple[str, str]] = []
        if params.get("service"):
            query.append(("service", params["service"]))
        query.extend(("scope", scope) for scope in scopes)
        for refreshed in (False, True):
            credentials = self._current_credentials()
            headers = {"Authorization": credentials.basic_header()} if credentials else {}
            response = self._send_with_retries(
                "GET", realm, repository, headers=headers, params=query, body=None, retry=True
            )
            if response.status_code not in (401, 403) or refreshed or self._provider is None:
                break
            fresh = self._provider.refresh(self.registry)  # e.g. an expired token
            if fresh is None or fresh == credentials:
                break
            self._credentials = fresh
        if response.status_code in (401, 403):
            raise RegistryAuthError(
                self.registry,
                repository,
                f"the token service refused the credentials ({response.status_code})",
                hint="check the registry username and password or token",
            )
        if response.status_code != 200:
            raise RegistryError(
                self.registry, repository, f"token service answered {response.status_code}"
            )
        document = response.json()
        token = document.get("token") or document.get("access_token")
        if not token:
            raise RegistryAuthError(self.registry, repository, "token service sent no token")
        return str(token)

    def _challenge_is_basic(self) -> bool:
        return self._challenge is not None and self._challenge[0] == "basic"

    def _learn_challenge(self, response: httpx.Response) -> bool:
        header = response.headers.get("WWW-Authenticate", "")
        scheme, _, rest = header.partition(" ")
        scheme = scheme.lower()
        if scheme not in ("basic", "bearer"):
            return False
        self._challenge = (scheme, dict(_CHALLENGE_PARAM.findall(rest)))
        return True

    def _send_with_retries(
        self,
        method: str,
        url: str,
        repository: str | None,
        *,
        headers: Mapping[str, str],
        params: Any,
        body: Callable[[], bytes | Iterator[bytes]] | None,
        retry: bool,
    ) -> httpx.Response:
        """Sends, retrying connection errors, 5xx and 429; returns any other response."""
        attempts = self._retry.attempts if retry else 1
        what = f"{method} {urlsplit(url).path}"
        # Merge, not replace: upload locations carry their own state in the query.
        target = httpx.URL(url).copy_merge_params(params) if params else httpx.URL(url)
        for attempt in range(attempts):
            last = attempt + 1 >= attempts
            try:
                response = self._http.request(
                    method, target, headers=headers, content=body() if body else None
                )
            except httpx.TransportError as error:
                reason = f"{type(error).__name__}"
                if last:
                    raise RegistryUnavailable(
                        self.registry, repository, f"{what}: {reason} after {attempts} attempt(s)"
                    ) from None
                self._backoff(attempt, f"{what}: {reason}", None)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if last:
                    raise RegistryUnavailable(
                        self.registry,
                        repository,
                        f"{what}: HTTP {response.status_code} after {attempts} attempt(s)",
                    )
                self._backoff(
                    attempt, f"{what}: HTTP {response.status_code}", _retry_after(response)
                )
                continue
            return response
        raise AssertionError("unreachable")

    def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        scopes: tuple[str, ...],
        repository: str | None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        body: Callable[[], bytes | Iterator[bytes]] | None = None,
        ok: tuple[int, ...] = (200,),
        allow: tuple[int, ...] = (),
        retry: bool = True,
    ) -> httpx.Response:
        url = self._url(path_or_url)
        refreshed = token_retried = False
        for _round in range(4):
            sent_auth = self._authorization(scopes, repository)
            request_headers = dict(headers or {})
            if sent_auth:
                request_headers["Authorization"] = sent_auth
            response = self._send_with_retries(
                method,
                url,
                repository,
                headers=request_headers,
                params=params,
                body=body,
                retry=retry,
            )
            if response.status_code != 401:
                break
            if sent_auth is None:
                # First contact: learn how this registry wants to be authenticated.
                if not self._learn_challenge(response):
                    break
                if self._challenge_is_basic() and self._current_credentials() is None:
                    break
                continue
            self._learn_challenge(response)
            self._tokens.clear()
            if not self._challenge_is_basic() and not token_retried:
                token_retried = True  # an expired bearer token: fetch a new one
                continue
            if not refreshed and self._provider is not None:
                refreshed = True  # e.g. an ECR token that expired early: ask the source again
                fresh = self._provider.refresh(self.registry)
                if fresh is not None and fresh != self._credentials:
                    self._credentials = fresh
                    continue
            break
        return self._check(method, response, repository, ok, allow)

    def _check(
        self,
        method: str,
        response: httpx.Response,
        repository: str | None,
        ok: tuple[int, ...],
        allow: tuple[int, ...],
    ) -> httpx.Response:
        status = response.status_code
        if status in ok or status in allow:
            return response
        what = f"{method} {urlsplit(str(response.request.url)).path}"
        if status == 401:
            raise RegistryAuthError(
                self.registry,
                repository,
                f"{what}: authentication failed (401)",
                hint="check the registry credentials (they are not shown here)",
            )
        if status == 403:
            raise RegistryAuthError(
                self.registry, repository, f"{what}: access denied (403): {_error_detail(response)}"
            )
        if status == 404:
            raise RegistryNotFound(
                self.registry, repository, f"{what}: not found: {_error_detail(response)}"
            )
        raise RegistryError(
            self.registry, repository, f"{what}: HTTP {status}: {_error_detail(response)}"
        )
