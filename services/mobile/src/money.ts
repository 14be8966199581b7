// Money as the frontend's API sends it: int64 units (a decimal string, or a number) and nanos.
// Shown to the nearest cent by string arithmetic, never through a float.

export interface Money {
  currency_code: string;
  units: string | number;
  nanos?: number;
}

/** "EUR 1,234.50": the sign, the grouped units and two decimals (nanos truncated to cents). */
export function formatMoney(money: Money): string {
  const units = String(money.units);
  const nanos = money.nanos ?? 0;
  const negative = units.startsWith("-") || nanos < 0;
  const whole = units.replace(/^-/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = String(Math.trunc(Math.abs(nanos) / 10_000_000)).padStart(2, "0");
  return `${money.currency_code} ${negative ? "-" : ""}${whole}.${cents}`;
}
