"""The whole shop on this machine: a real order through the frontend's API reaches every service,
lands in accounting and fraud-detection through the order stream, and leaves one trace across
them all; every service counts its requests on a Prometheus /metrics of its own; then the load
generator shops for a while without a single failed request."""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from _metrics import Scrape, promtool_check, scrape
from _pipeline import PROJECT_ROOT
from testenv import require_tool

from pipelines.catalog import load_catalog
from pipelines.engines.base import RunContext
from pipelines.engines.local import LocalEngine, host_env
from pipelines.events import NullSink
from pipelines.scheduler import RunOptions, run_services
from pipelines.shop.processes import free_port
from pipelines.shop.shop import Shop, ShopSettings
from pipelines.steps import Stage
from pipelines.toolchains import toolchain_for

#: The module's first test sets up the shop: every service built (the build steps' own limit
#: is 1800 s), then started; pytest-timeout's default for one test is shorter than that.
pytestmark = pytest.mark.timeout(2400)

#: Keeps every port below 65536 (shipping listens on 50051) and clear of a shop a developer runs.
PORT_OFFSET = 10000
TRACED = {
    "frontend",
    "checkout",
    "cart",
    "product-catalog",
    "currency",
    "shipping",
    "payment",
    "email",
}
CARD = {
    "credit_card_number": "4111111111111111",
    "credit_card_cvv": 123,
    "credit_card_expiration_year": 2039,
    "credit_card_expiration_month": 1,
}
#: The request metric each service records through OpenTelemetry, as its Prometheus exporter
#: names it, and a label text that shows the sample is the shop's own traffic.
REQUEST_METRICS = {
    "accounting": ("accounting_orders_total", ""),
    "ad": ("rpc_server_duration_milliseconds_count", "AdService"),
    "cart": ("rpc_server_call_duration_seconds_count", "CartService"),
    "checkout": ("rpc_server_call_duration_seconds_count", "CheckoutService"),
    "currency": ("rpc_server_requests_total", "CurrencyService"),
    "email": ("rpc_server_requests_total", "EmailService"),
    "fraud-detection": ("fraud_orders_checked_total", 'fraud_flagged="false"'),
    "frontend": ("http_server_request_duration_count", 'http_request_method="POST"'),
    "payment": ("rpc_server_requests_total", "PaymentService"),
    "product-catalog": ("rpc_server_call_duration_seconds_count", "ProductCatalogService"),
    "quote": ("rpc_server_requests_total", "QuoteService"),
    "recommendation": ("rpc_server_requests_total", "RecommendationService"),
    "shipping": ("rpc_server_requests_total", "ShippingService"),
    # Locust's requests, through the OTel requests instrumentation (its own test below).
    "load-generator": ("http_client_duration_milliseconds_count", "http_method"),
    # A phone asking the update channel for its manifest (the update_check fixture).
    "mobile": ("http_server_request_duration_count", 'http_request_method="GET"'),
}
ADDRESS = {
    "street_address": "1600 Amphitheatre Parkway",
    "city": "Mountain View",
    "state": "CA",
    "country": "US",
    "zip_code": "94043",
}


def eventually(check, timeout_s: float = 60.0, every_s: float = 0.5):
    """The first truthy value `check` returns within the timeout (the last error otherwise)."""
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
            last = value
        except (OSError, ValueError, KeyError) as exc:
            last = exc
        time.sleep(every_s)
    raise AssertionError(f"not within {timeout_s:g}s: {last!r}")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    require_tool("redis-server", "scripts/tools.d/60-redis.sh")
    workdir = tmp_path_factory.mktemp("shop")
    env = host_env(os.environ, PROJECT_ROOT)
    catalog = load_catalog(PROJECT_ROOT)
    ctx = RunContext(
        root=catalog.root,
        cache_dir=PROJECT_ROOT / ".cache" / "commerce-ci",
        report_dir=workdir / "reports",
        env=env,
        step_timeout_s=1800,
    )
    options = RunOptions(stages=(Stage.BUILD,), jobs=2, keep_going=True)
    built = anyio.run(run_services, list(catalog), LocalEngine(env), ctx, options, NullSink())
    failed = [s.name for s in built.services if s.status == "failed"]
    assert not failed, f"build failed for {failed}; logs under {workdir / 'reports' / 'logs'}"
    settings = ShopSettings(
        root=catalog.root, workdir=workdir, env=env, port_offset=PORT_OFFSET, metrics=True
    )
    with Shop(catalog, settings) as running:
        running.up()
        yield running


@pytest.fixture(scope="module")
def order(shop: Shop) -> dict[str, Any]:
    client = Client(shop.url("frontend"))
    products = client.get("/api/products")["products"]
    client.post("/api/cart", {"product_id": products[0]["id"], "quantity": 2})
    client.post("/api/cart", {"product_id": products[1]["id"], "quantity": 1})
    return client.post(
        "/api/checkout",
        {
            "email": "shopper@example.com",
            "currency": "EUR",
            "address": ADDRESS,
            "credit_card": CARD,
        },
    )


@pytest.fixture(scope="module")
def product_page(shop: Shop, order: dict[str, Any]) -> dict[str, Any]:
    """A product page: the frontend asks recommendation and ad, which the order never reaches."""
    client = Client(shop.url("frontend"))
    product = client.get("/api/products")["products"][0]
    return client.get(f"/api/products/{product['id']}")


def manifest_query(shop: Shop) -> tuple[str, Path]:
    """The update server's manifest request for Android at the app's runtime version, and the
    app's folder (where the export it serves lies)."""
    mobile = shop.catalog.get("mobile")
    assert mobile is not None
    folder = mobile.folder(shop.settings.root)
    runtime_version = json.loads((folder / "app.json").read_text())["expo"]["runtimeVersion"]
    return f"/api/manifest?platform=android&runtime-version={runtime_version}", folder


@pytest.fixture(scope="module")
def update_check(shop: Shop) -> dict[str, Any]:
    """What an installed app does at launch: ask the update channel for its manifest."""
    query, _ = manifest_query(shop)
    return get_json(shop.url("mobile") + query)


class Client:
    """A shopper: one cookie jar, JSON in and out."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> Any:
        with self.opener.open(self.base + path, timeout=30) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )
        with self.opener.open(request, timeout=60) as response:
            return json.loads(response.read())


def test_an_order_placed_through_the_frontend_succeeds(order):
    assert order["order_id"]
    assert order["shipping_tracking_id"]
    assert order["transaction_id"]
    assert order["total"]["currency_code"] == "EUR"
    assert len(order["items"]) == 2


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_the_order_event_reaches_accounting(shop, order):
    totals = eventually(lambda: get_json(shop.url("accounting") + "/totals")["totals"].get("EUR"))
    assert totals["orders"] >= 1
    # int64 fields may arrive as JSON strings from the frontend (protobuf JSON mapping)
    assert (int(totals["units"]), int(totals["nanos"])) == (
        int(order["total"]["units"]),
        int(order["total"].get("nanos", 0)),
    )


def test_the_order_event_reaches_fraud_detection(shop, order):
    stats = eventually(
        lambda: (s := get_json(shop.url("fraud-detection") + "/stats"))["orders_seen"] >= 1 and s
    )
    assert stats["entries_rejected"] == 0


def test_one_trace_spans_every_service_the_order_crossed(shop, order):
    def order_trace():
        for spans in shop.receiver.traces().values():
            services = {s.service for s in spans}
            if services >= TRACED:
                return services
        return None

    services = eventually(order_trace, timeout_s=60)
    assert services >= TRACED


def test_a_checkout_carrying_the_apps_traceparent_continues_the_apps_trace(shop):
    """The mobile app's fetch instrumentation sends W3C `traceparent` with its checkout
    (services/mobile/test/app/telemetry.test.ts proves that half); the frontend must continue
    that trace, not start one, so the app's span is the parent of the whole order."""
    trace_id, app_span = os.urandom(16).hex(), os.urandom(8).hex()
    client = Client(shop.url("frontend"))
    product = client.get("/api/products")["products"][0]
    client.post("/api/cart", {"product_id": product["id"], "quantity": 1})
    order = client.post(
        "/api/checkout",
        {"email": "app@example.com", "currency": "USD", "address": ADDRESS, "credit_card": CARD},
        headers={"traceparent": f"00-{trace_id}-{app_span}-01"},
    )
    assert order["order_id"]

    def continued():
        spans = shop.receiver.traces().get(trace_id, [])
        return spans if {s.service for s in spans} >= TRACED else None

    spans = eventually(continued, timeout_s=60)
    (entry,) = [s for s in spans if s.service == "frontend" and s.parent_span_id == app_span]
    assert entry.kind == 2  # SERVER: the frontend's own span for the app's request


def test_the_mobile_update_server_serves_the_exported_bundle_and_is_traced(shop):
    query, folder = manifest_query(shop)
    manifest = get_json(shop.url("mobile") + query)
    with urllib.request.urlopen(manifest["launchAsset"]["url"], timeout=30) as response:
        served = response.read()
    path = manifest["launchAsset"]["url"].split("/files/", 1)[1]
    assert served == (folder / "dist" / path).read_bytes()
    eventually(lambda: any(s.service == "mobile" for s in shop.receiver.spans()), timeout_s=30)


def test_the_receiver_shows_the_order_trace_as_pages(shop, order, tmp_path: Path):
    """The `traces:` address `shop up` prints: the order's trace in the list, and its page
    with a span row from every service it crossed, loaded in headless Chromium."""
    from chromium import chromium

    def order_trace():
        for trace_id, spans in shop.receiver.traces().items():
            if {s.service for s in spans} >= TRACED:
                return trace_id
        return None

    trace_id = eventually(order_trace, timeout_s=60)
    with chromium(tmp_path / "chromium-profile") as page:
        page.goto(shop.receiver.endpoint + "/")
        listed = page.evaluate("[...document.querySelectorAll('tr[data-trace]')]"
                               ".map(r => r.dataset.trace)")  # fmt: skip
        assert trace_id in listed
        page.goto(f"{shop.receiver.endpoint}/traces/{trace_id}")
        services = page.evaluate(
            """[...document.querySelectorAll('.wf-row[data-kind="span"]')]
            .map(r => r.dataset.service)"""
        )
        assert set(services) >= TRACED
        page.screenshot(tmp_path / "order-trace.png")
        assert page.errors == []


def test_the_load_generator_shops_for_a_while_without_errors(shop, order, tmp_path: Path):
    """A bounded headless run; while it shops, its /metrics counts the requests it sends."""
    promtool = require_tool("promtool", "scripts/tools.d/30-infra-promtool.sh")
    service = shop.catalog.get("load-generator")
    assert service is not None
    runtime = toolchain_for(service).runtime(service)
    metrics_port = free_port()
    env = dict(shop.settings.env)
    env.update(runtime.env)
    env.update(
        {
            "FRONTEND_ADDR": shop.url("frontend").removeprefix("http://"),
            "LOCUST_HEADLESS": "true",
            "LOCUST_RUN_TIME": "15s",
            "LOCUST_USERS": "2",
            "OTEL_SERVICE_NAME": "load-generator",
            "METRICS_PORT": str(metrics_port),
            "METRICS_HOST": "127.0.0.1",
        }
    )
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    metric, label = REQUEST_METRICS["load-generator"]
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    with subprocess.Popen(
        list(runtime.command),
        cwd=service.folder(shop.settings.root),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as locust:
        try:
            sent = eventually(
                lambda: (found := scrape(url)).samples(metric) and found, timeout_s=30
            )
            output, _ = locust.communicate(timeout=120)
        finally:
            locust.kill()
    assert locust.returncode == 0, output[-3000:]
    assert "Aggregated" in output
    assert any(label in labels and value >= 1 for labels, value in sent.samples(metric))
    promtool_check(promtool, sent.text)


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on: its socket inodes matched in /proc/net/tcp*."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def counted_scrape(url: str, name: str) -> Scrape | None:
    """The scrape at `url` once it counts a request of the service's own metric."""
    found = scrape(url)
    metric, label = REQUEST_METRICS[name]
    counted = sum(value for labels, value in found.samples(metric) if label in labels)
    return found if counted else None


def test_every_service_counts_the_order_on_its_own_metrics_port(
    shop, order, product_page, update_check
):
    """What Prometheus scrapes in the cluster (METRICS_PORT): valid exposition text carrying each
    service's request metric for the order, the product page and the update check just served."""
    promtool = require_tool("promtool", "scripts/tools.d/30-infra-promtool.sh")
    served = [s.name for s in shop.services if s.name != "load-generator"]
    assert set(served) <= set(shop.metrics_ports)
    uncounted: dict[str, tuple[str, str]] = {}
    for name in served:
        url = shop.metrics_url(name)
        try:
            found = eventually(lambda url=url, name=name: counted_scrape(url, name), 30)
        except AssertionError:
            uncounted[name] = REQUEST_METRICS[name]
            continue
        assert found.content_type.startswith("text/plain"), (name, found.content_type)
        promtool_check(promtool, found.text)
    assert not uncounted, f"no request counted on /metrics: {uncounted}"


def test_each_service_listens_on_its_port_and_its_metrics_port_only(shop):
    for started in shop.started:
        if started.name == "redis":
            continue
        expected = {started.port, shop.metrics_ports[started.name]}
        assert listening_ports(started.process.pid) == expected, started.name
