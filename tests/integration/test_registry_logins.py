"""Credentials against real servers: refusals are clear and secret-free; ECR via moto."""

from __future__ import annotations

import base64
import json
import logging
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipelines.registry import (
    Credentials,
    DockerConfigCredentials,
    EcrCredentials,
    RegistryAuthError,
    RegistryClient,
)

if TYPE_CHECKING:
    from registry_fixtures import MotoServer, RegistryServer


WRONG = "wr0ng-Pa55word-that-must-never-leak"


@pytest.mark.parametrize("fixture", ["upstream_registry", "basic_registry"])
def test_wrong_password_fails_naming_the_registry_and_never_showing_the_password(
    fixture: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    server: RegistryServer = request.getfixturevalue(fixture)
    logged: list[str] = []
    caplog.set_level(logging.DEBUG)
    client = server.client(password=WRONG, log=logged.append)

    with pytest.raises(RegistryAuthError) as raised:
        client.blob_exists("commerce/cart", "sha256:" + "0" * 64)
    client.close()

    assert server.address in str(raised.value)
    assert "commerce/cart" in str(raised.value)
    outputs = [
        str(raised.value),
        repr(raised.value),
        "".join(traceback.format_exception(raised.value)),
        repr(client),
        repr(server.credentials),
        str(Credentials(server.username, WRONG)),
        caplog.text,
        *logged,
    ]
    encoded = base64.b64encode(f"{server.username}:{WRONG}".encode()).decode()
    assert not [text for text in outputs if WRONG in text or encoded in text]


class RotatingCredentials:
    """An expired secret first; the source knows a newer one when asked after a 401."""

    def __init__(self, stale: Credentials, fresh: Credentials):
        self.stale, self.fresh, self.refreshes = stale, fresh, 0

    def get(self, registry: str) -> Credentials | None:
        return self.stale

    def refresh(self, registry: str) -> Credentials | None:
        self.refreshes += 1
        return self.fresh


@pytest.mark.parametrize("fixture", ["upstream_registry", "basic_registry"])
def test_refused_credentials_are_refreshed_once_then_succeed(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    server: RegistryServer = request.getfixturevalue(fixture)
    source = RotatingCredentials(
        Credentials(server.username, "expired-token"), Credentials(server.username, server.password)
    )
    with RegistryClient(server.address, source) as client:
        assert client.head_manifest("commerce/cart", "v1") is None
        assert client.head_manifest("commerce/cart", "v2") is None

    assert source.refreshes == 1


def test_docker_config_login_reaches_the_registry(
    basic_registry: RegistryServer, tmp_path: Path
) -> None:
    auth = base64.b64encode(f"{basic_registry.username}:{basic_registry.password}".encode())
    config_dir = tmp_path / "docker"
    config_dir.mkdir()
    (config_dir / "config.json").write_text(
        json.dumps({"auths": {f"http://{basic_registry.address}/v2/": {"auth": auth.decode()}}})
    )
    source = DockerConfigCredentials.from_env({"DOCKER_CONFIG": str(config_dir)})
    assert source is not None

    with RegistryClient(basic_registry.address, source) as client:
        client.ping()
        assert client.head_manifest("commerce/cart", "v1") is None


def moto_ecr(moto: MotoServer, calls: list[str]) -> Any:
    import boto3

    client = boto3.client(
        "ecr",
        region_name="eu-west-1",
        endpoint_url=moto.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.meta.events.register(
        "before-call.ecr.GetAuthorizationToken", lambda **_kw: calls.append("token")
    )
    return client


def test_ecr_token_decodes_into_registry_credentials(moto_server: MotoServer) -> None:
    calls: list[str] = []
    source = EcrCredentials(client_factory=lambda: moto_ecr(moto_server, calls))

    credentials = source.get("123456789012.dkr.ecr.eu-west-1.amazonaws.com")

    assert credentials is not None
    assert credentials.username == "AWS"
    assert credentials.password == "123456789012-auth-token"
    assert credentials.expires_at is not None
    assert source.registry == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert "auth-token" not in repr(credentials) + repr(source)
    assert calls == ["token"]


def test_ecr_token_is_reused_until_it_expires_and_refetched_after(
    moto_server: MotoServer,
) -> None:
    calls: list[str] = []
    now = [datetime(2014, 12, 31, 12, 0, tzinfo=UTC).timestamp()]  # moto's tokens end 2015-01-01
    source = EcrCredentials(
        client_factory=lambda: moto_ecr(moto_server, calls), clock=lambda: now[0]
    )

    source.get("ecr")
    source.get("ecr")
    assert calls == ["token"]
    now[0] = datetime(2015, 1, 1, tzinfo=UTC).timestamp()
    source.get("ecr")
    assert calls == ["token", "token"]
    source.refresh("ecr")
    assert calls == ["token", "token", "token"]


def test_ecr_credentials_log_in_to_a_registry(
    moto_server: MotoServer, basic_registry: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    source = EcrCredentials("eu-west-1", endpoint_url=moto_server.endpoint)

    with RegistryClient(basic_registry.address, source) as client:
        client.ping()  # the registry knows the user AWS with moto's token as password
