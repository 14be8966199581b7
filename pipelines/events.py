"""Events the run emits while it works; sinks render them (progress view, plain lines, CI groups).

The core never prints: it emits to a Sink, and the CLI or the Dagger module decides how a
person sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pipelines.results import RunResult, StageResult
from pipelines.steps import Stage


@dataclass(frozen=True)
class RunStarted:
    services: tuple[str, ...]
    stages: tuple[Stage, ...]
    engine: str


@dataclass(frozen=True)
class StageStarted:
    service: str
    stage: Stage


@dataclass(frozen=True)
class StepStarted:
    service: str
    stage: Stage
    name: str
    #: The command as the engine runs it (Engine.display: its own paths for the placeholders).
    #: Steps carry no secrets in argv: they reach a step through its environment or a Secret.
    command: str


@dataclass(frozen=True)
class StageFinished:
    result: StageResult


@dataclass(frozen=True)
class RunFinished:
    result: RunResult


Event = RunStarted | StageStarted | StepStarted | StageFinished | RunFinished


class Sink(Protocol):
    def emit(self, event: Event) -> None: ...


class NullSink:
    def emit(self, event: Event) -> None:
        return None


class ListSink:
    """Keeps every event; for tests and for renderers that work after the fact."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)
