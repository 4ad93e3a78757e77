/**
 * Wire shapes of the admin settings routes (`/internal/payments/method-configs`, `/internal/config*`):
 * payment-method settings and the project's config, as the hosted API and `@stackframe/js` 2.8.108
 * exchange them. The ledger's shapes are in `transactions.ts`.
 */
import * as z from "zod/mini";

// ---- payment settings ----

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

/** `GET /internal/payments/method-configs`: the account's payment-method configuration. */
export const paymentMethodConfigsResponseSchema = z.object({
  config_id: z.string(),
  methods: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      enabled: z.boolean(),
      available: z.boolean(),
      overridable: z.boolean(),
    }),
  ),
});

/**
 * `PATCH /internal/payments/method-configs` body: turn methods on or off. The keys of `updates`
 * must be {@link PAYMENT_METHOD_IDS}; the route checks them, to name the allowed ids as the hosted API does.
 */
export const updatePaymentMethodConfigsBodySchema = z.strictObject({
  config_id: z.string(),
  updates: z.record(z.string(), z.enum(["on", "off"])),
});

/** `POST /internal/payments/stripe-widgets/account-session` answer: a secret for Stripe's embedded components. */
export const stripeWidgetAccountSessionResponseSchema = z.object({ client_secret: z.string() });

// ---- config ----

/** `GET /internal/config` and `GET /internal/config/override/{level}`: a config as a JSON string. */
export const configStringResponseSchema = z.object({ config_string: z.string() });
