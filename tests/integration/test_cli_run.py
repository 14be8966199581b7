"""`commerce-ci run` end to end as a user runs it: a real process, real reports, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testenv import PROJECT_ROOT

CLI = [sys.executable, "-m", "pipelines.cli"]


def write_service(root: Path, name: str, build: list[str]) -> None:
    folder = root / "services" / name
    folder.mkdir(parents=True)
    argv = ", ".join(json.dumps(a) for a in build)
    (folder / "service.yaml").write_text(
        f"name: {name}\nlanguage: python\ndescription: x\nport: 8080\n"
        f"image:\n  repository: commerce/{name}\ncommands:\n  build: [{argv}]\n"
    )
    (folder / "requirements.txt").write_text("")


def run_cli(root: Path, *args: str, **kwargs) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.Popen(
        [*CLI, "--root", str(root), "run", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_a_passing_build_exits_0_and_writes_the_report(tmp_path):
    write_service(tmp_path, "cart", [sys.executable, "-c", "print('compiled')"])
    process = run_cli(tmp_path, "cart", "--stages", "build")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    build = report["services"]["cart"]["stages"]["build"]
    assert build["status"] == "passed"
    assert "compiled" in (tmp_path / "reports" / build["log"]).read_text()


def test_the_report_names_the_commit_the_run_checked(tmp_path):
    write_service(tmp_path, "cart", [sys.executable, "-c", "print('compiled')"])
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@e"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True, timeout=30)
    subprocess.run([*git, "add", "services"], cwd=tmp_path, check=True, timeout=30)
    subprocess.run([*git, "commit", "-qm", "cart"], cwd=tmp_path, check=True, timeout=30)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    ).stdout.strip()
    process = run_cli(tmp_path, "cart", "--stages", "build")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["revision"] == head


def test_a_failing_build_exits_1_and_says_which_stage(tmp_path):
    write_service(tmp_path, "cart", [sys.executable, "-c", "raise SystemExit(4)"])
    process = run_cli(tmp_path, "cart", "--stages", "build,test")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    stages = report["services"]["cart"]["stages"]
    assert stages["build"]["status"] == "failed"
    assert stages["test"]["status"] == "skipped"
    assert "cart" in err and "build" in err


def test_ctrl_c_stops_the_running_step_and_exits_130(tmp_path):
    pidfile = tmp_path / "step.pid"
    code = f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    write_service(tmp_path, "cart", [sys.executable, "-c", code])
    process = run_cli(tmp_path, "cart", "--stages", "build")
    deadline = time.monotonic() + 60
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.1)
    step_pid = int(pidfile.read_text())
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert not Path(f"/proc/{step_pid}").exists() or _zombie(step_pid)


@pytest.mark.parametrize("ignore_sigint", [False, True], ids=["foreground", "background"])
def test_sigterm_stops_the_running_step_like_ctrl_c(tmp_path, ignore_sigint):
    pidfile = tmp_path / "step.pid"
    code = f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    write_service(tmp_path, "cart", [sys.executable, "-c", code])

    def background() -> None:  # what a non-interactive shell does to a `cmd &` job
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    process = run_cli(
        tmp_path, "cart", "--stages", "build", preexec_fn=background if ignore_sigint else None
    )
    deadline = time.monotonic() + 60
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.1)
    step_pid = int(pidfile.read_text())
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert not Path(f"/proc/{step_pid}").exists() or _zombie(step_pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True
