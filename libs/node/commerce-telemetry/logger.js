"use strict";
// JSON log lines on stdout carrying the active span's trace and span ids.
const { trace } = require("@opentelemetry/api");
const pino = require("pino");

function createLogger(service, level = "info", destination = undefined) {
  return pino(
    {
      level,
      base: { service },
      messageKey: "message",
      // Same key as the other services' logs.
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    destination,
  );
}

module.exports = { createLogger };
