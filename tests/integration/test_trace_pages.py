"""The shop's OTLP receiver serves its traces as pages: spans sent by the real OpenTelemetry
SDK from several services over OTLP/HTTP, then the list and one trace loaded in Chromium."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import Page, chromium
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from pipelines.shop.otlp import OtlpReceiver

SERVICES = ("frontend", "checkout", "payment")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Page]:
    with chromium(tmp_path / "chromium-profile") as page:
        yield page


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[OtlpReceiver]:
    with OtlpReceiver(tmp_path / "spans.jsonl") as running:
        yield running


def _tracer(name: str, endpoint: str) -> tuple[TracerProvider, trace.Tracer]:
    provider = TracerProvider(resource=Resource({"service.name": name}))
    exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=10)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, provider.get_tracer(name)


def _checkout(endpoint: str) -> str:
    """frontend > checkout > payment (which fails), each service with its own provider."""
    providers = {name: _tracer(name, endpoint) for name in SERVICES}
    frontend, checkout, payment = (providers[n][1] for n in SERVICES)
    with frontend.start_as_current_span(
        "POST /api/checkout", attributes={"http.route": "/api/checkout"}
    ) as root:
        time.sleep(0.01)
        with checkout.start_as_current_span("PlaceOrder", attributes={"rpc.service": "Checkout"}):
            time.sleep(0.02)
            with payment.start_as_current_span("Charge") as charge:
                charge.set_status(trace.Status(trace.StatusCode.ERROR, "card declined"))
                time.sleep(0.01)
    for provider, _ in providers.values():
        provider.shutdown()
    return format(root.get_span_context().trace_id, "032x")


def test_the_receiver_lists_traces_and_draws_one_as_a_waterfall(
    receiver: OtlpReceiver, browser: Page, tmp_path: Path
) -> None:
    trace_id = _checkout(receiver.endpoint)
    browser.goto(receiver.endpoint + "/")
    listed = browser.evaluate("""[...document.querySelectorAll('tr[data-trace]')].map(r =>
        [r.dataset.trace, r.dataset.errors, r.children[2].textContent])""")
    assert listed == [[trace_id, "1", "checkout, frontend, payment"]]
    browser.screenshot(tmp_path / "traces.png")

    href = browser.evaluate("document.querySelector('tr[data-trace] a').getAttribute('href')")
    browser.goto(receiver.endpoint + href)
    assert browser.evaluate("location.pathname") == f"/traces/{trace_id}"
    rows = browser.evaluate("""[...document.querySelectorAll('.wf-row[data-kind="span"]')].map(r =>
        [r.dataset.service, r.dataset.name, r.dataset.status, r.dataset.depth,
         parseFloat(r.dataset.duration)])""")
    assert [row[:4] for row in rows] == [
        ["frontend", "POST /api/checkout", "unset", "0"],
        ["checkout", "PlaceOrder", "unset", "1"],
        ["payment", "Charge", "error", "2"],
    ]
    assert rows[0][4] >= rows[1][4] >= rows[2][4] >= 0.01
    attrs = browser.evaluate("document.body.textContent")
    assert "http.route" in attrs and "card declined" in attrs
    browser.screenshot(tmp_path / "trace.png")
    if shots := __import__("os").environ.get("COMMERCE_CI_SCREENSHOTS"):
        for name in ("traces.png", "trace.png"):
            (Path(shots) / name).write_bytes((tmp_path / name).read_bytes())
    assert browser.errors == []


def test_an_unknown_trace_is_404(receiver: OtlpReceiver) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(receiver.endpoint + "/traces/" + "0" * 32, timeout=10)
    assert caught.value.code == 404
