"use strict";
const assert = require("node:assert/strict");
const { Writable } = require("node:stream");
const { describe, it } = require("node:test");

const grpc = require("@grpc/grpc-js");

const { chargeHandler } = require("../src/charge");
const { createLogger } = require("commerce-telemetry/logger");

const NOW = new Date(Date.UTC(2026, 5, 15));
const AMOUNT = { currency_code: "USD", units: "42", nanos: 500_000_000 };
const CARD = {
  credit_card_number: "5555555555554444",
  credit_card_cvv: 321,
  credit_card_expiration_year: 2027,
  credit_card_expiration_month: 3,
};

function capture() {
  const lines = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger("payment", "info", stream), lines };
}

function charge(handler, request) {
  return new Promise((resolve) => handler({ request }, (error, value) => resolve({ error, value })));
}

describe("Charge", () => {
  it("returns a transaction id for a valid card and amount", async () => {
    const { log } = capture();
    const handler = chargeHandler(log, () => NOW, () => "tx-1");
    const { error, value } = await charge(handler, { amount: AMOUNT, credit_card: CARD });
    assert.equal(error, null);
    assert.deepEqual(value, { transaction_id: "tx-1" });
  });

  it("logs the brand and last four digits but never the card number", async () => {
    const { log, lines } = capture();
    await charge(chargeHandler(log, () => NOW, () => "tx-2"), { amount: AMOUNT, credit_card: CARD });
    const entry = JSON.parse(lines.at(-1));
    assert.equal(entry.card_type, "mastercard");
    assert.equal(entry.last_four, "4444");
    assert.equal(entry.amount, "42.50 USD");
    assert.ok(!lines.join("").includes("5555555555554444"));
  });

  it("answers INVALID_ARGUMENT for an expired card", async () => {
    const { log } = capture();
    const expiredCard = { ...CARD, credit_card_expiration_year: 2026, credit_card_expiration_month: 1 };
    const { error } = await charge(chargeHandler(log, () => NOW), { amount: AMOUNT, credit_card: expiredCard });
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    assert.match(error.message, /expired/);
  });

  it("answers INVALID_ARGUMENT for a non-positive amount", async () => {
    const { log } = capture();
    const zero = { currency_code: "USD", units: "0", nanos: 0 };
    const { error } = await charge(chargeHandler(log, () => NOW), { amount: zero, credit_card: CARD });
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
  });

  it("issues distinct transaction ids by default", async () => {
    const { log } = capture();
    const handler = chargeHandler(log, () => NOW);
    const first = await charge(handler, { amount: AMOUNT, credit_card: CARD });
    const second = await charge(handler, { amount: AMOUNT, credit_card: CARD });
    assert.notEqual(first.value.transaction_id, second.value.transaction_id);
  });
});
