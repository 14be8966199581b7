import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";
import pino from "pino";

import { getQuote, listenPort } from "../src/app.js";
import type { QuoteRequest, QuoteResponse } from "../src/app.js";

const silent = pino({ level: "silent" }, new Writable({ write: (_chunk, _enc, done) => done() }));

function call(itemCount: number): Promise<{ error: grpc.ServiceError | null; value?: QuoteResponse }> {
  const handler = getQuote(silent);
  const request = { request: { item_count: itemCount } } as grpc.ServerUnaryCall<QuoteRequest, QuoteResponse>;
  return new Promise((resolve) => handler(request, (error, value) => resolve({ error: error as grpc.ServiceError | null, value: value ?? undefined })));
}

describe("GetQuote handler", () => {
  it("answers with the cost in USD", async () => {
    const { error, value } = await call(2);
    assert.equal(error, null);
    assert.deepEqual(value, { cost_usd: { currency_code: "USD", units: "6", nanos: 740_000_000 } });
  });

  it("answers INVALID_ARGUMENT for a negative count", async () => {
    const { error } = await call(-3);
    assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
  });
});

describe("listenPort", () => {
  it("defaults to the contract port and reads PORT", () => {
    assert.equal(listenPort({}), 8090);
    assert.equal(listenPort({ PORT: "9000" }), 9000);
  });

  it("rejects a malformed PORT", () => {
    assert.throws(() => listenPort({ PORT: "abc" }), /PORT/);
  });
});
