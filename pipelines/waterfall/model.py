"""What a waterfall draws: rows of bars on one time axis, in seconds from a common origin."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One row: a stage of a service, or a span of a trace.

    `queued_s` is where the row started waiting (a stage waiting for a job slot or a cache
    lookup), drawn as a hatched lead-in before the bar; None when nothing waited.
    """

    label: str
    start_s: float
    end_s: float
    #: passed | failed | cached | skipped | interrupted (runs); ok | error | unset (spans).
    status: str
    depth: int = 0
    #: The row's kind in the DOM (`data-kind`): service, stage, span ...
    kind: str = "span"
    queued_s: float | None = None
    #: Extra `data-*` attributes, for readers (tests, scripts) that look rows up.
    data: tuple[tuple[str, str], ...] = ()
    #: Shown on hover (the `title`): reason, attributes, exact times.
    detail: str = ""
    #: Where the label links to (a log file, a span's attributes).
    href: str | None = None
    #: On the critical path: the chain of work that ended last.
    critical: bool = False

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)

    @property
    def waited_s(self) -> float:
        return 0.0 if self.queued_s is None else max(0.0, self.start_s - self.queued_s)


@dataclass(frozen=True)
class Timeline:
    """The rows and the length of the axis (at least the latest end, never zero)."""

    bars: tuple[Bar, ...]
    total_s: float

    @classmethod
    def of(cls, bars: tuple[Bar, ...]) -> Timeline:
        end = max((b.end_s for b in bars), default=0.0)
        return cls(bars, max(end, 0.001))
