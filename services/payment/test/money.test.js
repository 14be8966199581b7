"use strict";
const assert = require("node:assert/strict");
const { describe, it } = require("node:test");

const { AmountError, format, toNanos, validateAmount } = require("../src/money");

describe("money", () => {
  it("keeps int64 units exact beyond 2^53", () => {
    assert.equal(toNanos({ currency_code: "USD", units: "9007199254740993", nanos: 1 }), 9007199254740993000000001n);
  });

  it("accepts a positive amount in an ISO currency", () => {
    assert.equal(validateAmount({ currency_code: "EUR", units: "0", nanos: 10_000_000 }), 10_000_000n);
  });

  it("refuses zero, negative and malformed amounts", () => {
    for (const bad of [
      { currency_code: "USD", units: "0", nanos: 0 },
      { currency_code: "USD", units: "-1", nanos: 0 },
      { currency_code: "USD", units: "1", nanos: -5 },
      { currency_code: "USD", units: "1.5", nanos: 0 },
      { currency_code: "usd", units: "1", nanos: 0 },
    ]) {
      assert.throws(() => validateAmount(bad), AmountError, JSON.stringify(bad));
    }
    assert.throws(() => validateAmount(undefined), AmountError);
  });

  it("formats exactly", () => {
    assert.equal(format({ currency_code: "USD", units: "19", nanos: 990_000_000 }), "19.99 USD");
  });
});
