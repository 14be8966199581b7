"""The Plan on real git histories: renames, deletes, shared inputs, merges, bad revisions."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.catalog import load_catalog
from pipelines.errors import PlanError
from pipelines.plan import WORKTREE, Plan, plan_changes
from pipelines.plan.changes import GitClient, PendingChanges

SERVICE_YAML = """\
name: {name}
language: go
description: The {name} service
port: 8080
inputs: [{inputs}]
image:
  repository: commerce/{name}
"""


class GitRepo:
    """A throwaway repository with reproducible commits (fixed author, committer and dates)."""

    def __init__(self, root: Path):
        self.root = root
        home = root.parent / "home"
        home.mkdir(exist_ok=True)
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Plan Test",
            "GIT_AUTHOR_EMAIL": "plan@example.invalid",
            "GIT_COMMITTER_NAME": "Plan Test",
            "GIT_COMMITTER_EMAIL": "plan@example.invalid",
            "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z",
            "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
        }
        root.mkdir()
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    def write(self, path: str, text: str = "x\n") -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def service(self, name: str, inputs: str = "") -> None:
        self.write(f"services/{name}/service.yaml", SERVICE_YAML.format(name=name, inputs=inputs))
        self.write(f"services/{name}/go.mod", f"module {name}\n\ngo 1.22\n")
        self.write(f"services/{name}/main.go", f"package main // {name}\n")

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def plan(self, base: str | None = None, head: str | None = None) -> Plan:
        return plan_changes(load_catalog(self.root), self.root, base, head, env=self.env)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """Three services: cart and checkout share `proto/**`, payment stands alone."""
    repo = GitRepo(tmp_path / "repo")
    repo.service("cart", "proto/**")
    repo.service("checkout", "proto/**")
    repo.service("payment")
    repo.write("proto/cart.proto", 'syntax = "proto3";\n')
    repo.write("pipelines/toolchains/go.py", "STEPS = ()\n")
    repo.write("README.md", "# shop\n")
    repo.commit("initial")
    return repo


def test_a_change_in_one_service_plans_only_that_service(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.write("services/cart/main.go", "package main // changed\n")
    head = repo.commit("cart: change")
    plan = repo.plan(base, head)
    assert (plan.base, plan.head, plan.merge_base) == (base, head, base)
    assert plan.reasons == {"cart": ("modified services/cart/main.go",)}


def test_a_shared_proto_change_affects_every_service_listing_it(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.write("proto/cart.proto", 'syntax = "proto3";\nmessage Cart {}\n')
    plan = repo.plan(base, repo.commit("proto: add Cart"))
    assert plan.services == ("cart", "checkout")
    assert plan.reasons["checkout"] == ("modified proto/cart.proto (input proto/**)",)


def test_a_rename_within_a_service_affects_it_once(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("mv", "services/cart/main.go", "services/cart/cmd.go")
    plan = repo.plan(base, repo.commit("cart: rename"))
    assert plan.reasons == {"cart": ("renamed services/cart/main.go -> services/cart/cmd.go",)}


def test_a_file_moved_between_services_affects_both(repo: GitRepo) -> None:
    repo.write("services/cart/money.go", "package main\n\n// rounding rules, long enough\n" * 5)
    base = repo.commit("cart: money")
    repo.git("mv", "services/cart/money.go", "services/payment/money.go")
    plan = repo.plan(base, repo.commit("move money to payment"))
    assert plan.services == ("cart", "payment")
    assert plan.changes[0].status == "R"
    assert plan.changed_paths == ("services/cart/money.go", "services/payment/money.go")


def test_a_deleted_file_affects_the_service_it_was_in(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    (repo.root / "services/payment/main.go").unlink()
    plan = repo.plan(base, repo.commit("payment: delete main"))
    assert plan.reasons == {"payment": ("deleted services/payment/main.go",)}


def test_an_engine_change_affects_every_service(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.write("pipelines/toolchains/go.py", "STEPS = ('vet',)\n")
    plan = repo.plan(base, repo.commit("engine: go vet"))
    assert plan.services == ("cart", "checkout", "payment")
    assert plan.engine_paths == ("pipelines/toolchains/go.py",)


def test_a_change_nobody_owns_and_no_change_at_all_are_empty_plans(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    assert repo.plan(base, base).changes == ()
    repo.write("README.md", "# the shop\n")
    plan = repo.plan(base, repo.commit("docs"))
    assert plan.empty
    assert plan.changed_paths == ("README.md",)


@pytest.fixture
def merged(repo: GitRepo) -> dict[str, str]:
    """main: payment changes; feature (branched before that): cart changes; then merged."""
    fork = repo.git("rev-parse", "HEAD")
    repo.git("switch", "-q", "-c", "feature")
    repo.write("services/cart/main.go", "package main // feature\n")
    feature = repo.commit("cart: feature")
    repo.git("switch", "-q", "main")
    repo.write("services/payment/main.go", "package main // hotfix\n")
    main_before = repo.commit("payment: hotfix")
    repo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    return {
        "fork": fork,
        "feature": feature,
        "main_before": main_before,
        "merge": repo.git("rev-parse", "HEAD"),
    }


def test_merge_commit_as_head_plans_what_the_merge_brought_in(
    repo: GitRepo, merged: dict[str, str]
) -> None:
    plan = repo.plan(merged["main_before"], merged["merge"])
    assert plan.merge_base == merged["main_before"]
    assert plan.services == ("cart",)


def test_merge_commit_seen_from_the_branch_plans_what_main_brought_in(
    repo: GitRepo, merged: dict[str, str]
) -> None:
    assert repo.plan(merged["feature"], merged["merge"]).services == ("payment",)


def test_a_branch_is_planned_from_its_merge_base_not_from_where_main_moved(
    repo: GitRepo, merged: dict[str, str]
) -> None:
    # Three-dot: main's hotfix (payment) is not part of what the branch changes.
    plan = repo.plan(merged["main_before"], merged["feature"])
    assert plan.merge_base == merged["fork"]
    assert plan.services == ("cart",)


def test_with_two_merge_bases_the_diff_starts_from_the_one_git_merge_base_picks(
    repo: GitRepo,
) -> None:
    # Criss-cross: each branch merges the other's first commit, so both are merge-bases.
    fork = repo.git("rev-parse", "HEAD")
    repo.git("switch", "-q", "-c", "x")
    repo.write("services/cart/main.go", "package main // x1\n")
    x1 = repo.commit("cart: x1")
    repo.git("switch", "-q", "-c", "y", fork)
    repo.write("services/payment/main.go", "package main // y1\n")
    y1 = repo.commit("payment: y1")
    repo.git("merge", "-q", "--no-ff", "-m", "y takes x1", x1)
    repo.write("proto/cart.proto", 'syntax = "proto3"; // y3\n')
    y3 = repo.commit("proto: y3")
    repo.git("switch", "-q", "x")
    repo.git("merge", "-q", "--no-ff", "-m", "x takes y1", y1)
    x3 = repo.commit("x3: nothing new")
    assert sorted(repo.git("merge-base", "--all", x3, y3).split()) == sorted([x1, y1])

    plan = repo.plan(x3, y3)
    picked = repo.git("merge-base", x3, y3)
    assert plan.merge_base == picked
    assert plan.changed_paths == tuple(sorted(repo.git("diff", "--name-only", picked, y3).split()))


def test_revisions_without_shared_history_compare_their_trees(repo: GitRepo) -> None:
    main = repo.git("rev-parse", "HEAD")
    repo.git("switch", "-q", "--orphan", "elsewhere")  # the same files, one of them edited
    repo.git("checkout", main, "--", ".")
    repo.write("services/cart/main.go", "package main // elsewhere\n")
    other = repo.commit("unrelated root")
    plan = repo.plan(main, other)
    assert (plan.base, plan.head, plan.merge_base) == (main, other, None)
    assert plan.reasons == {"cart": ("modified services/cart/main.go",)}


def test_a_plan_closed_before_its_answer_leaves_no_git_running(
    repo: GitRepo, tmp_path: Path
) -> None:
    # A git that records its pid and hangs: the way a slow diff looks while the catalog loads.
    fake = tmp_path / "bin"
    fake.mkdir()
    pids = tmp_path / "pids"
    (fake / "git").write_text(f"#!/bin/sh\necho $$ >> {pids}\nexec sleep 30\n")
    (fake / "git").chmod(0o755)
    pending = PendingChanges(repo.root, "HEAD", "HEAD", env={"PATH": f"{fake}:/usr/bin:/bin"})
    deadline = time.monotonic() + 10
    while (not pids.exists() or len(pids.read_text().split()) < 2) and time.monotonic() < deadline:
        time.sleep(0.02)
    started = [int(pid) for pid in pids.read_text().split()]
    assert len(started) == 2  # rev-parse and diff, at once
    pending.close()
    for pid in started:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_default_base_on_a_branch_is_its_merge_base_with_main(repo: GitRepo) -> None:
    fork = repo.git("rev-parse", "HEAD")
    repo.git("switch", "-q", "-c", "topic")
    repo.write("services/checkout/main.go", "package main // one\n")
    repo.commit("checkout: one")
    repo.write("services/cart/main.go", "package main // two\n")
    head = repo.commit("cart: two")
    plan = repo.plan()
    assert (plan.base, plan.head) == (fork, head)
    assert plan.services == ("cart", "checkout")


def test_default_base_prefers_origin_main_over_a_stale_local_main(repo: GitRepo) -> None:
    repo.write("services/payment/main.go", "package main // landed\n")
    landed = repo.commit("payment: landed upstream")
    repo.git("update-ref", "refs/remotes/origin/main", landed)
    repo.git("branch", "-f", "-q", "stale", "HEAD~1")
    repo.git("update-ref", "refs/heads/main", repo.git("rev-parse", "stale"))
    repo.git("switch", "-q", "-c", "topic", landed)
    repo.write("services/cart/main.go", "package main // mine\n")
    repo.commit("cart: mine")
    assert repo.plan().base == landed


def test_default_base_on_main_is_the_previous_commit(repo: GitRepo) -> None:
    first = repo.git("rev-parse", "HEAD")
    repo.write("services/payment/main.go", "package main // on main\n")
    repo.commit("payment: on main")
    plan = repo.plan()
    assert plan.base == first
    assert plan.services == ("payment",)


def test_default_base_of_a_root_commit_is_the_empty_tree(repo: GitRepo) -> None:
    plan = repo.plan()
    assert plan.merge_base is None
    assert plan.services == ("cart", "checkout", "payment")
    assert plan.engine_changed


def test_worktree_head_plans_uncommitted_and_untracked_files(repo: GitRepo) -> None:
    repo.write("services/cart/main.go", "package main // dirty\n")
    repo.write("services/payment/new.go", "package main\n")
    plan = repo.plan("HEAD", WORKTREE)
    assert plan.head == WORKTREE
    assert plan.reasons == {
        "cart": ("modified services/cart/main.go",),
        "payment": ("untracked services/payment/new.go",),
    }


@pytest.mark.parametrize("which", ["base", "head"])
def test_an_unknown_revision_is_a_one_line_plan_error_naming_it(repo: GitRepo, which: str) -> None:
    revisions = {"base": "HEAD", "head": "HEAD", which: "no-such-branch"}
    with pytest.raises(PlanError) as caught:
        repo.plan(revisions["base"], revisions["head"])
    message = str(caught.value)
    assert "'no-such-branch'" in message
    assert "\n" not in message
    assert caught.value.hint and "fetch" in caught.value.hint


def test_a_revision_that_looks_like_an_option_is_refused(repo: GitRepo) -> None:
    with pytest.raises(PlanError, match="'--output=/tmp/x'"):
        repo.plan("--output=/tmp/x", "HEAD")


def test_a_directory_that_is_not_a_repository_is_a_plan_error(
    repo: GitRepo, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "plain"
    elsewhere.mkdir()
    catalog = load_catalog(repo.root)
    with pytest.raises(PlanError, match="not a git repository"):
        plan_changes(catalog, elsewhere, "HEAD", "HEAD", env=repo.env)


def test_paths_with_spaces_and_non_ascii_names_come_through_unquoted(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.write("services/cart/größe und preis.go", "package main\n")
    plan = repo.plan(base, repo.commit("cart: odd name"))
    assert plan.reasons == {"cart": ("added services/cart/größe und preis.go",)}


def test_a_project_in_a_subdirectory_plans_paths_relative_to_it(tmp_path: Path) -> None:
    outer = GitRepo(tmp_path / "outer")
    outer.write("platform/services/cart/service.yaml", SERVICE_YAML.format(name="cart", inputs=""))
    outer.write("platform/services/cart/go.mod", "module cart\n\ngo 1.22\n")
    outer.write("platform/pyproject.toml", "[project]\n")
    base = outer.commit("initial")
    outer.write("platform/services/cart/main.go", "package main\n")
    outer.write("pyproject.toml", "[project]\nname = 'unrelated'\n")  # outside the project
    head = outer.commit("cart and an unrelated project")
    project = outer.root / "platform"
    plan = plan_changes(load_catalog(project), project, base, head, env=outer.env)
    assert plan.changed_paths == ("services/cart/main.go",)
    assert plan.services == ("cart",)
    assert not plan.engine_changed


def test_a_missing_git_is_a_tool_error_naming_git(tmp_path: Path) -> None:
    probe = (
        "from pathlib import Path\n"
        "from pipelines.plan.changes import GitClient\n"
        "try:\n"
        "    GitClient(Path('.'))\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PATH": str(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.startswith("ToolMissingError required tool 'git' is not installed")


def test_a_git_command_past_its_timeout_is_killed_and_reported(repo: GitRepo) -> None:
    hang = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "alias.hang"}
    git = GitClient(repo.root, env={**hang, "GIT_CONFIG_VALUE_0": "!sleep 30"}, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(PlanError, match=r"git hang timed out after 0\.5s"):
        git.run("hang")
    assert time.monotonic() - started < 10
