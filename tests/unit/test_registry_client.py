"""Client behaviour that needs a registry answering exactly so: a small in-memory transport."""

from __future__ import annotations

import base64
import random

import httpx
import pytest

from pipelines.registry import (
    Credentials,
    RegistryAuthError,
    RegistryClient,
    RegistryNotFound,
    RetryPolicy,
    StaticCredentials,
)

LOGIN = StaticCredentials(Credentials("ci", "pw-123"))


def client_for(handler, **options: object) -> RegistryClient:  # type: ignore[no-untyped-def]
    options.setdefault("sleep", lambda _s: None)
    return RegistryClient(
        "registry.example.com", LOGIN, transport=httpx.MockTransport(handler), **options
    )  # type: ignore[arg-type]


def test_bearer_challenge_fetches_a_token_for_the_scope_with_basic_login() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "auth.example.com":
            return httpx.Response(200, json={"token": "tok-1"})
        if request.headers.get("Authorization") == "Bearer tok-1":
            return httpx.Response(404)
        return httpx.Response(
            401,
            headers={
                "WWW-Authenticate": 'Bearer realm="https://auth.example.com/token",'
                'service="registry.example.com"'
            },
        )

    with client_for(handler) as client:
        assert client.blob_exists("shop/cart", "sha256:" + "0" * 64) is False

    token_request = seen[1]
    assert token_request.url.params.get_list("scope") == ["repository:shop/cart:pull"]
    assert token_request.url.params["service"] == "registry.example.com"
    expected = "Basic " + base64.b64encode(b"ci:pw-123").decode()
    assert token_request.headers["Authorization"] == expected
    assert seen[0].url.scheme == "https"


def test_429_waits_as_long_as_retry_after_says_within_the_cap() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200)])
    slept: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay=0.1, max_delay=1.5)
    with client_for(lambda _r: next(answers), sleep=slept.append, retry=policy) as client:
        client.ping()
    assert slept == [1.5]


def test_backoff_grows_with_jitter_and_never_passes_the_cap() -> None:
    policy = RetryPolicy(attempts=8, base_delay=0.2, max_delay=2.0)
    rng = random.Random(7)
    delays = [policy.delay(attempt, rng) for attempt in range(8)]
    assert all(0.1 <= d <= 2.0 for d in delays)
    assert delays[0] <= 0.2 < delays[3]


def test_4xx_other_than_auth_is_not_retried() -> None:
    calls: list[int] = []

    def handler(_request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(404, json={"errors": [{"code": "MANIFEST_UNKNOWN", "message": "x"}]})

    with client_for(handler) as client, pytest.raises(RegistryNotFound) as raised:
        client.get_manifest("shop/cart", "v9")
    assert calls == [1]
    assert "registry.example.com/shop/cart" in str(raised.value)
    assert "MANIFEST_UNKNOWN" in str(raised.value)


def test_403_is_an_auth_error_naming_the_repository() -> None:
    with (
        client_for(lambda _r: httpx.Response(403)) as client,
        pytest.raises(RegistryAuthError) as raised,
    ):
        client.put_manifest("shop/cart", "v1", b"{}", "application/json")
    assert "shop/cart" in str(raised.value) and "pw-123" not in str(raised.value)


def test_loopback_registries_speak_plain_http_and_others_tls() -> None:
    assert RegistryClient("127.0.0.1:5000").base_url == "http://127.0.0.1:5000"
    assert RegistryClient("localhost:5000").base_url == "http://localhost:5000"
    assert RegistryClient("ghcr.io").base_url == "https://ghcr.io"
    assert RegistryClient("docker.io").base_url == "https://registry-1.docker.io"
