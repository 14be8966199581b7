"""The receiver's trace pages, from received spans (the browser test is
tests/integration/test_trace_pages.py)."""

from __future__ import annotations

from pipelines.shop.otlp import ReceivedSpan
from pipelines.shop.trace_pages import render_get, trace_bars

TRACE = "ab" * 16
MS = 1_000_000


def _span(span_id: str, parent: str, service: str, start: int, end: int, code: int = 0):
    return ReceivedSpan(TRACE, span_id, parent, f"op-{span_id}", service, 1, code,
                        (1000 + start) * MS, (1000 + end) * MS, "", (("k", "v"),))  # fmt: skip


SPANS = [
    _span("c2", "b1", "payment", 30, 40, code=2),
    _span("a0", "", "frontend", 0, 100),
    _span("b1", "a0", "checkout", 10, 90),
    _span("b2", "a0", "cart", 5, 8),
]


def test_spans_are_drawn_as_a_tree_children_by_start_time() -> None:
    bars = trace_bars(SPANS).bars
    assert [(b.label, b.depth) for b in bars] == [
        ("frontend: op-a0", 0),
        ("cart: op-b2", 1),
        ("checkout: op-b1", 1),
        ("payment: op-c2", 2),
    ]
    assert (bars[3].start_s, bars[3].end_s, bars[3].status) == (0.03, 0.04, "error")


def test_the_list_names_the_root_the_services_and_the_errors() -> None:
    status, page = render_get("/", {TRACE: SPANS})
    text = page.decode()
    assert status == 200
    assert f'data-trace="{TRACE}" data-errors="1"' in text
    assert "frontend: op-a0" in text and "cart, checkout, frontend, payment" in text


def test_a_trace_page_shows_every_span_with_its_attributes() -> None:
    status, page = render_get(f"/traces/{TRACE}", {TRACE: SPANS})
    assert status == 200
    assert page.decode().count('data-kind="span"') == 4
    assert "<dt>k</dt><dd>v</dd>" in page.decode()


def test_an_unknown_path_is_404() -> None:
    assert render_get("/traces/" + "0" * 32, {TRACE: SPANS})[0] == 404
    assert render_get("/v1/traces", {})[0] == 404
