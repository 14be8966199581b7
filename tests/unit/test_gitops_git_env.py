"""How the committer hands git a token: environment only, scoped, scrubbed from output."""

from __future__ import annotations

import base64
import random

import pytest

from pipelines.errors import ConfigError
from pipelines.gitops.git import (
    GitIdentity,
    GitOpsRemote,
    PushRetry,
    git_environment,
    work_tree_name,
)
from pipelines.processes import scrub

TOKEN = "tok-123456"


def test_the_token_travels_as_a_host_scoped_extra_header_in_the_environment() -> None:
    remote = GitOpsRemote("https://git.example/org/gitops.git", token_env="T")
    env, secrets = git_environment(remote, {"T": TOKEN, "PATH": "/bin"}, GitIdentity())
    keys = {env[f"GIT_CONFIG_KEY_{i}"]: i for i in range(int(env["GIT_CONFIG_COUNT"]))}
    index = keys["http.https://git.example/.extraHeader"]
    header = env[f"GIT_CONFIG_VALUE_{index}"]
    assert (
        header
        == "Authorization: Basic " + base64.b64encode(b"x-access-token:" + TOKEN.encode()).decode()
    )
    assert TOKEN in secrets and header.split()[-1] in secrets


def test_inherited_git_config_variables_are_replaced_not_extended() -> None:
    inherited = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "x.y", "GIT_CONFIG_VALUE_0": "z"}
    env, secrets = git_environment(GitOpsRemote("/srv/gitops.git"), inherited, GitIdentity())
    assert "x.y" not in {env[f"GIT_CONFIG_KEY_{i}"] for i in range(int(env["GIT_CONFIG_COUNT"]))}
    assert secrets == ()


def test_git_never_prompts_and_ignores_user_config() -> None:
    env, _ = git_environment(GitOpsRemote("/srv/gitops.git"), {}, GitIdentity())
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_CONFIG_NOSYSTEM"] == "1"


def test_a_plain_http_remote_on_loopback_may_carry_a_token() -> None:
    remote = GitOpsRemote("http://127.0.0.1:8080/gitops.git", token_env="T")
    _, secrets = git_environment(remote, {"T": TOKEN}, GitIdentity())
    assert TOKEN in secrets


def test_a_plain_http_remote_elsewhere_may_not() -> None:
    remote = GitOpsRemote("http://git.example/gitops.git", token_env="T")
    with pytest.raises(ConfigError, match="not https"):
        git_environment(remote, {"T": TOKEN}, GitIdentity())


def test_scrub_hides_every_secret_form() -> None:
    assert scrub(f"fatal: {TOKEN} and x:{TOKEN}", ("x:" + TOKEN, TOKEN)) == "fatal: *** and ***"


def test_backoff_is_jittered_and_capped() -> None:
    retry = PushRetry(attempts=5, base_s=0.1, cap_s=0.5)
    delays = [retry.delay(attempt, random.Random(seed)) for seed in range(20) for attempt in (1, 8)]
    assert all(0 <= d <= 0.5 for d in delays)
    assert len(set(delays)) > 10


def test_work_trees_differ_per_remote_and_branch() -> None:
    a = work_tree_name(GitOpsRemote("/srv/gitops.git"))
    assert a.startswith("gitops-")
    assert a != work_tree_name(GitOpsRemote("/srv/gitops.git", branch="release"))
