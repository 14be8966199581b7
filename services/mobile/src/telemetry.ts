// The app's traces: every fetch to the shop becomes a client span whose W3C `traceparent` goes
// with the request, so the frontend continues the trace through checkout, payment, shipping and
// the rest; spans leave over OTLP/HTTP (protobuf), like every service's.
//
// React Native has no DOM: the web SDK's provider and fetch instrumentation work here because
// nothing below asks for `location` or resource timing (the shop is named explicitly as a
// trace-header destination, and timing resources are not cleared).
import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { FetchInstrumentation } from "@opentelemetry/instrumentation-fetch";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { WebTracerProvider } from "@opentelemetry/sdk-trace-web";

export const SERVICE_NAME = "mobile-app";

export interface TelemetryConfig {
  /** The shop's base URL: requests there carry `traceparent`. */
  shopUrl: string;
  /** OTLP/HTTP base URL (…/v1/traces is appended); undefined: spans are not exported. */
  otlpEndpoint: string | undefined;
  /** Resource attributes such as os.name and service.version. */
  attributes: Record<string, string>;
}

export interface Telemetry {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The exporter's span processor, or none without an endpoint. */
export function exportProcessors(otlpEndpoint: string | undefined): SpanProcessor[] {
  const base = otlpEndpoint?.trim().replace(/\/+$/, "");
  if (!base) return [];
  const exporter = new OTLPTraceExporter({ url: `${base}/v1/traces` });
  return [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })];
}

/**
 * The SDK dates spans from `performance.timeOrigin + performance.now()`. React Native 0.81's
 * `performance` has no `timeOrigin`, so every timestamp would be NaN: give it the one the clock
 * implies.
 */
export function ensureTimeOrigin(perf: { now(): number; timeOrigin?: number } | undefined = globalThis.performance): void {
  if (perf && typeof perf.timeOrigin !== "number") {
    Object.defineProperty(perf, "timeOrigin", { value: Date.now() - perf.now(), configurable: true });
  }
}

/** Registers the provider and the fetch instrumentation; `processors` defaults to the exporter. */
export function startTelemetry(
  config: TelemetryConfig,
  processors: SpanProcessor[] = exportProcessors(config.otlpEndpoint),
): Telemetry {
  ensureTimeOrigin();
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({ "service.name": SERVICE_NAME, ...config.attributes }),
    spanProcessors: processors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const shopOrigin = new URL(config.shopUrl).origin;
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new FetchInstrumentation({
        propagateTraceHeaderCorsUrls: [new RegExp(`^${escapeRegExp(shopOrigin)}(/|$)`)],
        clearTimingResources: false,
      }),
    ],
  });
  return {
    tracer: provider.getTracer(SERVICE_NAME),
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}

/** Runs `work` under a span named after the user's action, so its fetches are its children. */
export function traced<T>(name: string, work: () => Promise<T>): Promise<T> {
  return trace.getTracer(SERVICE_NAME).startActiveSpan(name, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
