/**
 * Money as the provider and the payments wire handle it: prices are major-unit strings (`"10"`,
 * `"9.99"`), charges are integer cents, emails show `$10.00`, and transactions show money strings
 * without trailing zeros (`"12.5"`, `"-50"`). Strings are converted digit by digit, never through
 * floating point, so no cent is ever lost.
 */

/** Stripe's largest card charge: $999,999.99. */
export const MAX_CHARGE_CENTS = 99_999_999;

const MONEY = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;

/**
 * Cents of a major-unit money string (`"10"` → 1000, `"0.5"` → 50); null when the string is not a
 * money amount or the result is not a safe integer.
 *
 * @example
 * toCents("9.99"); // 999
 */
export function toCents(amount: string): number | null {
  const m = MONEY.exec(amount);
  if (!m) return null;
  const whole = m[1]!;
  const fraction = (m[2] ?? ".").slice(1).padEnd(2, "0");
  const cents = Number(`${whole}${fraction}`);
  return Number.isSafeInteger(cents) ? cents : null;
}

/**
 * A money string of `cents`, trimmed as the hosted API writes amounts: 1250 → `"12.5"`,
 * 5000 → `"50"`, -99 → `"-0.99"`.
 */
export function centsToMoney(cents: number): string {
  const negative = cents < 0;
  const digits = String(Math.abs(Math.trunc(cents))).padStart(3, "0");
  const whole = digits.slice(0, -2).replace(/^0+(?=\d)/, "");
  const fraction = digits.slice(-2).replace(/0+$/, "");
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && text !== "0" ? `-${text}` : text;
}

/** `cents` as a US-dollar amount for people: 1000 → `$10.00`, 123456 → `$1,234.56`. */
export function formatUsd(cents: number): string {
  const negative = cents < 0;
  const abs = Math.abs(Math.trunc(cents));
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = `$${whole}.${String(abs % 100).padStart(2, "0")}`;
  return negative ? `-${text}` : text;
}

/**
 * A major-unit money string multiplied by an integer quantity, as a trimmed money string
 * (`"9.99"` × 3 → `"29.97"`); null when the amount is not money.
 */
export function multiplyMoney(amount: string, quantity: number): string | null {
  const cents = toCents(amount);
  if (cents === null || !Number.isSafeInteger(cents * quantity)) return null;
  return centsToMoney(cents * quantity);
}
