"""Image settings of a run: the target registry, where runtime bases come from, credentials.

Credentials are looked up per registry host, in order: the run's env vars (a CI secret), a Docker
`config.json`, then ECR through boto3 when the host is an ECR registry. None of them ever reaches
argv, a log line or a report: providers hand them to the registry client only.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipelines.catalog import Service
from pipelines.errors import ConfigError
from pipelines.images.recipe import ImageMeta
from pipelines.registry.auth import (
    CredentialProvider,
    DockerConfigCredentials,
    EcrCredentials,
    credentials_from_env,
)
from pipelines.registry.client import RetryPolicy

BASE_PREFIX = "commerce-ci/base"
BASE_TAG = "bookworm"
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
GIT_TIMEOUT_S = 30.0

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
            raise ConfigError(source, field_name, f"{text!r} is not HOST[:PORT][/PREFIX]")
        if prefix and not re.fullmatch(r"[a-z0-9]+([._/-][a-z0-9]+)*", prefix):
            raise ConfigError(source, field_name, f"repository prefix {prefix!r} is not valid")
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


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(  # noqa: S603 - argv list of fixed git queries
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def commit_meta(root: Path, version: str | None) -> tuple[ImageMeta, str]:
    """Labels and timestamps fixed by HEAD (not the clock), and the short-sha tag."""
    sha = _git(root, "rev-parse", "HEAD")
    short = _git(root, "rev-parse", "--short=12", "HEAD")
    when = _git(root, "show", "-s", "--format=%ct", "HEAD")
    if not sha or not short or not when:
        raise ConfigError(str(root), None, "images need a git commit to label them (no HEAD)")
    source = _git(root, "remote", "get-url", "origin") or root.as_uri()
    if "@" in source.split("://", 1)[-1].split("/", 1)[0]:
        source = re.sub(r"://[^@/]*@", "://", source)  # never label an image with a credential
    meta = ImageMeta(
        source=source,
        revision=sha,
        version=version or short,
        created=datetime.fromtimestamp(int(when), UTC),
    )
    return meta, short
