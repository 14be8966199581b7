"""The Locust user: a `Shopper` journey over Locust's HTTP client, plus health routes and OTel.

Weights follow a real shop: many browse, fewer add to cart, a few check out.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Mapping
from typing import Any

from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.exception import RescheduleTask
from opentelemetry.instrumentation.requests import RequestsInstrumentor

from commerce_load_generator.journey import Shopper
from commerce_telemetry.logs import configure_logging
from commerce_telemetry.telemetry import Telemetry, setup_telemetry

NAME = "load-generator"
log = logging.getLogger(__name__)


class LocustApi:
    """`ShopApi` over Locust's client: a failed request is recorded by Locust, then the task
    is rescheduled, since the rest of the journey would only fail after it."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def get_json(self, path: str, name: str) -> Any:
        return self._json(self._client.get(path, name=name, timeout=10))

    def post_json(self, path: str, body: Mapping[str, Any], name: str) -> Any:
        return self._json(self._client.post(path, json=dict(body), name=name, timeout=30))

    @staticmethod
    def _json(response: Any) -> Any:
        if not response.ok:
            raise RescheduleTask()
        return response.json() if response.content else None


class ShopUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.shopper = Shopper(LocustApi(self.client), random.Random())  # noqa: S311
        self.shopper.start()

    @task(10)
    def browse(self) -> None:
        self.shopper.browse()

    @task(8)
    def view_product(self) -> None:
        self.shopper.view_product()

    @task(4)
    def add_to_cart(self) -> None:
        self.shopper.add_to_cart()

    @task(3)
    def view_cart(self) -> None:
        self.shopper.view_cart()

    @task(1)
    def checkout(self) -> None:
        self.shopper.checkout()


def add_health_routes(environment: Environment) -> None:
    """/healthz and /readyz on the web UI's Flask app, beside Locust's own pages."""
    if environment.web_ui is None:
        return
    app = environment.web_ui.app

    def healthz() -> tuple[dict[str, bool], int]:
        return {"ok": True}, 200

    def readyz() -> tuple[dict[str, bool], int]:
        ready = environment.runner is not None
        return {"ok": ready}, 200 if ready else 503

    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)


@events.init.add_listener
def on_init(environment: Environment, **_: Any) -> None:
    configure_logging(NAME, os.environ.get("LOG_LEVEL", "INFO"))
    telemetry: Telemetry = setup_telemetry(os.environ, NAME)
    RequestsInstrumentor().instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    add_health_routes(environment)

    @events.quit.add_listener
    def on_quit(**_: Any) -> None:
        telemetry.shutdown()

    log.info("load generator ready", extra={"fields": {"host": environment.host}})
