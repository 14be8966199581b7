// JSON log lines on stdout carrying the active span's trace and span ids.
import { trace } from "@opentelemetry/api";
import pino from "pino";
import type { Logger } from "pino";

export function createLogger(service: string, level = "info"): Logger {
  return pino({
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
  });
}

export type { Logger };
