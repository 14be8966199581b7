"""Image settings: where images go, where logins come from, what labels an image."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.errors import ConfigError
from pipelines.images.config import (
    DEFAULT_SOURCE_URL,
    RegistryTarget,
    check_version,
    commit_meta,
    credentials_for,
    source_url,
)
from pipelines.registry.auth import DockerConfigCredentials, EcrCredentials, StaticCredentials
from pipelines.registry.errors import CredentialsError


def test_a_target_is_a_host_with_an_optional_repository_prefix():
    assert RegistryTarget.parse("127.0.0.1:5000", "--registry", "registry") == RegistryTarget(
        "127.0.0.1:5000"
    )
    target = RegistryTarget.parse("Registry.Example.com/team/shop", "--registry", "registry")
    assert target == RegistryTarget("registry.example.com", "team/shop")
    assert target.repository("commerce/cart") == "team/shop/commerce/cart"


@pytest.mark.parametrize(
    "text", ["https://registry.example.com", "host/Upper", "", "a b", "host:99999", "host:0"]
)
def test_a_bad_target_names_where_it_came_from(text):
    with pytest.raises(ConfigError, match=r"^commerce-ci\.toml: registry: "):
        RegistryTarget.parse(text, "commerce-ci.toml", "registry")


def test_env_credentials_come_first(tmp_path):
    env = {
        "COMMERCE_CI_REGISTRY_USERNAME": "ci",
        "COMMERCE_CI_REGISTRY_PASSWORD": "s3cret",
        "DOCKER_CONFIG": str(_docker_config(tmp_path, "registry.example.com")),
    }
    provider = credentials_for("registry.example.com", env)
    assert isinstance(provider, StaticCredentials)
    assert provider.get("registry.example.com").username == "ci"


def test_a_docker_config_with_the_host_comes_next(tmp_path):
    env = {"DOCKER_CONFIG": str(_docker_config(tmp_path, "registry.example.com"))}
    provider = credentials_for("registry.example.com", env)
    assert isinstance(provider, DockerConfigCredentials)
    assert credentials_for("other.example.com", env) is None


def test_an_ecr_host_gets_ecr_tokens_for_its_account_and_region():
    provider = credentials_for("123456789012.dkr.ecr.eu-west-1.amazonaws.com", {})
    assert isinstance(provider, EcrCredentials)


def test_no_source_means_anonymous():
    assert credentials_for("127.0.0.1:5055", {}) is None


def test_half_an_env_login_is_an_error_naming_the_missing_variable():
    with pytest.raises(CredentialsError, match="COMMERCE_CI_REGISTRY_PASSWORD"):
        credentials_for("r.example.com", {"COMMERCE_CI_REGISTRY_USERNAME": "ci"})


@pytest.mark.parametrize(("given", "version"), [("1.2.3", "1.2.3"), ("v2.0.0-rc.1", "2.0.0-rc.1")])
def test_a_version_is_semver_with_an_optional_v(given, version):
    assert check_version(given) == version


@pytest.mark.processes
def test_labels_come_from_the_commit_and_never_carry_a_credential(tmp_path):
    def git(*args: str) -> None:
        env = {**os.environ, "GIT_COMMITTER_DATE": "@1700000000 +0000"}
        subprocess.run(
            ["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=30
        )

    git("init", "-q")
    git("remote", "add", "origin", "https://user:token@example.com/shop.git")
    (tmp_path / "f").write_text("x")
    git("add", "f")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x")
    meta, short = commit_meta(tmp_path, "1.0.0")
    assert meta.source == "https://example.com/shop.git"
    assert meta.version == "1.0.0" and len(short) == 12 and meta.revision.startswith(short)
    assert meta.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # the commit time


def _docker_config(tmp_path: Path, host: str) -> Path:
    auth = base64.b64encode(b"docker-user:docker-pass").decode()
    folder = tmp_path / "docker"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth}}}))
    return folder


def _repo(tmp_path: Path, remote: str | None) -> Path:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, timeout=30)

    git("init", "-q")
    if remote is not None:
        git("remote", "add", "origin", remote)
    return tmp_path


@pytest.mark.processes
def test_image_source_is_never_a_local_path_remote(tmp_path: Path) -> None:
    root = _repo(tmp_path, str(tmp_path / "elsewhere.git"))
    assert source_url(root, None, {}) == DEFAULT_SOURCE_URL


@pytest.mark.processes
def test_image_source_is_the_default_url_without_a_remote(tmp_path: Path) -> None:
    assert source_url(_repo(tmp_path, None), None, {}) == DEFAULT_SOURCE_URL


@pytest.mark.processes
def test_image_source_prefers_the_setting_then_github_actions(tmp_path: Path) -> None:
    root = _repo(tmp_path, "git@example.com:shop/shop.git")
    actions = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r"}
    assert source_url(root, "https://example.com/x", actions) == "https://example.com/x"
    assert source_url(root, None, actions) == "https://github.com/o/r"
    assert source_url(root, None, {}) == "git@example.com:shop/shop.git"
