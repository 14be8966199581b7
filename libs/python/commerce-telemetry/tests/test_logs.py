from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from commerce_telemetry.logs import JsonFormatter


def record(message: str, **fields: object) -> logging.LogRecord:
    rec = logging.LogRecord("x", logging.INFO, __file__, 1, message, None, None)
    rec.fields = fields  # type: ignore[attr-defined]
    return rec


def test_a_line_is_json_with_level_message_and_fields() -> None:
    line = json.loads(JsonFormatter("email").format(record("sent", to="a@b.c")))
    assert (line["level"], line["message"], line["to"]) == ("info", "sent", "a@b.c")
    assert "trace_id" not in line


def test_inside_a_span_the_line_carries_its_ids() -> None:
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("s") as span:
        line = json.loads(JsonFormatter("email").format(record("sent")))
    context = span.get_span_context()
    assert line["trace_id"] == f"{context.trace_id:032x}"
    assert line["span_id"] == f"{context.span_id:016x}"
