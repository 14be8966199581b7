"""The shop's process handling with small real servers standing in for the services.

Each stand-in is a Python HTTP server that records the environment it was given, so the tests see
what a real service would: its port, its peers' addresses, Redis and the OTLP endpoint.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from testenv import require_tool

from pipelines.catalog import load_catalog
from pipelines.engines.local import host_env
from pipelines.shop.processes import ShopError
from pipelines.shop.shop import Shop, ShopSettings
from pipelines.toolchains.base import Runtime

SERVER = """
import http.server, json, os, sys
port = int(os.environ["PORT"])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        seen = ("OTEL_", "PORT", "METRICS_")
        body = json.dumps({k: v for k, v in os.environ.items()
                           if k.endswith("_ADDR") or k.startswith(seen)}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
"""

YAML = "name: {n}\nlanguage: python\ndescription: x\nport: {p}\nimage:\n  repository: c/{n}\n"


@pytest.fixture
def shop_root(tmp_path: Path, make_service) -> Path:
    make_service(name="cart", language="python", text=YAML.format(n="cart", p=7070))
    make_service(
        name="frontend",
        language="python",
        text=YAML.format(n="frontend", p=8080) + "depends_on: [cart]\n",
    )
    return tmp_path


def make_shop(
    root: Path, runtime, offset: int = 31000, metrics: bool = False, env: dict | None = None
) -> Shop:
    require_tool("redis-server", "scripts/tools.d/60-redis.sh")
    settings = ShopSettings(
        root=root,
        workdir=root / "shop",
        env={**host_env(os.environ, Path(__file__).resolve().parents[2]), **(env or {})},
        port_offset=offset,
        ready_timeout_s=20,
        metrics=metrics,
    )
    return Shop(load_catalog(root), settings, runtime_for=runtime)


def serving(_service) -> Runtime:
    return Runtime("python", (), ("python3", "-c", SERVER))


def env_of(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
        return json.loads(response.read())


def test_every_service_gets_its_port_its_peers_redis_and_the_otlp_endpoint(shop_root):
    with make_shop(shop_root, serving) as shop:
        shop.up()
        assert [s.name for s in shop.services] == ["cart", "frontend"]
        seen = env_of(shop.url("frontend"))
        assert seen["PORT"] == "39080"
        assert seen["CART_ADDR"] == "127.0.0.1:38070"
        assert seen["REDIS_ADDR"] == f"127.0.0.1:{shop.redis_port}"
        assert seen["OTEL_EXPORTER_OTLP_ENDPOINT"] == shop.receiver.endpoint
        assert seen["OTEL_SERVICE_NAME"] == "frontend"


def test_no_service_gets_a_metrics_port_unless_the_shop_asks(shop_root):
    """One METRICS_PORT inherited by every service would have them all fight over it."""
    with make_shop(shop_root, serving, env={"METRICS_PORT": "9464"}) as shop:
        shop.up()
        for name in ("cart", "frontend"):
            assert "METRICS_PORT" not in env_of(shop.url(name))
        assert shop.metrics_ports == {}


def test_asked_for_metrics_each_service_gets_a_loopback_metrics_port_of_its_own(shop_root):
    with make_shop(shop_root, serving, metrics=True) as shop:
        shop.up()
        seen = {name: env_of(shop.url(name)) for name in ("cart", "frontend")}
        ports = {name: int(env["METRICS_PORT"]) for name, env in seen.items()}
        assert ports == shop.metrics_ports
        assert len(set(ports.values())) == 2
        assert not set(ports.values()) & {shop.port(s) for s in shop.services}
        assert {env["METRICS_HOST"] for env in seen.values()} == {"127.0.0.1"}
        assert shop.metrics_url("cart") == f"http://127.0.0.1:{ports['cart']}/metrics"


def test_down_stops_every_process(shop_root):
    shop = make_shop(shop_root, serving)
    shop.up()
    processes = [s.process for s in shop.started]
    shop.down()
    assert all(p.poll() is not None for p in processes)


def test_a_service_that_dies_at_start_fails_the_shop_with_its_log(shop_root):
    def crashing(service) -> Runtime:
        if service.name == "frontend":
            return Runtime(
                "python", (), ("python3", "-c", "print('bad config'); raise SystemExit(3)")
            )
        return serving(service)

    shop = make_shop(shop_root, crashing)
    with pytest.raises(ShopError, match=r"frontend exited with code 3(.|\n)*bad config"):
        shop.up()
    assert shop.started == []


def test_spans_exported_to_the_receiver_are_kept_by_trace(shop_root):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    with make_shop(shop_root, serving) as shop:
        shop.up(["cart"])
        provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
        exporter = OTLPSpanExporter(endpoint=shop.receiver.endpoint + "/v1/traces")
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("test")
        with tracer.start_as_current_span("PlaceOrder"), tracer.start_as_current_span("GetCart"):
            pass
        provider.shutdown()
        (trace,) = shop.receiver.traces().values()
        assert sorted(s.name for s in trace) == ["GetCart", "PlaceOrder"]
        assert {s.service for s in trace} == {"checkout"}
        assert (shop_root / "shop" / "spans.jsonl").read_text().count("\n") == 2


def test_naming_a_service_starts_only_it_and_what_it_needs(shop_root):
    with make_shop(shop_root, serving) as shop:
        shop.up(["cart"])
        assert [s.name for s in shop.started] == ["redis", "cart"]
