"""Image settings of a run: the target registry, where runtime bases come from, credentials.

Credentials are looked up per registry host, in order: the run's env vars (a CI secret), a Docker
`config.json`, then ECR through boto3 when the host is an ECR registry. None of them ever reaches
argv, a log line or a report: providers hand them to the registry client only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.catalog import Service
from pipelines.errors import ConfigError, shown
from pipelines.images.recipe import ImageMeta
from pipelines.registry.auth import (
    CredentialProvider,
    DockerConfigCredentials,
    EcrCredentials,
    credentials_from_env,
)
from pipelines.registry.client import RetryPolicy
from pipelines.source import git_query

if TYPE_CHECKING:
    from pipelines.settings import Settings

BASE_PREFIX = "commerce-ci/base"
BASE_TAG = "bookworm"
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
#: The repository images are labelled with when neither a setting, GitHub Actions, nor a git
#: remote that is a URL names it (the repository terraform's CI identity trusts).
DEFAULT_SOURCE_URL = "https://github.com/commerce-platform/commerce-ci"
_URL = re.compile(r"^(https?|ssh|git)://[^/]+/.+|^[\w.-]+@[\w.-]+:.+")

TARGET_USERNAME = "COMMERCE_CI_REGISTRY_USERNAME"
TARGET_PASSWORD = "COMMERCE_CI_REGISTRY_PASSWORD"
MIRROR_USERNAME = "COMMERCE_CI_MIRROR_USERNAME"
MIRROR_PASSWORD = "COMMERCE_CI_MIRROR_PASSWORD"


@dataclass(frozen=True)
class RegistryTarget:
    """`HOST[:PORT][/PREFIX]`: a registry and a repository prefix inside it."""

    registry: str
    prefix: str = ""

    @classmethod
    def parse(cls, text: str, source: str, field_name: str) -> RegistryTarget:
        host, _, prefix = text.strip().strip("/").partition("/")
        if not host or not _HOST.match(host) or "://" in text:
            raise ConfigError(source, field_name, f"{shown(text)} is not HOST[:PORT][/PREFIX]")
        port = host.partition(":")[2]
        if port and not 0 < int(port) < 65536:
            raise ConfigError(source, field_name, f"port {port} is not between 1 and 65535")
        if prefix and not re.fullmatch(r"[a-z0-9]+([._/-][a-z0-9]+)*", prefix):
            raise ConfigError(source, field_name, f"repository prefix {shown(prefix)} is not valid")
        return cls(host.lower(), prefix)

    def repository(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def __str__(self) -> str:
        return f"{self.registry}/{self.prefix}" if self.prefix else self.registry


def base_repository(kind: str, prefix: str = BASE_PREFIX) -> str:
    return f"{prefix}/{kind}"


@dataclass(frozen=True)
class ImageSettings:
    target: RegistryTarget
    meta: ImageMeta
    #: Short commit sha: every pushed image gets it as a tag.
    commit_tag: str
    #: `X.Y.Z` when releasing a version (tagged `vX.Y.Z`).
    version: str | None = None
    #: Where runtime bases live (`<prefix>/<kind>:bookworm`); default: the target registry.
    bases: RegistryTarget | None = None
    #: A pull-through cache of the bases' registry; bases are read through it when set.
    mirror: str | None = None
    credentials: CredentialProvider | None = field(default=None, repr=False)
    base_credentials: CredentialProvider | None = field(default=None, repr=False)
    mirror_credentials: CredentialProvider | None = field(default=None, repr=False)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def base_target(self) -> RegistryTarget:
        return self.bases or RegistryTarget(self.target.registry, BASE_PREFIX)

    def repository(self, service: Service) -> str:
        return self.target.repository(service.spec.image.repository)

    def credentials_at(self, registry: str) -> CredentialProvider | None:
        """The login for `registry`: the target's, the mirror's, else the bases'."""
        if registry == self.target.registry:
            return self.credentials
        if registry == self.mirror:
            return self.mirror_credentials
        return self.base_credentials

    def tags(self) -> tuple[str, ...]:
        return (self.commit_tag, *((f"v{self.version}",) if self.version else ()))


def credentials_for(
    registry: str,
    env: Mapping[str, str],
    username_var: str = TARGET_USERNAME,
    password_var: str = TARGET_PASSWORD,
) -> CredentialProvider | None:
    """The first source that has credentials for `registry` (see the module docstring)."""
    from_env = credentials_from_env(env, username_var, password_var)
    if from_env is not None:
        return from_env
    docker = DockerConfigCredentials.from_env(env)
    if docker is not None and docker.get(registry) is not None:
        return docker
    ecr = _ECR.match(registry.split(":", 1)[0])
    if ecr:
        return EcrCredentials(ecr.group("region"), registry_ids=(ecr.group("account"),))
    return None


def check_version(version: str | None, source: str = "--version") -> str | None:
    if version is None:
        return None
    version = version.removeprefix("v")
    if not _VERSION.match(version):
        raise ConfigError(source, None, f"{version!r} is not a version X.Y.Z")
    return version


def source_url(root: Path, setting: str | None, env: Mapping[str, str]) -> str:
    """The repository URL an image names as its source: never a checkout path.

    A setting wins; then GitHub Actions' own repository; then the `origin` remote when it is a
    URL (a remote that is a local path says nothing to a consumer); then DEFAULT_SOURCE_URL.
    A credential in the URL is dropped, so no label ever carries one.
    """
    server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    remote = git_query(root, "remote", "get-url", "origin")
    candidates = (
        setting,
        f"{server.rstrip('/')}/{repository}" if server and repository else None,
        remote if remote and _URL.match(remote) else None,
    )
    url = next((c for c in candidates if c), DEFAULT_SOURCE_URL)
    if "@" in url.split("://", 1)[-1].split("/", 1)[0] and "://" in url:
        url = re.sub(r"://[^@/]*@", "://", url)  # never label an image with a credential
    return url


def commit_meta(
    root: Path,
    version: str | None,
    source: str | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[ImageMeta, str]:
    """Labels and timestamps fixed by HEAD (not the clock), and the short-sha tag."""
    sha = git_query(root, "rev-parse", "HEAD")
    short = git_query(root, "rev-parse", "--short=12", "HEAD")
    when = git_query(root, "show", "-s", "--format=%ct", "HEAD")
    if not sha or not short or not when:
        raise ConfigError(str(root), None, "images need a git commit to label them (no HEAD)")
    meta = ImageMeta(
        source=source_url(root, source, env or {}),
        revision=sha,
        version=version or short,
        created=datetime.fromtimestamp(int(when), UTC),
    )
    return meta, short


# --- from the run's settings (pipelines.settings) ---------------------------------------------


def target_from(settings: Settings) -> RegistryTarget | None:
    """The target registry setting, parsed (None when unset)."""
    value = settings.registry
    if value is None:
        return None
    return RegistryTarget.parse(value, settings.source("registry"), "registry")


def _bases_target(settings: Settings) -> RegistryTarget | None:
    if settings.base_registry is None:
        return None
    origin = settings.source("base_registry")
    bases = RegistryTarget.parse(settings.base_registry, origin, "base_registry")
    return bases if bases.prefix else RegistryTarget(bases.registry, BASE_PREFIX)


def _mirror(settings: Settings) -> str | None:
    if settings.base_mirror is None:
        return None
    origin = settings.source("base_mirror")
    mirror = RegistryTarget.parse(settings.base_mirror, origin, "base_mirror")
    if mirror.prefix:
        raise ConfigError(origin, "base_mirror", "a mirror is HOST[:PORT], without a prefix")
    return mirror.registry


def check_registries(settings: Settings) -> None:
    """Every registry setting parses (the target, the bases', the mirror), before any is used."""
    target_from(settings)
    _bases_target(settings)
    _mirror(settings)


def image_settings(
    settings: Settings,
    env: Mapping[str, str],
    root: Path,
    target: RegistryTarget,
    version: str | None = None,
) -> ImageSettings:
    """The image settings of a run: labels from HEAD, bases, mirror, credentials from `env`."""
    meta, short = commit_meta(root, version, settings.source_url, env)
    bases, mirror = _bases_target(settings), _mirror(settings)
    return ImageSettings(
        target=target,
        meta=meta,
        commit_tag=short,
        version=version,
        bases=bases,
        mirror=mirror,
        credentials=credentials_for(target.registry, env),
        base_credentials=credentials_for((bases or target).registry, env),
        mirror_credentials=(
            credentials_for(mirror, env, MIRROR_USERNAME, MIRROR_PASSWORD) if mirror else None
        ),
    )


@contextmanager
def embedded_target(
    settings: Settings, env: Mapping[str, str], log: Callable[[str], None]
) -> Iterator[RegistryTarget]:
    """The configured registry, or the embedded one started for the length of the block."""
    target = target_from(settings)
    if target is not None:
        yield target
        return
    from pipelines.registry.server import embedded_registry

    with embedded_registry(settings.cache_dir / "registry", env, log=log) as address:
        yield RegistryTarget(address)
