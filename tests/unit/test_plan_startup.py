"""`commerce-ci plan` and `services` start without the heavy libraries, and the lazy parser
still knows every subcommand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import SUBCOMMANDS, build_parser, command_in

pytestmark = pytest.mark.processes

HEAVY = ("pydantic", "httpx", "rich", "anyio", "git", "yaml")


def _git(root: Path, *args: str) -> None:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, timeout=30, capture_output=True)


def _imported(argv: list[str], cwd: Path) -> set[str]:
    """Top-level modules `python -X importtime -m pipelines.cli ARGV` imported."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipelines.cli", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.fixture
def repo(tmp_path: Path, make_service) -> Path:
    make_service(name="cart")
    make_service(name="ad", language="java")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    (tmp_path / "services" / "cart" / "main.go").write_text("package main\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "two")
    return tmp_path


@pytest.mark.parametrize("argv", [["plan", "--json"], ["services", "--json"]])
def test_a_warm_plan_or_services_imports_none_of_the_heavy_modules(repo, argv) -> None:
    root = ["--root", str(repo)]
    first = _imported([*root, *argv], repo)  # fills the catalog index
    assert "pydantic" in first  # a cold cache validates through the real contract
    assert _imported([*root, *argv], repo).isdisjoint(HEAVY)


def test_the_subcommand_is_found_past_the_root_option() -> None:
    assert command_in(["--root", "plan", "services", "--json"]) == "services"
    assert command_in(["--root=x", "plan"]) == "plan"
    assert command_in(["--help"]) is None


def test_each_registration_defines_exactly_the_names_it_declares() -> None:
    for group in SUBCOMMANDS:
        parser = build_parser([group.names[0]])
        sub = next(a for a in parser._actions if a.dest == "command")
        assert tuple(sub.choices) == group.names


def test_full_help_lists_every_subcommand(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser(["--help"]).parse_args(["--help"])
    listed = capsys.readouterr().out
    for group in SUBCOMMANDS:
        for name in group.names:
            assert f"    {name} " in listed


def test_a_subcommands_own_help_is_complete(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser(["plan", "--help"]).parse_args(["plan", "--help"])
    out = capsys.readouterr().out
    assert "--base" in out and "--head" in out and "--services-dir" in out
