"""The lean `plan`/`services` path reads argv as argparse does, or leaves it to argparse; finds
the repository root as git does; and answers exactly what the argparse commands answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import entry
from pipelines.cli import build_parser
from pipelines.cli import main as cli_main
from pipelines.queries import _unusual, find_root, read_argv

#: Most of these compare the lean path with git and with the argparse commands on a real repository.
pytestmark = pytest.mark.processes

GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.defpath}


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=root, env=GIT_ENV, check=True, timeout=30, capture_output=True
    )
    return result.stdout.decode().strip()


@pytest.mark.parametrize(
    "argv",
    [
        ["plan"],
        ["plan", "--json"],
        ["--root", "/x", "plan", "--base", "a", "--head", "b"],
        ["--root=/x", "services", "--cache-dir=c"],
        ["plan", "--base=", "--json", "--base", "z", "--json"],
        ["services", "--services-dir", "s", "--json"],
        ["plan", "--base=-x", "--head", "HEAD~3", "--cache-dir", "/tmp/c"],
        ["--root", "", "services"],
    ],
)
def test_what_it_reads_argparse_reads_the_same(argv: list[str]) -> None:
    query = read_argv(argv)
    assert query is not None
    parsed = vars(build_parser(argv).parse_args(argv))
    assert query.command == parsed["command"]
    if parsed["root"] is None:
        assert query.root is None
    else:  # both resolved as the command resolves them
        assert os.path.realpath(query.root) == str(parsed["root"].resolve())
    for key, value in query.options.items():
        assert parsed[key] == value, key
    given = {k for k, v in parsed.items() if k.startswith("setting_") and v is not None}
    assert given == {k for k in query.options if k.startswith("setting_")}


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["--version"],
        ["run"],
        ["plan", "--help"],
        ["plan", "-h"],
        ["plan", "--js"],
        ["plan", "--base"],
        ["plan", "--base", "--json"],
        ["plan", "--base", "-1"],
        ["plan", "--json=1"],
        ["plan", "extra"],
        ["plan", "--", "x"],
        ["services", "--base", "x"],
        ["--root", "plan"],
        ["--rot", "/x", "plan"],
    ],
)
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert read_argv(argv) is None


@pytest.fixture
def repo(tmp_path: Path, make_service) -> Path:
    make_service(name="cart")
    make_service(name="ad", language="java")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    (tmp_path / "services" / "cart" / "main.go").write_text("package main\n")
    (tmp_path / "services" / "ad" / "Ad.java").write_text("class Ad {}\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "two")
    return tmp_path


def test_the_root_of_a_plain_repository_is_found_without_git(repo: Path, monkeypatch) -> None:
    def no_process(*args, **kwargs):
        raise AssertionError(f"started {args[0]}")

    monkeypatch.setattr(subprocess, "run", no_process)
    assert "bare = false" in (repo / ".git" / "config").read_text()  # git init's own config
    assert find_root(str(repo), {}) == str(repo)


def test_from_a_subdirectory_git_finds_the_root(repo: Path) -> None:
    inner = repo / "services" / "cart"
    assert find_root(str(inner), os.environ) == _git(inner, "rev-parse", "--show-toplevel")


def test_a_git_dir_variable_or_a_core_worktree_makes_it_ask_git(repo: Path) -> None:
    assert find_root(str(repo), {"GIT_DIR": "/elsewhere/.git"}) == str(repo)  # git's answer
    _git(repo, "config", "core.worktree", str(repo / "services"))
    assert find_root(str(repo), os.environ) == str(repo / "services")


@pytest.mark.parametrize(
    ("line", "asks_git"),
    [
        ("\tbare = false", False),
        ("\tBare=FALSE", False),
        ("\tbare = true", True),
        ("\tbare", True),  # a key alone is true
        ("\tworktree = /elsewhere", True),
        ('[includeIf "gitdir:/x/"]', True),
        ("[include]", True),
        ("\tlogallrefupdates = true", False),
    ],
)
def test_a_config_that_may_move_the_work_tree_makes_it_ask_git(line: str, asks_git: bool) -> None:
    assert _unusual(f"[core]\n\trepositoryformatversion = 0\n{line}\n") is asks_git


def test_outside_any_repository_the_root_is_the_cwd(tmp_path: Path) -> None:
    assert find_root(str(tmp_path), os.environ) == str(tmp_path)


def _outputs(argv: list[str], capsys) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """(lean, argparse): exit code, stdout and stderr of `argv` through each path."""
    lean = entry.main(argv, env={})
    out, err = capsys.readouterr()
    full = cli_main(argv, env={})
    out2, err2 = capsys.readouterr()
    return (lean, out, err), (full, out2, err2)


@pytest.mark.parametrize(
    "tail",
    [
        ["plan", "--json", "--base", "HEAD~1"],
        ["plan", "--base", "HEAD~1", "--head", "HEAD"],
        ["services", "--json"],
        ["services"],
        ["plan", "--base", "no-such-rev"],
        ["services", "--services-dir", "nowhere"],
    ],
)
def test_both_paths_answer_the_same(repo: Path, capsys, tail: list[str]) -> None:
    assert read_argv(["--root", str(repo), *tail]) is not None
    lean, full = _outputs(["--root", str(repo), *tail], capsys)
    assert lean == full
    if "--json" in tail:
        assert json.loads(lean[1])


def test_a_bad_setting_in_the_environment_fails_the_lean_path_too(repo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.entry", "services"],
        cwd=repo,
        env={**os.environ, "COMMERCE_CI_JOBS": "zero"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("commerce-ci: error: environment COMMERCE_CI_JOBS: jobs:")
