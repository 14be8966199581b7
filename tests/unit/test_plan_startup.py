"""`commerce-ci plan` and `services` start without the heavy libraries, cold or warm, and the
lazy parser still knows every subcommand."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pipelines.cli import SUBCOMMANDS, build_parser, command_in

PROJECT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.processes

#: What the issue names: none of these may load on the plan path (`git` is gitpython).
HEAVY = ("pydantic", "httpx", "rich", "anyio", "git", "yaml")
#: The standard library's slow imports the plan path does without (see pipelines.plan.model).
LEAN = ("argparse", "dataclasses", "inspect", "pathlib", "typing", "tomllib", "shutil")


def _git(root: Path, *args: str) -> None:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, timeout=30, capture_output=True)


def _imported(argv: list[str], cwd: Path) -> set[str]:
    """Top-level modules the console script's entry (`python -X importtime -m pipelines.entry
    ARGV`, what `.venv/bin/commerce-ci` runs) imported."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipelines.entry", *argv],
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


def test_the_console_script_starts_at_the_lean_entry() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["commerce-ci"] == "pipelines.entry:console"


@pytest.mark.parametrize("argv", [["plan", "--json"], ["services", "--json"]])
def test_plan_or_services_imports_none_of_the_heavy_modules_cold_or_warm(repo, argv) -> None:
    cold = _imported(argv, repo)  # an empty cache: every file read by the simple reader
    warm = _imported(argv, repo)
    assert cold.isdisjoint(HEAVY), cold & set(HEAVY)
    assert warm.isdisjoint(HEAVY), warm & set(HEAVY)
    assert warm.isdisjoint(LEAN), warm & set(LEAN)


def test_a_file_the_simple_reader_leaves_is_still_validated_by_the_loader(repo) -> None:
    cart = repo / "services" / "cart" / "service.yaml"
    cart.write_text(cart.read_text() + "commands:\n  test: [go, test, ./...]\n")
    assert "pydantic" in _imported(["services", "--json"], repo)


def test_other_commands_and_unusual_spellings_go_through_argparse(repo) -> None:
    assert "argparse" in _imported(["plan", "--js"], repo)


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
            # A name longer than argparse's help column ends its line instead of a space.
            assert re.search(rf"^    {re.escape(name)}(?: |$)", listed, re.MULTILINE), name


def test_a_subcommands_own_help_is_complete(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser(["plan", "--help"]).parse_args(["plan", "--help"])
    out = capsys.readouterr().out
    assert "--base" in out and "--head" in out and "--services-dir" in out


def test_what_starts_git_imports_neither_re_nor_enum() -> None:
    # `plan` starts git before anything else; these would delay it by a tenth of the command.
    probe = (
        "import sys\n"
        "import pipelines.entry, pipelines.queries, pipelines.plan.changes\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    assert {"re", "enum", "signal", "contextlib", "pipelines.plan.affected"}.isdisjoint(loaded)


def test_the_console_script_flushes_its_answer_and_keeps_the_exit_code(repo) -> None:
    def console(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.entry", *argv],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    answer = console("plan", "--json", "--base", "HEAD~1")
    assert answer.returncode == 0
    assert json.loads(answer.stdout)["services"] == ["cart"]
    refused = console("plan", "--base", "no-such-rev")
    assert refused.returncode == 2
    assert refused.stderr.startswith("commerce-ci: error: unknown revision 'no-such-rev'")
