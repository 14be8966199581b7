import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { format, fromNanos, toNanos } from "../src/money.js";

describe("money", () => {
  it("combines units and nanos into one exact count of nanos", () => {
    assert.equal(toNanos({ currency_code: "USD", units: "12", nanos: 340_000_000 }), 12_340_000_000n);
    assert.equal(toNanos({ currency_code: "USD", units: "-3", nanos: -500_000_000 }), -3_500_000_000n);
  });

  it("keeps int64 units beyond 2^53 exact", () => {
    const big = { currency_code: "USD", units: "9223372036854775807", nanos: 999_999_999 };
    assert.deepEqual(fromNanos("USD", toNanos(big)), big);
  });

  it("splits a negative amount with the sign on both parts", () => {
    assert.deepEqual(fromNanos("EUR", -1_250_000_000n), { currency_code: "EUR", units: "-1", nanos: -250_000_000 });
  });

  it("rejects nanos out of range and mixed signs", () => {
    assert.throws(() => toNanos({ currency_code: "USD", units: "1", nanos: 1_000_000_000 }), RangeError);
    assert.throws(() => toNanos({ currency_code: "USD", units: "1", nanos: -1 }), RangeError);
  });

  it("rejects amounts beyond int64 units", () => {
    assert.throws(() => fromNanos("USD", 2n ** 63n * 1_000_000_000n), RangeError);
  });

  it("formats with at least two decimals and no float rounding", () => {
    assert.equal(format({ currency_code: "USD", units: "16", nanos: 740_000_000 }), "16.74 USD");
    assert.equal(format({ currency_code: "USD", units: "0", nanos: 1 }), "0.000000001 USD");
    assert.equal(format({ currency_code: "EUR", units: "-2", nanos: -500_000_000 }), "-2.50 EUR");
  });
});
