import { formatMoney } from "../../src/money";

describe("formatMoney", () => {
  it.each([
    [{ currency_code: "USD", units: "0", nanos: 0 }, "USD 0.00"],
    [{ currency_code: "EUR", units: 1234567, nanos: 899_999_999 }, "EUR 1,234,567.89"],
    [{ currency_code: "JPY", units: "-3", nanos: -500_000_000 }, "JPY -3.50"],
    [{ currency_code: "GBP", units: "9007199254740993" }, "GBP 9,007,199,254,740,993.00"],
  ])("shows %j as %s", (money, text) => {
    expect(formatMoney(money)).toBe(text);
  });
});
