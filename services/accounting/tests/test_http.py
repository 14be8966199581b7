from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from opentelemetry.sdk.trace import TracerProvider

from commerce_accounting.http import make_server
from commerce_accounting.ledger import Ledger


@pytest.fixture
def ready() -> threading.Event:
    return threading.Event()


@pytest.fixture
def base_url(ready: threading.Event) -> Iterator[str]:
    ledger = Ledger()
    ledger.record("USD", 12, 340_000_000)
    server = make_server(("127.0.0.1", 0), ledger, ready, lambda: True, TracerProvider())
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()
    server.server_close()


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status, json.load(response)
    except HTTPError as error:
        return error.code, json.load(error)


def test_totals_are_json_per_currency(base_url: str) -> None:
    status, document = get(f"{base_url}/totals")
    assert status == 200
    assert document == {
        "totals": {
            "USD": {"units": 12, "nanos": 340_000_000, "amount": "12.340000000", "orders": 1}
        }
    }


def test_liveness_is_ok_while_the_consumer_runs(base_url: str) -> None:
    assert get(f"{base_url}/healthz")[0] == 200


def test_readiness_follows_the_consumer(base_url: str, ready: threading.Event) -> None:
    assert get(f"{base_url}/readyz")[0] == 503
    ready.set()
    assert get(f"{base_url}/readyz")[0] == 200


def test_an_unknown_path_is_not_found(base_url: str) -> None:
    assert get(f"{base_url}/nope")[0] == 404
