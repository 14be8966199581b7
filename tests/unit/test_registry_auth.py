"""Credential sources, and a Credentials value that never shows its secret."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.registry import (
    Credentials,
    CredentialsError,
    DockerConfigCredentials,
    EcrCredentials,
    credentials_from_env,
)
from pipelines.registry.auth import decode_ecr_token

SECRET = "s3cret-value-9f2c"


def test_credentials_never_render_the_secret() -> None:
    credentials = Credentials("ci", SECRET, expires_at=1.0)
    rendered = [repr(credentials), str(credentials), f"{credentials}", f"{[credentials]!r}"]
    assert all(SECRET not in text and "ci" in text for text in rendered)


def test_env_credentials_come_from_the_mapping_passed_in() -> None:
    source = credentials_from_env(
        {"COMMERCE_CI_REGISTRY_USERNAME": "ci", "COMMERCE_CI_REGISTRY_PASSWORD": SECRET}
    )
    assert source is not None
    assert source.get("any") == Credentials("ci", SECRET)
    assert credentials_from_env({}) is None


def test_env_credentials_with_only_one_half_name_the_missing_variable() -> None:
    with pytest.raises(CredentialsError, match="COMMERCE_CI_REGISTRY_PASSWORD"):
        credentials_from_env({"COMMERCE_CI_REGISTRY_USERNAME": "ci"})


def docker_config(auths: dict[str, object], **extra: object) -> dict[str, object]:
    return {"auths": auths, **extra}


def test_docker_config_auth_field_is_base64_user_colon_password() -> None:
    auth = base64.b64encode(f"ci:{SECRET}".encode()).decode()
    source = DockerConfigCredentials.parse(
        docker_config({"https://registry.example.com/v2/": {"auth": auth}}), "config.json"
    )
    assert source.get("registry.example.com") == Credentials("ci", SECRET)
    assert source.get("other.example.com") is None
    assert SECRET not in repr(source)


def test_docker_hub_legacy_key_serves_docker_io() -> None:
    source = DockerConfigCredentials.parse(
        docker_config({"https://index.docker.io/v1/": {"username": "me", "password": SECRET}}),
        "config.json",
    )
    assert source.get("docker.io") == Credentials("me", SECRET)


def test_docker_config_pointing_to_a_credential_helper_says_it_is_unsupported() -> None:
    source = DockerConfigCredentials.parse(
        docker_config({}, credHelpers={"123.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}),
        "config.json",
    )
    with pytest.raises(CredentialsError, match="credential helper"):
        source.get("123.dkr.ecr.eu-west-1.amazonaws.com")


def test_malformed_docker_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"auths": {"r.example.com": {"auth": "%%%"}}}))
    with pytest.raises(CredentialsError, match=str(path)):
        DockerConfigCredentials.load(path)


def test_ecr_authorization_data_decodes_to_host_user_secret_and_expiry() -> None:
    expiry = datetime(2030, 1, 1, tzinfo=UTC)
    host, credentials = decode_ecr_token(
        {
            "authorizationToken": base64.b64encode(f"AWS:{SECRET}".encode()).decode(),
            "expiresAt": expiry,
            "proxyEndpoint": "https://111122223333.dkr.ecr.us-east-1.amazonaws.com",
        }
    )
    assert host == "111122223333.dkr.ecr.us-east-1.amazonaws.com"
    assert credentials == Credentials("AWS", SECRET, expires_at=expiry.timestamp())


def test_ecr_without_boto3_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_boto3(name: str, *args: object, **kwargs: object) -> object:
        if name == "boto3":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_boto3)
    with pytest.raises(CredentialsError) as raised:
        EcrCredentials("eu-west-1").get("ecr")
    assert raised.value.hint is not None and "aws" in raised.value.hint
