"""Image references: HOST[:PORT]/REPO[:TAG][@DIGEST], with Docker Hub's shorthand expanded.

One parser means the registry a credential is looked up for, the host the client talks to and
the repository in a report all agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipelines.registry.errors import InvalidReference

DOCKER_HUB = "docker.io"
#: Docker Hub's API host differs from the name users write in references.
DOCKER_HUB_API = "registry-1.docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
_SHA256 = re.compile(r"^sha256:[a-f0-9]{64}$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*(?::[0-9]+)?$")


def is_digest(text: str) -> bool:
    """Only sha256 is accepted for content the engine verifies itself."""
    return bool(_SHA256.match(text))


@dataclass(frozen=True)
class Reference:
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str, default_tag: str = "latest") -> Reference:
        """Parse a reference; a reference with neither tag nor digest gets `default_tag`."""
        if not text or text != text.strip():
            raise InvalidReference(text, "empty or surrounded by whitespace")
        rest = text
        digest = None
        if "@" in rest:
            rest, digest = rest.split("@", 1)
            if not _DIGEST.match(digest):
                raise InvalidReference(text, f"bad digest {digest!r}")
        tag = None
        last = rest.rsplit("/", 1)[-1]
        if ":" in last:
            rest, tag = rest.rsplit(":", 1)
            if not _TAG.match(tag):
                raise InvalidReference(text, f"bad tag {tag!r}")
        first, _, remainder = rest.partition("/")
        if remainder and ("." in first or ":" in first or first == "localhost"):
            registry, repository = first, remainder
            if not _HOST.match(registry):
                raise InvalidReference(text, f"bad registry host {registry!r}")
        else:
            registry, repository = DOCKER_HUB, rest
        if registry.lower() in _HUB_ALIASES:
            registry = DOCKER_HUB
            if "/" not in repository:
                repository = f"library/{repository}"
        for component in repository.split("/"):
            if not _COMPONENT.match(component):
                raise InvalidReference(text, f"bad repository component {component!r}")
        if tag is None and digest is None:
            tag = default_tag
        return cls(registry=registry, repository=repository, tag=tag, digest=digest)

    @property
    def api_host(self) -> str:
        """The host[:port] the distribution API is served on."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def ref(self) -> str:
        """What to ask the registry for: the digest when pinned, else the tag."""
        return self.digest or self.tag or "latest"

    def with_tag(self, tag: str) -> Reference:
        if not _TAG.match(tag):
            raise InvalidReference(f"{self.name}:{tag}", f"bad tag {tag!r}")
        return replace(self, tag=tag, digest=None)

    def with_digest(self, digest: str) -> Reference:
        if not _DIGEST.match(digest):
            raise InvalidReference(f"{self.name}@{digest}", f"bad digest {digest!r}")
        return replace(self, digest=digest)

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text
