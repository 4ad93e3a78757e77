/**
 * Stripe's test cards, as the emulator's payment provider knows them: the number decides what
 * happens when the card is charged or saved. Numbers are checked like a card form checks them
 * (digits, length, Luhn), expiry against the emulator's clock, and the security code by brand.
 */

/** What a test card does. */
export type CardBehavior =
  | "succeeds"
  | "generic_decline"
  | "insufficient_funds"
  | "expired_card"
  | "incorrect_cvc"
  | "processing_error"
  | "authentication_required"
  | "fails_when_charged"
  | "live_card";

/** A card brand as Stripe names it. */
export type CardBrand = "visa" | "mastercard" | "amex" | "discover" | "diners" | "jcb" | "unionpay" | "unknown";

/** Known test numbers and what they do. Any other valid number is a "live" card, which test mode refuses. */
const TEST_CARDS: Readonly<Record<string, CardBehavior>> = {
  "4242424242424242": "succeeds",
  "4000056655665556": "succeeds",
  "5555555555554444": "succeeds",
  "2223003122003222": "succeeds",
  "5200828282828210": "succeeds",
  "378282246310005": "succeeds",
  "371449635398431": "succeeds",
  "6011111111111117": "succeeds",
  "3056930009020004": "succeeds",
  "36227206271667": "succeeds",
  "3566002020360505": "succeeds",
  "6200000000000005": "succeeds",
  "4000000000000002": "generic_decline",
  "4000000000009995": "insufficient_funds",
  "4000000000000069": "expired_card",
  "4000000000000127": "incorrect_cvc",
  "4000000000000119": "processing_error",
  "4000002760003184": "authentication_required",
  "4000000000000341": "fails_when_charged",
};

/** A card as the confirm routes take it. */
export interface CardInput {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc: string;
  name?: string | undefined;
}

/** A card that passed the form checks. */
export interface CheckedCard {
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
  behavior: CardBehavior;
  name: string | null;
}

/** Why a card was refused before any charge, in Stripe's codes and words. */
export interface CardInputProblem {
  code: "incorrect_number" | "invalid_number" | "invalid_expiry_month" | "invalid_expiry_year" | "expired_card" | "invalid_cvc" | "invalid_name";
  param: "card.number" | "card.exp_month" | "card.exp_year" | "card.cvc" | "card.name";
  message: string;
}

function brandOf(digits: string): CardBrand {
  if (/^4/.test(digits)) return "visa";
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(digits)) return "mastercard";
  if (/^3[47]/.test(digits)) return "amex";
  if (/^(6011|65|64[4-9])/.test(digits)) return "discover";
  if (/^(36|30[0-5]|38|39)/.test(digits)) return "diners";
  if (/^35/.test(digits)) return "jcb";
  if (/^62/.test(digits)) return "unionpay";
  return "unknown";
}

/** True when the digits pass the Luhn check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Checks a card as a card form would, with the emulator's clock deciding whether it has expired
 * (a card is valid through the last day of its expiry month, UTC). Spaces and dashes in the
 * number are ignored; a two-digit year means 20xx.
 *
 * @example
 * readCard({ number: "4242 4242 4242 4242", exp_month: 12, exp_year: 2034, cvc: "123" }, Date.now());
 */
export function readCard(input: CardInput, now: number): { card: CheckedCard } | { problem: CardInputProblem } {
  const digits = input.number.replace(/[\s-]/g, "");
  if (!/^\d+$/.test(digits) || digits.length < 13 || digits.length > 19)
    return { problem: { code: "invalid_number", param: "card.number", message: "Your card number is invalid: it must have 13 to 19 digits." } };
  if (!luhnValid(digits)) return { problem: { code: "incorrect_number", param: "card.number", message: "Your card number is incorrect." } };
  if (!Number.isInteger(input.exp_month) || input.exp_month < 1 || input.exp_month > 12)
    return { problem: { code: "invalid_expiry_month", param: "card.exp_month", message: "Your card's expiration month is invalid." } };
  const year = Number.isInteger(input.exp_year) && input.exp_year >= 0 && input.exp_year < 100 ? 2000 + input.exp_year : input.exp_year;
  const current = new Date(now);
  const currentYear = current.getUTCFullYear();
  if (!Number.isInteger(year) || year < 2000 || year > currentYear + 50)
    return { problem: { code: "invalid_expiry_year", param: "card.exp_year", message: "Your card's expiration year is invalid." } };
  if (year < currentYear || (year === currentYear && input.exp_month < current.getUTCMonth() + 1))
    return { problem: { code: "expired_card", param: year < currentYear ? "card.exp_year" : "card.exp_month", message: "Your card's expiration date is in the past." } };
  const brand = brandOf(digits);
  const cvcLength = brand === "amex" ? 4 : 3;
  if (!new RegExp(`^\\d{${cvcLength}}$`).test(input.cvc))
    return { problem: { code: "invalid_cvc", param: "card.cvc", message: `Your card's security code is invalid: it must have ${cvcLength} digits.` } };
  const name = input.name?.trim() ?? "";
  if (name.length > 200) return { problem: { code: "invalid_name", param: "card.name", message: "The cardholder name must be at most 200 characters." } };
  return {
    card: {
      brand,
      last4: digits.slice(-4),
      expMonth: input.exp_month,
      expYear: year,
      behavior: TEST_CARDS[digits] ?? "live_card",
      name: name === "" ? null : name,
    },
  };
}

/** A failed charge or setup, as Stripe reports it on the payment or setup intent. */
export interface CardError {
  type: "card_error";
  code: string;
  decline_code?: string;
  message: string;
}

const DECLINES: Record<Exclude<CardBehavior, "succeeds" | "authentication_required" | "fails_when_charged">, CardError> = {
  generic_decline: { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
  insufficient_funds: { type: "card_error", code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." },
  expired_card: { type: "card_error", code: "expired_card", decline_code: "expired_card", message: "Your card has expired." },
  incorrect_cvc: { type: "card_error", code: "incorrect_cvc", decline_code: "incorrect_cvc", message: "Your card's security code is incorrect." },
  processing_error: {
    type: "card_error",
    code: "processing_error",
    decline_code: "processing_error",
    message: "An error occurred while processing your card. Try again in a little bit.",
  },
  live_card: {
    type: "card_error",
    code: "card_declined",
    decline_code: "test_mode_live_card",
    message: "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
  },
};

/** The error of a 3-D Secure step the buyer failed. */
export const AUTHENTICATION_FAILED: CardError = {
  type: "card_error",
  code: "payment_intent_authentication_failure",
  message: "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
};

const OFF_SESSION_AUTHENTICATION: CardError = {
  type: "card_error",
  code: "authentication_required",
  decline_code: "authentication_required",
  message: "Your card was declined. This transaction requires authentication.",
};

/** What charging a card does: succeed, ask the buyer for 3-D Secure, or fail with an error. */
export type ChargeOutcome = { kind: "succeeded" } | { kind: "requires_action" } | { kind: "failed"; error: CardError };

/**
 * The outcome of charging a card with `behavior`. Off-session charges (renewals, plan changes)
 * cannot show a 3-D Secure step, so a card that always asks for one fails there.
 */
export function chargeOutcome(behavior: CardBehavior, session: "on" | "off"): ChargeOutcome {
  if (behavior === "succeeds") return { kind: "succeeded" };
  if (behavior === "authentication_required") return session === "on" ? { kind: "requires_action" } : { kind: "failed", error: OFF_SESSION_AUTHENTICATION };
  if (behavior === "fails_when_charged") return { kind: "failed", error: DECLINES.generic_decline };
  return { kind: "failed", error: DECLINES[behavior] };
}

/**
 * The outcome of saving a card for later (a setup intent): the card that only fails when charged
 * saves fine; the others behave as when charged on-session.
 */
export function setupOutcome(behavior: CardBehavior): ChargeOutcome {
  if (behavior === "fails_when_charged") return { kind: "succeeded" };
  return chargeOutcome(behavior, "on");
}
