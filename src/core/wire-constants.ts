/**
 * Wire facts shared by the SDK and the emulator: header names and the like. Named once here so
 * the two sides cannot drift apart.
 */

/** Request headers of the hosted API, without their `x-stack-` / `x-hexclave-` prefix. */
export const REQUEST_HEADER_NAMES = [
  "project-id",
  "branch-id",
  "access-type",
  "publishable-client-key",
  "secret-server-key",
  "super-secret-admin-key",
  "admin-access-token",
  "access-token",
  "refresh-token",
  "allow-anonymous-user",
  "allow-restricted-user",
  "client-version",
  "override-error-status",
  "random-nonce",
  "auth",
  "development-override-key",
  "disable-artificial-development-delay",
  "development-disable-extended-logging",
] as const;

/** Response headers of the hosted API, without their prefix. */
export const RESPONSE_HEADER_NAMES = ["actual-status", "known-error", "request-id"] as const;

/** The two spellings every `x-stack-*` header also has (the service was renamed Hexclave). */
export const HEADER_PREFIXES = ["x-stack-", "x-hexclave-"] as const;

/** Response header carrying the real status of an error answered with 200 (`x-stack-override-error-status: true`). */
export const ACTUAL_STATUS_HEADER = "x-stack-actual-status";
/** Response header naming the known error of an answer; equals the body's `code`. */
export const KNOWN_ERROR_HEADER = "x-stack-known-error";
/** Request header asking for 4xx answers to come back as 200 with {@link ACTUAL_STATUS_HEADER}. */
export const OVERRIDE_ERROR_STATUS_HEADER = "x-stack-override-error-status";

/** Request header with a caller-chosen key that makes a write apply at most once. */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** Response header every emulator answer carries: the server honours `Idempotency-Key`. */
export const IDEMPOTENCY_SUPPORTED_HEADER = "x-stack-idempotency-supported";
/** Response header on a write that carried `Idempotency-Key`: `applied` the first time, `replayed` after. */
export const IDEMPOTENCY_RESULT_HEADER = "x-stack-idempotency";

/** The payment methods a project's Stripe account can offer, by the ids Stripe uses. */
export const PAYMENT_METHOD_IDS = [
  "card",
  "cartes_bancaires",
  "apple_pay",
  "google_pay",
  "link",
  "amazon_pay",
  "cashapp",
  "klarna",
  "affirm",
  "afterpay_clearpay",
  "zip",
  "ideal",
  "bancontact",
  "eps",
  "p24",
  "blik",
  "alipay",
  "wechat_pay",
  "sepa_debit",
  "bacs_debit",
  "acss_debit",
  "us_bank_account",
  "multibanco",
  "customer_balance",
] as const;
/** One of {@link PAYMENT_METHOD_IDS}. */
export type PaymentMethodId = (typeof PAYMENT_METHOD_IDS)[number];

/** Every transaction type (2.8.108 adds `refund`). */
export const TRANSACTION_TYPES = [
  "purchase",
  "subscription-cancellation",
  "subscription-renewal",
  "manual-item-quantity-change",
  "refund",
  "chargeback",
  "product-change",
] as const;
/** One of {@link TRANSACTION_TYPES}. */
export type TransactionType = (typeof TRANSACTION_TYPES)[number];
