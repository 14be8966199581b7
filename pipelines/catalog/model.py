"""The `service.yaml` contract (DESIGN.md section 4) as pydantic models.

Models are frozen: once loaded, a Service is a value that plans and steps are derived from.
Unknown keys are rejected so that a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints

from pipelines.catalog.layout import DNS_LABEL, REPOSITORY, check_repo_glob

Language = Literal["go", "java", "kotlin", "python", "node", "typescript", "rust", "dotnet", "expo"]
LANGUAGES: tuple[str, ...] = Language.__args__  # type: ignore[attr-defined]

#: Stages a service may override the command of.
OVERRIDABLE_STAGES: tuple[str, ...] = ("build", "test", "lint")

DnsLabel = Annotated[str, Strict(), StringConstraints(pattern=DNS_LABEL.pattern)]
Word = Annotated[str, Strict(), StringConstraints(min_length=1)]
Argv = Annotated[tuple[Word, ...], Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageSpec(_Strict):
    repository: Annotated[
        str, Strict(), StringConstraints(pattern=REPOSITORY.pattern, max_length=255)
    ]


RepoGlob = Annotated[str, Strict(), AfterValidator(check_repo_glob)]


class ServiceSpec(_Strict):
    """Exactly what a `service.yaml` may hold."""

    name: DnsLabel
    language: Language
    description: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=200)]
    port: Annotated[int, Strict(), Field(ge=1, le=65535)]
    inputs: tuple[RepoGlob, ...] = ()
    depends_on: tuple[DnsLabel, ...] = ()
    image: ImageSpec
    commands: Mapping[Literal["build", "test", "lint"], Argv] = Field(default_factory=dict)


class Service(BaseModel):
    """A validated service, located in the repository."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    spec: ServiceSpec
    #: Folder of the service, relative to the repository root (POSIX form).
    path: str
    #: The lockfile found for the language, relative to the service folder.
    lockfile: str

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def language(self) -> str:
        return self.spec.language

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(self.spec.inputs)

    def folder(self, root: Path) -> Path:
        return root / self.path


class Catalog(BaseModel):
    """All services of a repository, by name, in a stable order."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    root: Path
    services: tuple[Service, ...]

    def __iter__(self) -> Iterator[Service]:  # type: ignore[override]
        return iter(self.services)

    def __len__(self) -> int:
        return len(self.services)

    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.services)

    def get(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def select(self, names: Sequence[str], source: str = "SERVICE") -> list[Service]:
        """The named services in the order given (all when none are named)."""
        if not names:
            return list(self.services)
        chosen = []
        for name in names:
            service = self.get(name)
            if service is None:
                from pipelines.errors import ConfigError

                close = difflib.get_close_matches(name, self.names(), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ConfigError(source, None, f"unknown service {name!r}{hint}")
            chosen.append(service)
        return chosen

    def rows(self) -> list[dict[str, object]]:
        """One JSON-ready row per service: what `services --json` prints."""
        return [
            {
                "name": s.name,
                "language": s.language,
                "path": s.path,
                "port": s.spec.port,
                "image": s.spec.image.repository,
                "description": s.spec.description,
            }
            for s in self.services
        ]
