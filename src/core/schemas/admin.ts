/**
 * Wire shapes of the admin payments routes (`/internal/payments/*`, `/internal/config*`): the
 * ledger's transactions, refunds, payment-method settings and the project's config, as the
 * hosted API and `@stackframe/js` 2.8.108 exchange them.
 */
import * as z from "zod/mini";
import { customerTypeSchema } from "./common.js";
import { productOutputSchema } from "./payments.js";

// ---- transactions ----

/** Every transaction type the listing may carry or filter by (`?type=`). */
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

/** Money in major units that may be negative (a refund's transfer): `-5`, `-0.5`. */
export const signedMoneySchema = z.string().check(z.regex(/^-?(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/));

const adjustableEntry = {
  /** The transaction this entry adjusts (a refund's revocation names the purchase), else null. */
  adjusted_transaction_id: z.nullable(z.string()),
  adjusted_entry_index: z.nullable(z.int().check(z.minimum(0))),
};

/** Money paid by (positive) or returned to (negative) a customer. */
export const moneyTransferEntrySchema = z.object({
  type: z.literal("money_transfer"),
  ...adjustableEntry,
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  charged_amount: z.object({
    USD: z.optional(signedMoneySchema),
    EUR: z.optional(signedMoneySchema),
    GBP: z.optional(signedMoneySchema),
    JPY: z.optional(signedMoneySchema),
    INR: z.optional(signedMoneySchema),
    AUD: z.optional(signedMoneySchema),
    CAD: z.optional(signedMoneySchema),
  }),
  net_amount: z.object({ USD: signedMoneySchema }),
});

/** A change of an item's quantity (a manual change, or an item a purchase includes). */
export const itemQuantityChangeEntrySchema = z.object({
  type: z.literal("item_quantity_change"),
  ...adjustableEntry,
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  item_id: z.string(),
  quantity: z.number(),
});

/** A product given to a customer, by a purchase, a subscription or a grant. */
export const productGrantEntrySchema = z.object({
  type: z.literal("product_grant"),
  ...adjustableEntry,
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  product_id: z.nullable(z.string()),
  product: productOutputSchema,
  price_id: z.nullable(z.string()),
  quantity: z.number(),
  subscription_id: z.optional(z.string()),
  one_time_purchase_id: z.optional(z.string()),
});

/** Quantities of a granted product taken back (a refund), pointing at the grant entry. */
export const productRevocationEntrySchema = z.object({
  type: z.literal("product_revocation"),
  adjusted_transaction_id: z.string(),
  adjusted_entry_index: z.int().check(z.minimum(0)),
  quantity: z.number(),
});

/** A revocation undone, pointing at the revocation entry. */
export const productRevocationReversalEntrySchema = z.object({
  type: z.literal("product_revocation_reversal"),
  adjusted_transaction_id: z.string(),
  adjusted_entry_index: z.int().check(z.minimum(0)),
  quantity: z.number(),
});

/** One entry of a transaction, told apart by `type`. */
export const transactionEntrySchema = z.discriminatedUnion("type", [
  moneyTransferEntrySchema,
  itemQuantityChangeEntrySchema,
  productGrantEntrySchema,
  productRevocationEntrySchema,
  productRevocationReversalEntrySchema,
]);

/**
 * A transaction of the payments ledger, as `GET /internal/payments/transactions` lists it. The
 * customer at the top level is what `@stackframe/js` 2.8.108 reads; servers that predate it name
 * the customer only in the entries.
 */
export const transactionSchema = z.object({
  id: z.string(),
  created_at_millis: z.number(),
  effective_at_millis: z.number(),
  type: z.nullable(z.enum(TRANSACTION_TYPES)),
  customer_type: z.optional(customerTypeSchema),
  customer_id: z.optional(z.string()),
  entries: z.array(transactionEntrySchema),
  adjusted_by: z.array(z.object({ transaction_id: z.string(), entry_index: z.int().check(z.minimum(0)) })),
  test_mode: z.boolean(),
});

/** `GET /internal/payments/transactions`: a page, newest first, and the cursor of the next one. */
export const transactionsListResponseSchema = z.object({
  transactions: z.array(transactionSchema),
  next_cursor: z.nullable(z.string()),
});

/** `POST /internal/payments/transactions/refund` answer (servers before 2.8.108 send no id). */
export const refundTransactionResponseSchema = z.object({
  success: z.boolean(),
  refund_transaction_id: z.optional(z.string()),
});

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
