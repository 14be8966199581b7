import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { InvalidItemCount, shippingCost } from "../src/pricing.js";

describe("shippingCost", () => {
  it("is free when nothing ships", () => {
    assert.deepEqual(shippingCost(0), { currency_code: "USD", units: "0", nanos: 0 });
  });

  it("charges the first-item rate for one item", () => {
    assert.deepEqual(shippingCost(1), { currency_code: "USD", units: "5", nanos: 490_000_000 });
  });

  it("adds 1.25 USD for each further item, exactly", () => {
    // 5.49 + 9 * 1.25 = 16.74
    assert.deepEqual(shippingCost(10), { currency_code: "USD", units: "16", nanos: 740_000_000 });
  });

  it("stops at the cap", () => {
    // 5.49 + 35 * 1.25 = 49.24 is below the cap; one more item would be 50.49.
    assert.deepEqual(shippingCost(36), { currency_code: "USD", units: "49", nanos: 240_000_000 });
    assert.deepEqual(shippingCost(37), { currency_code: "USD", units: "49", nanos: 990_000_000 });
    assert.deepEqual(shippingCost(10_000), { currency_code: "USD", units: "49", nanos: 990_000_000 });
  });

  it("refuses negative, fractional and absurd counts", () => {
    for (const count of [-1, 1.5, Number.NaN, 10_001]) {
      assert.throws(() => shippingCost(count), InvalidItemCount, `count ${count}`);
    }
  });
});
