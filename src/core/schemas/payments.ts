/**
 * Wire shapes (snake_case) of the payments routes, exactly as the hosted API sends and accepts
 * them. Request schemas are strict (unknown keys are errors, as on the hosted API); response
 * schemas ignore extra keys so that a newer server does not break an older SDK.
 */
import * as z from "zod/mini";
import { customerTypeSchema, dayIntervalSchema, jsonSchema, moneySchema } from "./common.js";

// ---- inline products (C.4) ----

const priceCurrencies = {
  USD: z.optional(moneySchema),
  EUR: z.optional(moneySchema),
  GBP: z.optional(moneySchema),
  JPY: z.optional(moneySchema),
  INR: z.optional(moneySchema),
  AUD: z.optional(moneySchema),
  CAD: z.optional(moneySchema),
};

/** A price in an inline product: at least one currency, optional `interval` (recurring). */
export const inlinePriceSchema = z.strictObject({
  ...priceCurrencies,
  interval: z.optional(dayIntervalSchema),
  free_trial: z.optional(dayIntervalSchema),
});

/** An included item in an inline product. */
export const inlineIncludedItemSchema = z.strictObject({
  quantity: z.optional(z.number()),
  repeat: z.optional(z.union([dayIntervalSchema, z.literal("never")])),
  expires: z.optional(z.enum(["never", "when-purchase-expires", "when-repeated"])),
});

/** The inline product a server passes as `product_inline` (snake_case, as in the REST API). */
export const inlineProductInputSchema = z.strictObject({
  display_name: z.string(),
  customer_type: customerTypeSchema,
  free_trial: z.optional(dayIntervalSchema),
  server_only: z.optional(z.boolean()),
  stackable: z.optional(z.boolean()),
  prices: z.record(z.string(), inlinePriceSchema),
  included_items: z.optional(z.record(z.string(), inlineIncludedItemSchema)),
  client_metadata: z.optional(jsonSchema),
  client_read_only_metadata: z.optional(jsonSchema),
  server_metadata: z.optional(jsonSchema),
});
export type InlineProductInput = z.infer<typeof inlineProductInputSchema>;

/** A price as the API returns it inside a product (only the defined currencies, plus interval/free_trial). */
export const productPriceOutputSchema = z.object({
  ...priceCurrencies,
  interval: z.optional(dayIntervalSchema),
  free_trial: z.optional(dayIntervalSchema),
});

/** The product object the API returns in listings, validate-code and transactions. */
export const productOutputSchema = z.object({
  display_name: z.string(),
  customer_type: customerTypeSchema,
  stackable: z.boolean(),
  server_only: z.boolean(),
  included_items: z.record(
    z.string(),
    z.object({
      quantity: z.number(),
      repeat: z.union([dayIntervalSchema, z.literal("never")]),
      expires: z.enum(["never", "when-purchase-expires", "when-repeated"]),
    }),
  ),
  client_metadata: z.nullable(jsonSchema),
  client_read_only_metadata: z.nullable(jsonSchema),
  server_metadata: z.nullable(jsonSchema),
  prices: z.record(z.string(), productPriceOutputSchema),
});
export type ProductOutput = z.infer<typeof productOutputSchema>;

// ---- items ----

/** GET /payments/items/{type}/{id}/{item_id} */
export const itemResponseSchema = z.object({
  id: z.string(),
  display_name: z.string(),
  quantity: z.number(),
});
export type ItemResponse = z.infer<typeof itemResponseSchema>;

/** Answer of POST .../update-quantity: an empty object. */
export const updateQuantityResponseSchema = z.object({});

/** POST .../update-quantity body. */
export const updateQuantityBodySchema = z.strictObject({
  delta: z.int(),
  expires_at: z.optional(z.iso.datetime({ offset: true })),
  description: z.optional(z.string()),
});
export type UpdateQuantityBody = z.infer<typeof updateQuantityBodySchema>;

/** POST .../update-quantity query: `allow_negative` is required. */
export const updateQuantityQuerySchema = z.strictObject({
  allow_negative: z.enum(["true", "false"]),
});

// ---- products ----

export const customerProductSchema = z.object({
  id: z.nullable(z.string()),
  quantity: z.number(),
  product: productOutputSchema,
  type: z.optional(z.enum(["one_time", "subscription"])),
  subscription: z.optional(
    z.nullable(
      z.object({
        subscription_id: z.nullable(z.string()),
        current_period_end: z.nullable(z.string()),
        cancel_at_period_end: z.boolean(),
        is_cancelable: z.boolean(),
      }),
    ),
  ),
  switch_options: z.optional(
    z.array(z.object({ product_id: z.string(), product: productOutputSchema })),
  ),
});
export type CustomerProductWire = z.infer<typeof customerProductSchema>;

const paginationSchema = z.object({ next_cursor: z.nullable(z.string()) });

/** GET /payments/products/{type}/{id} */
export const productsListResponseSchema = z.object({
  items: z.array(customerProductSchema),
  is_paginated: z.boolean(),
  pagination: paginationSchema,
});
export type ProductsListResponse = z.infer<typeof productsListResponseSchema>;

/** POST /payments/products/{type}/{id} (grant) body. */
export const grantProductBodySchema = z.strictObject({
  product_id: z.optional(z.string()),
  product_inline: z.optional(inlineProductInputSchema),
  quantity: z.optional(z.int().check(z.minimum(1))),
});
export type GrantProductBody = z.infer<typeof grantProductBodySchema>;

export const grantProductResponseSchema = z.object({
  success: z.literal(true),
  subscription_id: z.optional(z.string()),
});

/** POST .../switch body. */
export const switchSubscriptionBodySchema = z.strictObject({
  from_product_id: z.string(),
  to_product_id: z.string(),
  price_id: z.optional(z.string()),
  quantity: z.optional(z.int().check(z.minimum(1))),
});

export const successResponseSchema = z.object({ success: z.literal(true) });

// ---- purchases ----

/** POST /payments/purchases/create-purchase-url body (`offer_*` are /api/v1 aliases). */
export const createPurchaseUrlBodySchema = z.strictObject({
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  product_id: z.optional(z.string()),
  product_inline: z.optional(inlineProductInputSchema),
  return_url: z.optional(z.url()),
  offer_id: z.optional(z.string()),
  offer_inline: z.optional(inlineProductInputSchema),
});
export type CreatePurchaseUrlBody = z.infer<typeof createPurchaseUrlBodySchema>;

export const createPurchaseUrlResponseSchema = z.object({ url: z.string() });

export const validateCodeBodySchema = z.strictObject({
  full_code: z.string(),
  return_url: z.optional(z.url()),
});

export const validateCodeResponseSchema = z.object({
  product: productOutputSchema,
  stripe_account_id: z.string(),
  project_id: z.string(),
  project_logo_url: z.nullable(z.string()),
  already_bought_non_stackable: z.boolean(),
  conflicting_products: z.array(z.object({ product_id: z.string(), display_name: z.string() })),
  test_mode: z.boolean(),
  charges_enabled: z.boolean(),
});
export type ValidateCodeResponse = z.infer<typeof validateCodeResponseSchema>;

/** Body of purchase-session and test-mode-purchase-session. */
export const purchaseSessionBodySchema = z.strictObject({
  full_code: z.string(),
  price_id: z.string(),
  quantity: z.optional(z.int().check(z.minimum(1))),
});

// ---- billing, invoices, payment methods ----

const paymentMethodSchema = z.object({
  id: z.string(),
  brand: z.nullable(z.string()),
  last4: z.nullable(z.string()),
  exp_month: z.nullable(z.number()),
  exp_year: z.nullable(z.number()),
});

export const billingResponseSchema = z.object({
  has_customer: z.boolean(),
  default_payment_method: z.nullable(paymentMethodSchema),
});
export type BillingResponse = z.infer<typeof billingResponseSchema>;

export const invoicesListResponseSchema = z.object({
  items: z.array(
    z.object({
      created_at_millis: z.number(),
      status: z.nullable(z.enum(["draft", "open", "paid", "uncollectible", "void"])),
      amount_total: z.number(),
      hosted_invoice_url: z.nullable(z.string()),
    }),
  ),
  is_paginated: z.boolean(),
  pagination: paginationSchema,
});
export type InvoicesListResponse = z.infer<typeof invoicesListResponseSchema>;

/** POST .../setup-intent answer: the card form's client secret and the project's Stripe account. */
export const setupIntentResponseSchema = z.object({
  client_secret: z.string(),
  stripe_account_id: z.string(),
});

/** POST .../set-default answer: the customer's default card after the change. */
export const setDefaultPaymentMethodResponseSchema = z.object({
  success: z.literal(true),
  default_payment_method: z.nullable(paymentMethodSchema),
});

// ---- live events (emulator extension) ----

/**
 * One event of the emulator's live stream (`GET /api/v1/payments/events/{type}/{id}`, an
 * extension): the new value of an item or of the product list (its first page with the default
 * limit, as `listProducts()` with no options returns it), never only a hint.
 */
export const liveEventSchema = z.union([
  z.object({ kind: z.literal("item"), item_id: z.string(), item: itemResponseSchema }),
  z.object({ kind: z.literal("products"), products: productsListResponseSchema }),
]);
export type LiveEvent = z.infer<typeof liveEventSchema>;
