import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { multiply, sum } from "../src/money.js";

describe("money", () => {
  it("multiplies by a quantity exactly", () => {
    assert.deepEqual(multiply({ currency_code: "USD", units: "0", nanos: 100_000_000 }, 3), {
      currency_code: "USD",
      units: "0",
      nanos: 300_000_000,
    });
  });

  it("sums amounts of one currency, carrying nanos into units", () => {
    const a = { currency_code: "EUR", units: "1", nanos: 600_000_000 };
    assert.deepEqual(sum("EUR", [a, a]), { currency_code: "EUR", units: "3", nanos: 200_000_000 });
  });

  it("refuses to add different currencies", () => {
    assert.throws(() => sum("EUR", [{ currency_code: "USD", units: "1", nanos: 0 }]), RangeError);
  });
});
