/**
 * Wire shapes of the admin payments routes the ledger answers: `GET /internal/payments/transactions`
 * and `POST /internal/payments/transactions/refund`, in both refund forms (the contract's
 * `refund_entries` and the official 2.8.108 SDK's `amount_usd` / `invoice_id` / `end_action`).
 */
import * as z from "zod/mini";
import { customerTypeSchema, moneySchema } from "./common.js";
import { productOutputSchema } from "./payments.js";

// The types live with the other wire constants (no zod there), so the SDK can check them without loading zod.
export { TRANSACTION_TYPES, type TransactionType } from "../wire-constants.js";
import { TRANSACTION_TYPES } from "../wire-constants.js";

/** A money amount that may be negative (refunds are negative transfers). */
export const signedMoneySchema = z.string().check(z.regex(/^-?(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/));

const entryBase = {
  adjusted_transaction_id: z.nullable(z.string()),
  adjusted_entry_index: z.nullable(z.int().check(z.minimum(0))),
};

/** Money that moved: what was charged (per currency) and the net in USD. */
export const moneyTransferEntrySchema = z.object({
  type: z.literal("money_transfer"),
  ...entryBase,
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  charged_amount: z.record(z.string(), signedMoneySchema),
  net_amount: z.object({ USD: signedMoneySchema }),
});

/** A change of an item's quantity (manual changes carry their description). */
export const itemQuantityChangeEntrySchema = z.object({
  type: z.literal("item_quantity_change"),
  ...entryBase,
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  item_id: z.string(),
  quantity: z.number(),
  description: z.optional(z.nullable(z.string())),
  expires_at_millis: z.optional(z.nullable(z.number())),
});

/** A product given to a customer. */
export const productGrantEntrySchema = z.object({
  type: z.literal("product_grant"),
  ...entryBase,
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  product_id: z.nullable(z.string()),
  product: productOutputSchema,
  price_id: z.nullable(z.string()),
  quantity: z.number(),
  subscription_id: z.optional(z.string()),
  one_time_purchase_id: z.optional(z.string()),
});

/** A product taken back (refund, cancellation, plan change), pointing at the grant it undoes. */
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
export type TransactionEntry = z.infer<typeof transactionEntrySchema>;

/**
 * One transaction of the ledger. The customer at the top level is what `@stackframe/js` 2.8.108
 * reads; servers that predate it name the customer only in the entries (the emulator always sends it).
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
export type Transaction = z.infer<typeof transactionSchema>;

/** `GET /internal/payments/transactions` query. */
export const transactionsQuerySchema = z.strictObject({
  cursor: z.optional(z.string()),
  limit: z.optional(z.string().check(z.regex(/^-?\d{1,9}$/, "must be an integer"))),
  type: z.optional(z.enum(TRANSACTION_TYPES)),
  customer_type: z.optional(customerTypeSchema),
  customer_id: z.optional(z.string()),
});

/** `GET /internal/payments/transactions` answer, newest first. */
export const transactionsListResponseSchema = z.object({
  transactions: z.array(transactionSchema),
  next_cursor: z.nullable(z.string()),
});
export type TransactionsListResponse = z.infer<typeof transactionsListResponseSchema>;

/** The contract's refund body: per product-grant entry, a quantity to revoke and a USD amount. */
export const refundEntriesBodySchema = z.strictObject({
  type: z.enum(["subscription", "one-time-purchase"]),
  id: z.string(),
  refund_entries: z.array(
    z.strictObject({
      entry_index: z.number(),
      quantity: z.number(),
      amount_usd: moneySchema,
    }),
  ),
});

/**
 * The official 2.8.108 SDK's refund body: a USD amount of one payment (a subscription's first
 * invoice unless `invoice_id` names another), and for subscriptions what happens to them.
 */
export const refundAmountBodySchema = z.strictObject({
  type: z.enum(["subscription", "one-time-purchase"]),
  id: z.string(),
  invoice_id: z.optional(z.string()),
  amount_usd: moneySchema,
  end_action: z.optional(z.enum(["now", "at-period-end"])),
});

/** Refund answer: `success` (contract) and the refund's transaction id (2.8.108; older servers send none). */
export const refundTransactionResponseSchema = z.object({
  success: z.boolean(),
  refund_transaction_id: z.optional(z.string()),
});
