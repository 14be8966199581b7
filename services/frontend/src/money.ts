// Exact money in the wire form: int64 units (a decimal string, as the loader delivers them)
// plus int32 nanos, handled as one bigint count of nanos. Never a float.

export interface Money {
  currency_code: string;
  units: string;
  nanos: number;
}

export const NANOS_PER_UNIT = 1_000_000_000n;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

export function toNanos(money: Money): bigint {
  const units = BigInt(money.units);
  const { nanos } = money;
  if (!Number.isInteger(nanos) || nanos < -999_999_999 || nanos > 999_999_999) {
    throw new RangeError(`nanos ${nanos} outside ±999999999`);
  }
  if ((units > 0n && nanos < 0) || (units < 0n && nanos > 0)) {
    throw new RangeError(`units ${units} and nanos ${nanos} have different signs`);
  }
  return units * NANOS_PER_UNIT + BigInt(nanos);
}

export function fromNanos(currencyCode: string, total: bigint): Money {
  // bigint division truncates toward zero, so both parts keep the sign of the total.
  const units = total / NANOS_PER_UNIT;
  if (units > INT64_MAX || units < INT64_MIN) {
    throw new RangeError("amount does not fit in int64 units");
  }
  return { currency_code: currencyCode, units: units.toString(), nanos: Number(total % NANOS_PER_UNIT) };
}

/** "12.340000000"-style decimal, for logs and humans. */
export function format(money: Money): string {
  const total = toNanos(money);
  const sign = total < 0n ? "-" : "";
  const abs = total < 0n ? -total : total;
  const fraction = (abs % NANOS_PER_UNIT).toString().padStart(9, "0").replace(/0{1,7}$/, "");
  return `${sign}${abs / NANOS_PER_UNIT}.${fraction.padEnd(2, "0")} ${money.currency_code}`;
}

/** `money` times a whole quantity, exactly. */
export function multiply(money: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity)) throw new RangeError(`quantity ${quantity} is not an integer`);
  return fromNanos(money.currency_code, toNanos(money) * BigInt(quantity));
}

/** The sum of amounts that all share `currencyCode`. */
export function sum(currencyCode: string, amounts: readonly Money[]): Money {
  let total = 0n;
  for (const amount of amounts) {
    if (amount.currency_code !== currencyCode) {
      throw new RangeError(`cannot add ${amount.currency_code} to ${currencyCode}`);
    }
    total += toNanos(amount);
  }
  return fromNanos(currencyCode, total);
}
