"use strict";
// Credit card checks: number (Luhn), accepted brands, expiry, CVV. Pure functions; the clock
// is a parameter.

class CardError extends Error {}

const ACCEPTED = ["visa", "mastercard"];

/** Digits only; spaces and dashes are allowed as separators. */
function normalize(number) {
  const digits = String(number).replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(digits)) {
    throw new CardError("card number must be 12 to 19 digits");
  }
  return digits;
}

/** The Luhn checksum: every second digit from the right doubled, digit sums added, mod 10. */
function luhnValid(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The brand from the issuer prefix and length, or "unknown". */
function cardType(digits) {
  if (/^4/.test(digits) && [13, 16, 19].includes(digits.length)) return "visa";
  const prefix2 = Number(digits.slice(0, 2));
  const prefix4 = Number(digits.slice(0, 4));
  if (digits.length === 16 && ((prefix2 >= 51 && prefix2 <= 55) || (prefix4 >= 2221 && prefix4 <= 2720))) {
    return "mastercard";
  }
  if (/^3[47]/.test(digits) && digits.length === 15) return "amex";
  if (/^6(011|5)/.test(digits)) return "discover";
  return "unknown";
}

/** A card is good through the last day of its expiration month. */
function expired(year, month, now) {
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new CardError(`expiration month must be 1-12, got ${month}`);
  }
  if (!Number.isInteger(year) || year < 1000) {
    throw new CardError(`expiration year must have four digits, got ${year}`);
  }
  const currentYear = now.getUTCFullYear();
  const currentMonth = now.getUTCMonth() + 1;
  return year < currentYear || (year === currentYear && month < currentMonth);
}

/**
 * Validates a CreditCardInfo; returns { type, lastFour } or throws CardError saying why not.
 */
function validateCard(card, now) {
  if (!card) throw new CardError("credit card is required");
  const digits = normalize(card.credit_card_number);
  if (!luhnValid(digits)) throw new CardError("card number fails the Luhn check");
  const type = cardType(digits);
  if (!ACCEPTED.includes(type)) throw new CardError(`card type ${type} is not accepted`);
  if (expired(card.credit_card_expiration_year, card.credit_card_expiration_month, now)) {
    const { credit_card_expiration_month: month, credit_card_expiration_year: year } = card;
    throw new CardError(`card expired ${String(month).padStart(2, "0")}/${year}`);
  }
  const cvv = card.credit_card_cvv;
  if (!Number.isInteger(cvv) || cvv < 0 || cvv > 999) {
    throw new CardError("CVV must be three digits");
  }
  return { type, lastFour: digits.slice(-4) };
}

module.exports = { ACCEPTED, CardError, cardType, expired, luhnValid, normalize, validateCard };
