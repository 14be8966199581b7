"use strict";
// The Charge handler: validate amount and card, then "charge" (this shop has no real
// acquirer) by issuing a transaction id.
const { randomUUID } = require("node:crypto");

const grpc = require("@grpc/grpc-js");

const { CardError, validateCard } = require("./card");
const { grpcError } = require("commerce-telemetry/grpc");
const { AmountError, format, validateAmount } = require("./money");

/**
 * @param {import("pino").Logger} log
 * @param {() => Date} clock
 * @param {() => string} newId
 */
function chargeHandler(log, clock = () => new Date(), newId = randomUUID) {
  return (call, callback) => {
    const { amount, credit_card: card } = call.request;
    let checked;
    try {
      validateAmount(amount);
      checked = validateCard(card, clock());
    } catch (error) {
      if (!(error instanceof CardError || error instanceof AmountError)) throw error;
      log.warn({ reason: error.message }, "charge refused");
      callback(grpcError(grpc.status.INVALID_ARGUMENT, error.message));
      return;
    }
    const transactionId = newId();
    // Never the card number: brand and last four only.
    log.info(
      { card_type: checked.type, last_four: checked.lastFour, amount: format(amount), transaction_id: transactionId },
      "charged",
    );
    callback(null, { transaction_id: transactionId });
  };
}

module.exports = { chargeHandler };
