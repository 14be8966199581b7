"use strict";
// Exact money in the wire form: int64 units (a decimal string from the loader) plus int32 nanos,
// handled as one bigint count of nanos. Never a float.

const NANOS_PER_UNIT = 1_000_000_000n;

class AmountError extends Error {}

function toNanos(money) {
  if (!money) throw new AmountError("amount is required");
  if (!/^-?\d+$/.test(String(money.units))) throw new AmountError(`units ${money.units} is not an integer`);
  const units = BigInt(money.units);
  const { nanos } = money;
  if (!Number.isInteger(nanos) || nanos < -999_999_999 || nanos > 999_999_999) {
    throw new AmountError(`nanos ${nanos} outside ±999999999`);
  }
  if ((units > 0n && nanos < 0) || (units < 0n && nanos > 0)) {
    throw new AmountError("units and nanos have different signs");
  }
  return units * NANOS_PER_UNIT + BigInt(nanos);
}

/** A chargeable amount: well formed, positive, with an ISO 4217-shaped currency code. */
function validateAmount(money) {
  const nanos = toNanos(money);
  if (!/^[A-Z]{3}$/.test(money.currency_code)) {
    throw new AmountError(`currency code ${JSON.stringify(money.currency_code)} is not ISO 4217`);
  }
  if (nanos <= 0n) throw new AmountError("amount must be positive");
  return nanos;
}

function format(money) {
  const total = toNanos(money);
  const abs = total < 0n ? -total : total;
  const fraction = (abs % NANOS_PER_UNIT).toString().padStart(9, "0").replace(/0{1,7}$/, "");
  return `${total < 0n ? "-" : ""}${abs / NANOS_PER_UNIT}.${fraction.padEnd(2, "0")} ${money.currency_code}`;
}

module.exports = { AmountError, NANOS_PER_UNIT, format, toNanos, validateAmount };
