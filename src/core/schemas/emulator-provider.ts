/**
 * Wire shapes of the emulator's own API around its payment provider (extensions, under
 * `/api/v1/internal/emulator/`): confirming a payment or a saved card with a test card number and
 * the 3-D Secure step (what the checkout page calls), simulating a paid purchase, the payment
 * emails outbox and the provider's events.
 */
import * as z from "zod/mini";
import { customerTypeSchema, dayIntervalSchema } from "./common.js";

/** A card as typed in a card form. */
export const cardInputSchema = z.strictObject({
  number: z.string().check(z.maxLength(40)),
  exp_month: z.int(),
  exp_year: z.int(),
  cvc: z.string().check(z.maxLength(10)),
  name: z.optional(z.string().check(z.maxLength(1000))),
});

/** `POST .../payment-intents/confirm` and `.../setup-intents/confirm` body. */
export const confirmIntentBodySchema = z.strictObject({
  client_secret: z.string().check(z.minLength(1), z.maxLength(200)),
  card: cardInputSchema,
});

/** `POST .../payment-intents/authenticate` and `.../setup-intents/authenticate` body: the buyer's 3-D Secure answer. */
export const authenticateIntentBodySchema = z.strictObject({
  client_secret: z.string().check(z.minLength(1), z.maxLength(200)),
  outcome: z.enum(["approve", "fail"]),
});

/** `GET .../payment-intents` and `.../setup-intents` query. */
export const clientSecretQuerySchema = z.strictObject({
  client_secret: z.string().check(z.minLength(1), z.maxLength(200)),
});

/** Why a payment or a saved card failed, as Stripe words it. */
export const cardErrorSchema = z.object({
  type: z.literal("card_error"),
  code: z.string(),
  decline_code: z.optional(z.string()),
  message: z.string(),
});

/** A saved card's summary. */
export const cardSummarySchema = z.object({
  id: z.string(),
  brand: z.nullable(z.string()),
  last4: z.nullable(z.string()),
  exp_month: z.nullable(z.number()),
  exp_year: z.nullable(z.number()),
});

/** A payment as the checkout page sees it: state, amount and what is bought. */
export const paymentIntentViewSchema = z.object({
  id: z.string(),
  status: z.enum(["requires_payment_method", "requires_action", "succeeded", "canceled"]),
  amount: z.int(),
  amount_formatted: z.string(),
  currency: z.literal("usd"),
  last_payment_error: z.nullable(cardErrorSchema),
  next_action: z.nullable(z.object({ type: z.literal("three_d_secure") })),
  purchase: z.object({
    kind: z.enum(["one_time", "subscription"]),
    project_id: z.string(),
    customer_type: customerTypeSchema,
    customer_id: z.string(),
    product_id: z.nullable(z.string()),
    product_display_name: z.string(),
    price_id: z.nullable(z.string()),
    quantity: z.int(),
    interval: z.nullable(dayIntervalSchema),
  }),
  subscription: z.nullable(z.object({ id: z.string(), status: z.string() })),
});
export type PaymentIntentView = z.infer<typeof paymentIntentViewSchema>;

/** A setup intent (saving a card) as a card form sees it. */
export const setupIntentViewSchema = z.object({
  id: z.string(),
  status: z.enum(["requires_payment_method", "requires_action", "succeeded", "canceled"]),
  payment_method: z.nullable(cardSummarySchema),
  last_setup_error: z.nullable(cardErrorSchema),
  next_action: z.nullable(z.object({ type: z.literal("three_d_secure") })),
});
export type SetupIntentView = z.infer<typeof setupIntentViewSchema>;

/** `POST /internal/emulator/simulate-purchase` body: a paid purchase with test card 4242. */
export const simulatePurchaseBodySchema = z.strictObject({
  customer_type: customerTypeSchema,
  customer_id: z.string().check(z.minLength(1)),
  product_id: z.string(),
  price_id: z.optional(z.string()),
  quantity: z.optional(z.int().check(z.minimum(1))),
});

/** What a simulated purchase made. */
export const simulatePurchaseResponseSchema = z.object({
  success: z.literal(true),
  transaction_id: z.string(),
  payment_intent_id: z.string(),
  amount_usd: z.string(),
  subscription_id: z.optional(z.string()),
  one_time_purchase_id: z.optional(z.string()),
});

/** `GET /internal/emulator/outbox` query. */
export const outboxQuerySchema = z.strictObject({
  customer_type: z.optional(customerTypeSchema),
  customer_id: z.optional(z.string()),
  kind: z.optional(z.enum(["payment_receipt", "payment_failed"])),
  to: z.optional(z.string()),
  cursor: z.optional(z.string().check(z.regex(/^\d{1,15}$/, "must be a cursor from next_cursor"))),
  limit: z.optional(z.string().check(z.regex(/^\d{1,3}$/, "must be an integer from 1 to 200"))),
});

/** One email of the outbox. */
export const outboxEmailSchema = z.object({
  id: z.string(),
  kind: z.enum(["payment_receipt", "payment_failed"]),
  created_at_millis: z.number(),
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  to: z.object({ user_id: z.nullable(z.string()), email: z.nullable(z.string()) }),
  status: z.enum(["sent", "skipped"]),
  skipped_reason: z.nullable(z.string()),
  subject: z.string(),
  product_name: z.string(),
  amount: z.string(),
  variables: z.record(z.string(), z.union([z.string(), z.number()])),
  html: z.string(),
  text: z.string(),
  source_event_id: z.string(),
});
export type OutboxEmailWire = z.infer<typeof outboxEmailSchema>;

/** `GET /internal/emulator/outbox` answer, newest first. */
export const outboxListResponseSchema = z.object({
  items: z.array(outboxEmailSchema),
  next_cursor: z.nullable(z.string()),
});

/** `GET /internal/emulator/provider/events` query. */
export const providerEventsQuerySchema = z.strictObject({
  type: z.optional(z.string()),
  cursor: z.optional(z.string().check(z.regex(/^\d{1,15}$/, "must be a cursor from next_cursor"))),
  limit: z.optional(z.string().check(z.regex(/^\d{1,3}$/, "must be an integer from 1 to 200"))),
});

/** One provider event (a webhook the hosted API would receive). */
export const providerEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  created_at_millis: z.number(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

/** `GET /internal/emulator/provider/events` answer, newest first. */
export const providerEventsListResponseSchema = z.object({
  items: z.array(providerEventSchema),
  next_cursor: z.nullable(z.string()),
});

/** `POST /internal/emulator/provider/events/{id}/redeliver` answer. */
export const redeliverEventResponseSchema = z.object({ received: z.literal(true) });

/** `POST /payments/purchases/purchase-session` answer. */
export const purchaseSessionResponseSchema = z.object({ client_secret: z.string() });
