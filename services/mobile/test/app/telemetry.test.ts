import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { waitFor } from "@testing-library/react-native";

import { createApi } from "../../src/api";
import type { Telemetry } from "../../src/telemetry";
import { ensureTimeOrigin, startTelemetry, traced } from "../../src/telemetry";

const SHOP = "https://shop.test";
const exporter = new InMemorySpanExporter();
const sent: { url: string; headers: Headers }[] = [];
let telemetry: Telemetry;

beforeAll(() => {
  // The network as the instrumentation finds it: a global fetch, wrapped by startTelemetry.
  globalThis.fetch = (async (url: string, init?: RequestInit) => {
    sent.push({ url, headers: new Headers(init?.headers) });
    const response = new Response(JSON.stringify({ order_id: "order-1" }), { status: 200 });
    // A real fetch's response knows where it came from; the instrumentation reads it.
    return Object.defineProperty(response, "url", { value: url });
  }) as typeof fetch;
  telemetry = startTelemetry({ shopUrl: SHOP, otlpEndpoint: undefined, attributes: { "os.name": "android" } }, [
    new SimpleSpanProcessor(exporter),
  ]);
});

afterAll(() => telemetry.shutdown());

beforeEach(() => {
  exporter.reset();
  sent.length = 0;
});

const appApi = () => createApi(SHOP, "user-1", (url, init) => fetch(url, init));

async function finished(count: number): Promise<ReadableSpan[]> {
  await waitFor(() => expect(exporter.getFinishedSpans()).toHaveLength(count));
  return exporter.getFinishedSpans();
}

describe("ensureTimeOrigin", () => {
  it("dates spans from the wall clock where performance has no timeOrigin (React Native 0.81)", () => {
    const perf = { now: () => 5_000 };
    ensureTimeOrigin(perf);
    expect(Math.abs((perf as { timeOrigin?: number }).timeOrigin! + 5_000 - Date.now())).toBeLessThan(1_000);
  });

  it("keeps a timeOrigin the runtime has", () => {
    const perf = { now: () => 5_000, timeOrigin: 42 };
    ensureTimeOrigin(perf);
    expect(perf.timeOrigin).toBe(42);
  });
});

describe("app telemetry", () => {
  it("sends the fetch span's traceparent with a checkout, under the checkout span", async () => {
    await traced("checkout", () => appApi().checkout({} as never));

    const spans = await finished(2);
    const root = spans.find((s) => s.name === "checkout")!;
    const call = spans.find((s) => s.name !== "checkout")!;
    const { traceId, spanId } = call.spanContext();
    expect(sent[0].headers.get("traceparent")).toBe(`00-${traceId}-${spanId}-01`);
    expect(traceId).toBe(root.spanContext().traceId);
    expect(call.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(call.attributes).toMatchObject({ "http.request.method": "POST", "url.full": `${SHOP}/api/checkout` });
    expect(call.resource.attributes["service.name"]).toBe("mobile-app");
    expect(call.startTime[0]).toBeGreaterThan(1_600_000_000); // seconds since the epoch, not NaN
    expect(call.endTime[0]).toBeGreaterThanOrEqual(call.startTime[0]);
  });

  it("never hands the trace context to hosts other than the shop", async () => {
    await fetch("https://elsewhere.test/api/checkout");

    await finished(1);
    expect(sent[0].headers.get("traceparent")).toBeNull();
  });

  it("marks a failed action's span as an error", async () => {
    await expect(traced("add to cart", () => Promise.reject(new Error("out of stock")))).rejects.toThrow("out of stock");

    const [span] = await finished(1);
    expect(span.status).toMatchObject({ code: 2, message: "Error: out of stock" });
  });
});
