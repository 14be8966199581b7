"""The `orders` stream read through a consumer group: each entry decoded, booked, traced, acked.

An entry is acked once booked, and also when it cannot be decoded: a poison entry must not
block the group forever (it is logged and counted instead). On start the consumer first reads
its own pending entries (delivered before a crash, never acked), then new ones.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from google.protobuf.message import DecodeError
from opentelemetry import trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import SpanKind, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from commerce.v1 import commerce_pb2
from commerce_accounting.ledger import Ledger

log = logging.getLogger(__name__)

PROPAGATOR = TraceContextTextMapPropagator()
#: Seconds to wait before retrying after Redis failed.
RETRY_SECONDS = 1.0


class StreamClient(Protocol):
    """The part of redis.Redis the consumer uses (a fake stands in for it in tests)."""

    def xgroup_create(self, name: str, groupname: str, id: str, mkstream: bool) -> Any: ...

    def xreadgroup(
        self, groupname: str, consumername: str, streams: Mapping[str, str], count: int, block: int
    ) -> Any: ...

    def xack(self, name: str, groupname: str, *ids: Any) -> Any: ...


@dataclass(frozen=True)
class StreamConfig:
    stream: str = "orders"
    group: str = "accounting"
    consumer: str = "accounting-1"
    batch: int = 50
    block_ms: int = 1000


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class OrderConsumer:
    def __init__(
        self,
        client: StreamClient,
        config: StreamConfig,
        ledger: Ledger,
        tracer_provider: TracerProvider,
        meter_provider: MeterProvider,
    ) -> None:
        self._client = client
        self._config = config
        self._ledger = ledger
        self._tracer = tracer_provider.get_tracer(__name__)
        meter = meter_provider.get_meter(__name__)
        self._booked = meter.create_counter("accounting.orders", unit="{order}")
        self._rejected = meter.create_counter("accounting.orders.rejected", unit="{order}")
        self._cursor = "0"
        self.ready = threading.Event()

    def ensure_group(self) -> None:
        """Create the group (reading the stream from its start) unless it exists."""
        try:
            self._client.xgroup_create(
                self._config.stream, self._config.group, id="0", mkstream=True
            )
        except Exception as error:
            if "BUSYGROUP" not in str(error):
                raise

    def poll(self) -> int:
        """One XREADGROUP round; returns the number of entries handled."""
        entries = self._read()
        if self._cursor == "0" and not entries:
            self._cursor = ">"  # the pending backlog is done: from now on, new entries only
            entries = self._read()
        for entry_id, fields in entries:
            self.handle(_text(entry_id) or "", fields or {})
        return len(entries)

    def _read(self) -> list[tuple[bytes | str, Mapping[bytes | str, bytes | str] | None]]:
        response = self._client.xreadgroup(
            self._config.group,
            self._config.consumer,
            {self._config.stream: self._cursor},
            count=self._config.batch,
            block=self._config.block_ms,
        )
        return [entry for _, batch in response or () for entry in batch]

    def handle(self, entry_id: str, fields: Mapping[bytes | str, bytes | str]) -> None:
        decoded = {_text(key): value for key, value in fields.items()}
        carrier = {"traceparent": _text(decoded.get("traceparent")) or ""}
        if tracestate := _text(decoded.get("tracestate")):
            carrier["tracestate"] = tracestate
        parent = PROPAGATOR.extract(carrier)
        with self._tracer.start_as_current_span(
            f"{self._config.stream} process",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "redis",
                "messaging.destination.name": self._config.stream,
                "messaging.consumer.group.name": self._config.group,
                "messaging.message.id": entry_id,
            },
        ) as span:
            try:
                self._book(entry_id, decoded.get("order"))
            except (DecodeError, ValueError) as error:
                span.set_status(trace.Status(trace.StatusCode.ERROR, str(error)))
                self._rejected.add(1)
                log.error(
                    "order entry rejected",
                    extra={"fields": {"entry_id": entry_id, "error": str(error)}},
                )
            self._client.xack(self._config.stream, self._config.group, entry_id)

    def _book(self, entry_id: str, payload: bytes | str | None) -> None:
        if not isinstance(payload, bytes):
            raise ValueError("entry has no binary `order` field")
        order = commerce_pb2.OrderResult.FromString(payload)
        total = order.total
        booked = self._ledger.record(total.currency_code, total.units, total.nanos)
        self._booked.add(1, {"currency": total.currency_code})
        log.info(
            "order booked",
            extra={
                "fields": {
                    "entry_id": entry_id,
                    "order_id": order.order_id,
                    "currency": total.currency_code,
                    "currency_total": booked.as_json()["amount"],
                }
            },
        )

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set; Redis failures make the service unready until it recovers."""
        while not stop.is_set():
            try:
                if not self.ready.is_set():
                    self.ensure_group()
                    self.ready.set()
                    log.info("consuming", extra={"fields": {"stream": self._config.stream}})
                self.poll()
            except Exception as error:  # any Redis failure: retry, never die
                if self.ready.is_set():
                    log.warning("redis failed", extra={"fields": {"error": str(error)}})
                self.ready.clear()
                stop.wait(RETRY_SECONDS)
            else:
                time.sleep(0)
