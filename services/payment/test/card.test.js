"use strict";
const assert = require("node:assert/strict");
const { describe, it } = require("node:test");

const { CardError, cardType, expired, luhnValid, normalize, validateCard } = require("../src/card");

const NOW = new Date(Date.UTC(2026, 5, 15)); // June 2026

function card(overrides = {}) {
  return {
    credit_card_number: "4111 1111 1111 1111",
    credit_card_cvv: 123,
    credit_card_expiration_year: 2030,
    credit_card_expiration_month: 1,
    ...overrides,
  };
}

describe("Luhn", () => {
  it("accepts well-known valid test numbers", () => {
    for (const number of ["4111111111111111", "5555555555554444", "2223003122003222", "378282246310005"]) {
      assert.ok(luhnValid(number), number);
    }
  });

  it("rejects a number with one digit changed", () => {
    assert.equal(luhnValid("4111111111111112"), false);
  });

  it("catches swapped neighbouring digits", () => {
    assert.equal(luhnValid("4111111111111211"), false);
  });
});

describe("card number format", () => {
  it("allows spaces and dashes as separators", () => {
    assert.equal(normalize("4111-1111 1111-1111"), "4111111111111111");
  });

  it("rejects letters and wrong lengths", () => {
    assert.throws(() => normalize("4111a11111111111"), CardError);
    assert.throws(() => normalize("41111111111"), CardError);
    assert.throws(() => normalize("41111111111111111111"), CardError);
  });
});

describe("card type", () => {
  it("recognizes visa by its 4 prefix", () => {
    assert.equal(cardType("4111111111111111"), "visa");
    assert.equal(cardType("4222222222222"), "visa");
  });

  it("recognizes mastercard in both the 51-55 and 2221-2720 ranges", () => {
    assert.equal(cardType("5555555555554444"), "mastercard");
    assert.equal(cardType("2223003122003222"), "mastercard");
    assert.equal(cardType("2721000000000000"), "unknown");
  });

  it("recognizes brands it does not accept", () => {
    assert.equal(cardType("378282246310005"), "amex");
    assert.equal(cardType("6011111111111117"), "discover");
  });
});

describe("expiry", () => {
  it("keeps a card valid through its expiration month", () => {
    assert.equal(expired(2026, 6, NOW), false);
  });

  it("expires a card from the month after", () => {
    assert.equal(expired(2026, 5, NOW), true);
    assert.equal(expired(2025, 12, NOW), true);
  });

  it("rejects impossible months and two-digit years", () => {
    assert.throws(() => expired(2030, 13, NOW), CardError);
    assert.throws(() => expired(2030, 0, NOW), CardError);
    assert.throws(() => expired(30, 1, NOW), CardError);
  });
});

describe("validateCard", () => {
  it("returns the type and last four digits of a good card", () => {
    assert.deepEqual(validateCard(card(), NOW), { type: "visa", lastFour: "1111" });
  });

  it("refuses a number failing the Luhn check", () => {
    assert.throws(() => validateCard(card({ credit_card_number: "4111111111111112" }), NOW), /Luhn/);
  });

  it("refuses cards other than visa and mastercard", () => {
    assert.throws(() => validateCard(card({ credit_card_number: "378282246310005" }), NOW), /amex is not accepted/);
  });

  it("refuses an expired card, naming its expiry", () => {
    const old = card({ credit_card_expiration_year: 2026, credit_card_expiration_month: 5 });
    assert.throws(() => validateCard(old, NOW), /expired 05\/2026/);
  });

  it("refuses a CVV beyond three digits", () => {
    assert.throws(() => validateCard(card({ credit_card_cvv: 1234 }), NOW), /CVV/);
  });

  it("refuses a missing card", () => {
    assert.throws(() => validateCard(undefined, NOW), CardError);
  });
});
