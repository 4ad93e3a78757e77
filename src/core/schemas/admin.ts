/**
 * Wire shapes of the admin settings routes (`/internal/payments/method-configs`, `/internal/config*`):
 * payment-method settings and the project's config, as the hosted API and `@stackframe/js` 2.8.108
 * exchange them. The ledger's shapes are in `transactions.ts`.
 */
import * as z from "zod/mini";

// ---- payment settings ----

// The ids live with the other wire constants (no zod there), so the SDK can check them without loading zod.
export { PAYMENT_METHOD_IDS, type PaymentMethodId } from "../wire-constants.js";

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
