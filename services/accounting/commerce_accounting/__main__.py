"""`python -m commerce_accounting`: consume `orders` from $REDIS_ADDR, serve HTTP on $PORT."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Mapping

import redis

from commerce_accounting.consumer import OrderConsumer, StreamConfig
from commerce_accounting.http import make_server
from commerce_accounting.ledger import Ledger
from commerce_telemetry.logs import configure_logging
from commerce_telemetry.telemetry import setup_telemetry

NAME = "accounting"
DEFAULT_PORT = 9091


def main(env: Mapping[str, str]) -> None:
    configure_logging(NAME, env.get("LOG_LEVEL", "INFO"))
    log = logging.getLogger(__name__)
    telemetry = setup_telemetry(env, NAME)
    host, _, redis_port = env.get("REDIS_ADDR", "127.0.0.1:6379").rpartition(":")
    client = redis.Redis(
        host=host or "127.0.0.1", port=int(redis_port), socket_timeout=5, socket_connect_timeout=3
    )
    config = StreamConfig(
        stream=env.get("ORDERS_STREAM", "orders"),
        group=env.get("ACCOUNTING_GROUP", "accounting"),
        consumer=env.get("ACCOUNTING_CONSUMER", socket.gethostname()),
    )
    ledger = Ledger()
    consumer = OrderConsumer(
        client, config, ledger, telemetry.tracer_provider, telemetry.meter_provider
    )
    stop = threading.Event()
    worker = threading.Thread(target=consumer.run, args=(stop,), name="orders-consumer")
    port = int(env.get("PORT", DEFAULT_PORT))
    server = make_server(
        ("0.0.0.0", port),  # noqa: S104 - reached by probes from outside the container
        ledger,
        consumer.ready,
        worker.is_alive,
        telemetry.tracer_provider,
    )
    http_thread = threading.Thread(target=server.serve_forever, name="http")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.start()
    http_thread.start()
    log.info("listening", extra={"fields": {"port": port, "redis": f"{host}:{redis_port}"}})
    while not stop.wait(0.5):  # bounded: the main thread must wake up to run signal handlers
        pass
    log.info("shutting down")
    consumer.ready.clear()
    worker.join(timeout=10)
    server.shutdown()
    http_thread.join(timeout=5)
    server.server_close()
    client.close()
    telemetry.shutdown()


if __name__ == "__main__":
    main(os.environ)
