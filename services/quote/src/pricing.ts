// Shipping price by item count: a first-item base rate, a smaller rate for each further item,
// and a cap, all in exact nanos of USD.
import { fromNanos } from "./money.js";
import type { Money } from "./money.js";

export const FIRST_ITEM_NANOS = 5_490_000_000n; // 5.49 USD
export const EXTRA_ITEM_NANOS = 1_250_000_000n; // 1.25 USD
export const CAP_NANOS = 49_990_000_000n; // 49.99 USD, reached at 37 items
export const MAX_ITEMS = 10_000;

export class InvalidItemCount extends Error {}

export function shippingCost(itemCount: number): Money {
  if (!Number.isInteger(itemCount) || itemCount < 0 || itemCount > MAX_ITEMS) {
    throw new InvalidItemCount(`item count must be an integer in [0, ${MAX_ITEMS}], got ${itemCount}`);
  }
  if (itemCount === 0) return fromNanos("USD", 0n);
  const nanos = FIRST_ITEM_NANOS + EXTRA_ITEM_NANOS * BigInt(itemCount - 1);
  return fromNanos("USD", nanos < CAP_NANOS ? nanos : CAP_NANOS);
}
