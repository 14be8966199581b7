"""The consumer against a small in-memory stand-in for a Redis stream with one group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from commerce.v1 import commerce_pb2
from commerce_accounting.consumer import OrderConsumer, StreamConfig
from commerce_accounting.ledger import Ledger, from_nanos

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


class FakeStream:
    """Entries, one group's delivery cursor, the consumer's pending list, and the acks."""

    def __init__(self) -> None:
        self.entries: list[tuple[bytes, dict[bytes, bytes]]] = []
        self.groups: set[str] = set()
        self.delivered = 0
        self.pending: list[bytes] = []
        self.acked: list[str] = []

    def add(self, fields: dict[bytes, bytes]) -> None:
        self.entries.append((f"{len(self.entries) + 1}-0".encode(), fields))

    def xgroup_create(self, name: str, groupname: str, id: str, mkstream: bool) -> Any:
        if groupname in self.groups:
            raise RuntimeError("BUSYGROUP Consumer Group name already exists")
        self.groups.add(groupname)

    def xreadgroup(
        self, groupname: str, consumername: str, streams: Mapping[str, str], count: int, block: int
    ) -> Any:
        (cursor,) = streams.values()
        if cursor == "0":
            batch = [e for e in self.entries if e[0] in self.pending]
        else:
            batch = self.entries[self.delivered : self.delivered + count]
            self.delivered += len(batch)
            self.pending += [entry_id for entry_id, _ in batch]
        return [[b"orders", batch]] if batch else []

    def xack(self, name: str, groupname: str, *ids: Any) -> Any:
        self.acked += ids
        self.pending = [p for p in self.pending if p.decode() not in ids]


def order_fields(currency: str, units: int, nanos: int) -> dict[bytes, bytes]:
    order = commerce_pb2.OrderResult(
        order_id=f"o-{units}",
        total=commerce_pb2.Money(currency_code=currency, units=units, nanos=nanos),
    )
    return {b"order": order.SerializeToString(), b"traceparent": TRACEPARENT.encode()}


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def stream() -> FakeStream:
    return FakeStream()


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture
def consumer(stream: FakeStream, ledger: Ledger, spans: InMemorySpanExporter) -> OrderConsumer:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    consumer = OrderConsumer(stream, StreamConfig(), ledger, tracer_provider, MeterProvider())
    consumer.ensure_group()
    return consumer


def test_orders_are_booked_per_currency_and_acked(
    consumer: OrderConsumer, stream: FakeStream, ledger: Ledger
) -> None:
    stream.add(order_fields("USD", 10, 500_000_000))
    stream.add(order_fields("USD", 0, 600_000_000))
    stream.add(order_fields("EUR", 3, 0))
    while consumer.poll():
        pass
    totals = ledger.snapshot()
    assert from_nanos(totals["USD"].nanos) == (11, 100_000_000) and totals["USD"].orders == 2
    assert from_nanos(totals["EUR"].nanos) == (3, 0)
    assert stream.acked == ["1-0", "2-0", "3-0"]


def test_creating_an_existing_group_is_not_an_error(consumer: OrderConsumer) -> None:
    consumer.ensure_group()


def test_the_consumer_span_continues_the_trace_of_the_entry(
    consumer: OrderConsumer, stream: FakeStream, spans: InMemorySpanExporter
) -> None:
    stream.add(order_fields("USD", 1, 0))
    while consumer.poll():
        pass
    (span,) = spans.get_finished_spans()
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "00f067aa0ba902b7"
    assert span.name == "orders process"


def test_a_poison_entry_is_acked_without_touching_the_totals(
    consumer: OrderConsumer, stream: FakeStream, ledger: Ledger
) -> None:
    stream.add({b"order": b"\xff\xff not protobuf"})
    stream.add({b"note": b"no order at all"})
    while consumer.poll():
        pass
    assert ledger.snapshot() == {}
    assert stream.acked == ["1-0", "2-0"]


def test_pending_entries_of_a_previous_run_are_booked_first(
    stream: FakeStream, ledger: Ledger, consumer: OrderConsumer
) -> None:
    stream.add(order_fields("USD", 7, 0))
    stream.xreadgroup("accounting", "accounting-1", {"orders": ">"}, count=10, block=0)
    assert stream.pending == [b"1-0"]  # delivered to a run that died before acking
    consumer.poll()
    assert from_nanos(ledger.snapshot()["USD"].nanos) == (7, 0)
    assert stream.pending == []
