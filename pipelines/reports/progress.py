"""How a person watches a run: a live table on a terminal, plain lines everywhere else.

Both are Sinks (pipelines.events). The live view is the only code here that needs rich, and it
imports it when it is built, so a run logging plain lines in CI never loads it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pipelines.events import (
    Event,
    RunFinished,
    RunStarted,
    Sink,
    StageFinished,
    StageStarted,
    StepStarted,
)
from pipelines.reports.run_report import run_status
from pipelines.reports.summary import format_duration
from pipelines.results import Status
from pipelines.steps import Stage

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

Clock = Callable[[], float]

#: Lines of a stage's log shown inside its GitHub Actions group.
LOG_TAIL_LINES = 200


def make_sink(stream: TextIO, env: Mapping[str, str], is_tty: bool) -> Sink:
    """The live view on an interactive terminal; plain lines (with groups in Actions) otherwise."""
    if is_tty and env.get("TERM", "") != "dumb":
        from rich.console import Console

        console = Console(file=stream, force_terminal=True, _environ=dict(env))
        return LiveSink(console)
    return PlainSink(stream, github=env.get("GITHUB_ACTIONS") == "true")


# --- plain lines -----------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    """Workflow-command message escaping, so a reason cannot end or inject a command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def tail_lines(path: Path | None, limit: int) -> list[str]:
    if path is None:
        return []
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    if len(lines) > limit:
        return [f"[... {len(lines) - limit} earlier lines in {path} ...]", *lines[-limit:]]
    return lines


class PlainSink:
    """One line per stage start and finish, for logs that are read after the fact.

    In GitHub Actions (`github=True`) each finished stage is printed as one collapsible group
    holding its commands and the tail of its log. Services run concurrently, so groups are
    written whole when a stage ends rather than opened at its start, where another service's
    lines would land inside them. The log is fenced with `::stop-commands::` so that a tool's
    output cannot issue workflow commands.
    """

    def __init__(
        self,
        stream: TextIO,
        github: bool = False,
        clock: Clock = time.monotonic,
        log_tail: int = LOG_TAIL_LINES,
    ) -> None:
        self._stream = stream
        self._github = github
        self._clock = clock
        self._log_tail = log_tail
        self._start = clock()
        self._commands: dict[tuple[str, Stage], list[str]] = {}

    def close(self) -> None:
        """Nothing to restore; here so that callers can close any sink the same way."""
        return None

    def _line(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def _stamp(self) -> str:
        return f"[{self._clock() - self._start:7.1f}s]"

    def emit(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start = self._clock()
            self._line(
                f"commerce-ci: {len(event.services)} service(s) "
                f"({', '.join(event.services)}), stages {','.join(event.stages)}, "
                f"engine {event.engine}"
            )
        elif isinstance(event, StageStarted):
            self._commands[(event.service, event.stage)] = []
            self._line(f"{self._stamp()} {event.service} {event.stage}: started")
        elif isinstance(event, StepStarted):
            self._commands.setdefault((event.service, event.stage), []).append(event.command)
            if not self._github:
                self._line(f"{self._stamp()} {event.service} {event.stage}: $ {event.command}")
        elif isinstance(event, StageFinished):
            self._stage_finished(event)
        elif isinstance(event, RunFinished):
            result = event.result
            counts = {s: 0 for s in Status}
            for service in result.services:
                counts[service.status] += 1
            parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            self._line(
                f"commerce-ci: {run_status(result)} in {format_duration(result.duration_s)}"
                + (f" ({parts})" if parts else "")
            )

    def _stage_finished(self, event: StageFinished) -> None:
        stage = event.result
        verdict = f"{stage.service} {stage.stage}: {stage.status}"
        if stage.status in (Status.PASSED, Status.FAILED):
            verdict += f" in {format_duration(stage.duration_s)}"
        if stage.reason:
            verdict += f": {stage.reason}"
        commands = self._commands.pop((stage.service, stage.stage), [])
        if not self._github:
            self._line(f"{self._stamp()} {verdict}")
            return
        self._line(f"::group::{_escape_data(verdict)}")
        for command in commands:
            self._line(f"$ {command}")
        lines = tail_lines(stage.log_path, self._log_tail)
        if lines:
            token = secrets.token_hex(16)
            self._line(f"::stop-commands::{token}")
            for line in lines:
                self._line(line)
            self._line(f"::{token}::")
        self._line("::endgroup::")
        if stage.status is Status.FAILED:
            title = _escape_property(f"{stage.service} {stage.stage} failed")
            self._line(f"::error title={title}::{_escape_data(stage.reason or 'failed')}")


# --- live view -------------------------------------------------------------------------------


@dataclass
class _Cell:
    status: str = "pending"
    started: float | None = None
    duration_s: float | None = None
    step: str | None = None


_STYLES = {
    "pending": "dim",
    "running": "bold cyan",
    Status.PASSED: "green",
    Status.FAILED: "bold red",
    Status.SKIPPED: "yellow",
    Status.CACHED: "blue",
}


class LiveSink:
    """A table of services x stages redrawn in place, with each running stage's elapsed time.

    rich redraws from its own thread, so the state it reads is guarded by a lock. Use it as a
    context manager (or call `close`) so the terminal is restored even when a run is aborted.
    """

    def __init__(self, console: Console, clock: Clock = time.monotonic) -> None:
        from rich.live import Live

        self._console = console
        self._clock = clock
        self._lock = threading.Lock()
        self._stages: tuple[Stage, ...] = ()
        self._cells: dict[str, dict[Stage, _Cell]] = {}
        self._engine = ""
        self._start: float | None = None
        self._end: float | None = None
        self._live = Live(
            console=console,
            get_renderable=self.render,
            refresh_per_second=4,
            redirect_stdout=False,
            redirect_stderr=False,
            transient=False,
        )
        self._started = False

    def __enter__(self) -> LiveSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._started:
            self._started = False
            self._live.stop()

    def emit(self, event: Event) -> None:
        now = self._clock()
        with self._lock:
            if isinstance(event, RunStarted):
                self._stages = event.stages
                self._engine = event.engine
                self._cells = {s: {st: _Cell() for st in event.stages} for s in event.services}
                self._start, self._end = now, None
            elif isinstance(event, StageStarted):
                self._cell(event.service, event.stage)
                self._cells[event.service][event.stage] = _Cell("running", now)
            elif isinstance(event, StepStarted):
                self._cell(event.service, event.stage).step = event.name
            elif isinstance(event, StageFinished):
                cell = self._cell(event.result.service, event.result.stage)
                cell.status = event.result.status
                cell.duration_s = event.result.duration_s
                cell.step = None
            elif isinstance(event, RunFinished):
                self._end = now
        if isinstance(event, RunStarted) and not self._started:
            self._live.start(refresh=True)
            self._started = True
        elif isinstance(event, RunFinished):
            self._live.refresh()
            self.close()
        elif self._started:
            self._live.refresh()

    def _cell(self, service: str, stage: Stage) -> _Cell:
        """The cell for a stage, created if the run did not announce it (never a KeyError)."""
        row = self._cells.setdefault(service, {})
        if stage not in self._stages:
            self._stages = (*self._stages, stage)
        return row.setdefault(stage, _Cell())

    def render(self) -> RenderableType:
        from rich.table import Table
        from rich.text import Text

        with self._lock:
            now = self._clock() if self._end is None else self._end
            elapsed = 0.0 if self._start is None else now - self._start
            table = Table(
                title=f"commerce-ci ({self._engine})" if self._engine else "commerce-ci",
                caption=f"elapsed {format_duration(elapsed)}",
                caption_justify="right",
            )
            table.add_column("service", style="bold")
            for stage in self._stages:
                table.add_column(str(stage))
            table.add_column("time", justify="right")
            for service, row in self._cells.items():
                cells: list[Text] = []
                total = 0.0
                for stage in self._stages:
                    cell = row.get(stage, _Cell())
                    cells.append(self._render_cell(cell, now))
                    if cell.duration_s is not None:
                        total += cell.duration_s
                    elif cell.started is not None:
                        total += now - cell.started
                table.add_row(Text(service), *cells, Text(format_duration(total)))
            return table

    @staticmethod
    def _render_cell(cell: _Cell, now: float) -> Text:
        from rich.text import Text

        style = _STYLES.get(cell.status, "")
        if cell.status == "running" and cell.started is not None:
            label = f"running {format_duration(now - cell.started)}"
            if cell.step:
                label += f" ({cell.step})"
            return Text(label, style=style)
        if cell.duration_s is not None and cell.status in (Status.PASSED, Status.FAILED):
            return Text(f"{cell.status} {format_duration(cell.duration_s)}", style=style)
        return Text(str(cell.status), style=style)
