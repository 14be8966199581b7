"""Progress sinks: plain lines (with Actions groups) and the rich live view."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.events import RunFinished, RunStarted, StageFinished, StageStarted, StepStarted
from pipelines.reports.progress import LiveSink, PlainSink, make_sink
from pipelines.results import RunResult, ServiceResult, StageResult, Status
from pipelines.steps import Stage


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _events(log: Path) -> list:
    test = StageResult("cart", Stage.TEST, Status.FAILED, 3.0, log_path=log, reason="1 test failed")
    build = StageResult("cart", Stage.BUILD, Status.PASSED, 2.0)
    result = RunResult(
        "local", 0.0, 5.0, (ServiceResult("cart", "go", "services/cart", (build, test)),)
    )
    return [
        RunStarted(("cart",), (Stage.BUILD, Stage.TEST), "local"),
        StageStarted("cart", Stage.BUILD),
        StepStarted("cart", Stage.BUILD, "go build", "go build ./..."),
        StageFinished(build),
        StageStarted("cart", Stage.TEST),
        StepStarted("cart", Stage.TEST, "go test", "go test -json ./..."),
        StageFinished(test),
        RunFinished(result),
    ]


def _log(tmp_path: Path) -> Path:
    log = tmp_path / "test.log"
    log.write_text("--- FAIL: TestTotal\n::set-output name=x::injected\n")
    return log


def test_plain_sink_writes_a_line_per_stage_start_and_finish(tmp_path: Path) -> None:
    out = io.StringIO()
    clock = FakeClock()
    sink = PlainSink(out, clock=clock)
    for event in _events(_log(tmp_path)):
        clock.now += 1.0
        sink.emit(event)
    assert out.getvalue().splitlines() == [
        "commerce-ci: 1 service(s) (cart), stages build,test, engine local",
        "[    1.0s] cart build: started",
        "[    2.0s] cart build: $ go build ./...",
        "[    3.0s] cart build: passed in 2.0s",
        "[    4.0s] cart test: started",
        "[    5.0s] cart test: $ go test -json ./...",
        "[    6.0s] cart test: failed in 3.0s: 1 test failed",
        "commerce-ci: failed in 5.0s (1 failed)",
    ]


def test_github_sink_groups_each_finished_stage_with_its_log(tmp_path: Path) -> None:
    out = io.StringIO()
    sink = PlainSink(out, github=True, clock=FakeClock())
    for event in _events(_log(tmp_path)):
        sink.emit(event)
    lines = out.getvalue().splitlines()
    start = lines.index("::group::cart test: failed in 3.0s: 1 test failed")
    end = lines.index("::endgroup::", start)
    group = lines[start + 1 : end]
    assert group[0] == "$ go test -json ./..."
    assert "--- FAIL: TestTotal" in group
    assert lines[end + 1] == "::error title=cart test failed::1 test failed"
    assert lines.count("::endgroup::") == 2


def test_github_sink_stops_workflow_commands_inside_a_log(tmp_path: Path) -> None:
    out = io.StringIO()
    sink = PlainSink(out, github=True, clock=FakeClock())
    for event in _events(_log(tmp_path)):
        sink.emit(event)
    lines = out.getvalue().splitlines()
    injected = lines.index("::set-output name=x::injected")
    stop = lines[injected - 2]
    assert stop.startswith("::stop-commands::")
    token = stop.removeprefix("::stop-commands::")
    assert len(token) == 32
    assert lines[injected + 1] == f"::{token}::"


def test_github_annotation_escapes_newlines_in_reasons() -> None:
    out = io.StringIO()
    sink = PlainSink(out, github=True, clock=FakeClock())
    stage = StageResult("cart", Stage.LINT, Status.FAILED, 1.0, reason="a\nb 100%")
    sink.emit(StageFinished(stage))
    assert out.getvalue().splitlines()[-1] == "::error title=cart lint failed::a%0Ab 100%25"


def test_live_view_renders_services_by_stages_with_elapsed_time(tmp_path: Path) -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    clock = FakeClock()
    events = _events(_log(tmp_path))
    with LiveSink(console, clock=clock) as sink:
        for event in events[:6]:
            sink.emit(event)
        clock.now += 42.0
        mid = io.StringIO()
        Console(file=mid, width=120, color_system=None).print(sink.render())
        for event in events[6:]:
            sink.emit(event)
    assert "running 42.0s (go test)" in mid.getvalue()
    assert "passed 2.0s" in mid.getvalue()
    final = out.getvalue()
    assert "cart" in final and "failed 3.0s" in final


def test_live_view_survives_a_stage_it_was_not_told_about() -> None:
    from rich.console import Console

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with LiveSink(console, clock=FakeClock()) as sink:
        sink.emit(RunStarted(("cart",), (Stage.BUILD,), "local"))
        sink.emit(StageStarted("ad", Stage.SCA))
        text = io.StringIO()
        Console(file=text, width=100, color_system=None).print(sink.render())
    assert "ad" in text.getvalue() and "sca" in text.getvalue()


def test_make_sink_picks_live_view_on_a_terminal_and_plain_lines_elsewhere() -> None:
    live = make_sink(io.StringIO(), {"TERM": "xterm"}, is_tty=True)
    assert isinstance(live, LiveSink)
    live.close()
    assert isinstance(make_sink(io.StringIO(), {"TERM": "dumb"}, is_tty=True), PlainSink)
    assert isinstance(make_sink(io.StringIO(), {}, is_tty=False), PlainSink)


def test_make_sink_uses_groups_under_github_actions() -> None:
    out = io.StringIO()
    sink = make_sink(out, {"GITHUB_ACTIONS": "true"}, is_tty=False)
    sink.emit(StageFinished(StageResult("cart", Stage.BUILD, Status.PASSED, 1.0)))
    assert out.getvalue().startswith("::group::cart build: passed")


@pytest.mark.processes
def test_plain_lines_do_not_import_rich() -> None:
    probe = (
        "import io, sys\n"
        "from pipelines.reports.progress import make_sink\n"
        "import pipelines.reports\n"
        "make_sink(io.StringIO(), {}, is_tty=False)\n"
        "print('rich' in sys.modules, 'opentelemetry' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["False", "False"]
