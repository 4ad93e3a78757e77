/**
 * The admin app's ledger calls: listing transactions, refunding a purchase, and manual item
 * quantity changes, with the requests `@stackframe/js` 2.8.108 sends.
 */
import { apiPath, customerRefFrom, requireCustomerType, requireId, requireOptions, requireText, type CustomerSelector } from "../api-context.js";
import { invalidArgument } from "../errors.js";
import { itemTopic } from "../live/bus.js";
import type { CustomerType } from "../schemas/common.js";
import type { transactionEntrySchema, transactionSchema } from "../schemas/transactions.js";
import { TRANSACTION_TYPES, type TransactionType } from "../wire-constants.js";
import type { CallOptions } from "../transport.js";
import { refundTransactionResponseShape, transactionsListResponseShape, updateQuantityResponseShape } from "../wire-shapes.js";
import type * as z from "zod/mini";
import type { AdminConnection } from "./admin-connection.js";

/** A transaction of the payments ledger, as the API sends it (snake_case, as `@stackframe/js` returns it). */
export type Transaction = z.output<typeof transactionSchema>;
/** One entry of a {@link Transaction}; `entry.type` tells which. */
export type TransactionEntry = z.output<typeof transactionEntrySchema>;
export type { TransactionType };

/** Options of `listTransactions` / `useTransactions`: every one optional. */
export interface ListTransactionsOptions {
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined;
  /** Page size; the server clamps it to 1..200 (default 50). */
  limit?: number | undefined;
  /** Only transactions of this type. */
  type?: TransactionType | undefined;
  /** Only transactions of this kind of customer. */
  customerType?: CustomerType | undefined;
  /** Only transactions of this customer. */
  customerId?: string | undefined;
}

/** A page of transactions, newest first. */
export interface TransactionsPage {
  transactions: Transaction[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Options of `refundTransaction` (official names). */
export interface RefundTransactionOptions {
  /** What `id` names: a subscription or a one-time purchase (a product grant entry's `subscription_id` / `one_time_purchase_id`). */
  type: "subscription" | "one-time-purchase";
  id: string;
  /** The invoice to refund, for a subscription (default: its first). */
  invoiceId?: string | undefined;
  /** Amount to give back in US dollars, as a money string (`"5"`, `"9.99"`). */
  amountUsd: string;
  /** For a subscription: end it now or at the end of its period. */
  endAction?: "now" | "at-period-end" | undefined;
}

/** Options of `createItemQuantityChange` (official names): a customer, the item and the change. */
export type ItemQuantityChangeOptions = CustomerSelector & {
  itemId: string;
  /** Added to the quantity; negative removes (the quantity may go below zero). */
  quantity: number;
  /** When a grant (positive `quantity`) expires: an ISO 8601 date-time with a zone, or a Date. */
  expiresAt?: string | Date | undefined;
  /** Why, for the people reading the transactions. */
  description?: string | undefined;
};

const MONEY = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;
// What the API accepts as `expires_at`: a date-time with `Z` or an offset.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Refuses keys an options object does not take (most often a snake_case or misspelt name). */
function refuseUnknownKeys(options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw invalidArgument(key, `unknown option (expected ${allowed.join(", ")}); nothing was sent`);
  }
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalidArgument(name, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`);
}

/** `GET /internal/payments/transactions` with the given filters (only those given are sent). */
export async function listTransactions(admin: AdminConnection, options: ListTransactionsOptions = {}, callOptions?: CallOptions): Promise<TransactionsPage> {
  requireOptions(options, "{ cursor?, limit?, type?, customerType?, customerId? }");
  refuseUnknownKeys(options, ["cursor", "limit", "type", "customerType", "customerId"]);
  const { cursor, limit, type, customerType, customerId } = options;
  const query = {
    cursor: cursor === undefined ? undefined : requireText("cursor", cursor),
    limit: limit === undefined ? undefined : String(requirePageSize(limit)),
    type: type === undefined ? undefined : oneOf("type", type, TRANSACTION_TYPES),
    customer_type: customerType === undefined ? undefined : requireCustomerType(customerType),
    customer_id: customerId === undefined ? undefined : requireText("customerId", customerId),
  };
  const wire = await admin.ctx.call({ method: "GET", path: apiPath`/internal/payments/transactions`, query, schema: transactionsListResponseShape, options: callOptions });
  return { transactions: wire.transactions, nextCursor: wire.next_cursor };
}

function requirePageSize(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument("limit", `expected an integer ≥ 1, got ${typeof value === "number" ? value : typeof value}`);
  }
  return value;
}

/**
 * `POST /internal/payments/transactions/refund` with `{ type, id, invoice_id?, amount_usd,
 * end_action? }`. The refund id is null when the server does not report one.
 */
export async function refundTransaction(admin: AdminConnection, options: RefundTransactionOptions, callOptions?: CallOptions): Promise<{ refundTransactionId: string | null }> {
  requireOptions(options, "{ type, id, amountUsd, invoiceId?, endAction? }");
  refuseUnknownKeys(options, ["type", "id", "invoiceId", "amountUsd", "endAction"]);
  const type = oneOf("type", options.type, ["subscription", "one-time-purchase"] as const);
  const id = requireText("id", options.id);
  if (typeof options.amountUsd !== "string" || !MONEY.test(options.amountUsd)) {
    throw invalidArgument("amountUsd", `expected a US dollar amount as a string with at most 2 decimals ("5", "9.99"), got ${JSON.stringify(options.amountUsd) ?? "undefined"}`);
  }
  const body: Record<string, unknown> = { type, id };
  if (options.invoiceId !== undefined) body.invoice_id = requireText("invoiceId", options.invoiceId);
  body.amount_usd = options.amountUsd;
  if (options.endAction !== undefined) body.end_action = oneOf("endAction", options.endAction, ["now", "at-period-end"] as const);
  const wire = await admin.ctx.call({ method: "POST", path: apiPath`/internal/payments/transactions/refund`, body, schema: refundTransactionResponseShape, options: callOptions });
  admin.changed({ kind: "refund", transactionId: id });
  return { refundTransactionId: wire.refund_transaction_id ?? null };
}

function expiresAtOf(value: unknown): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidArgument("expiresAt", "the Date is invalid; nothing was sent");
    return value.toISOString();
  }
  if (typeof value === "string" && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw invalidArgument("expiresAt", `expected a Date or an ISO 8601 date-time with a zone ("2030-01-01T00:00:00Z"), got ${JSON.stringify(value) ?? "undefined"}`);
}

/**
 * A manual change of a customer's item (`POST .../update-quantity?allow_negative=true`, body
 * `{ delta, expires_at?, description? }`): any customer, any sign, optionally expiring.
 * Announces the item on the app's live bus (readers re-read it) and reports the change.
 */
export async function createItemQuantityChange(admin: AdminConnection, options: ItemQuantityChangeOptions, callOptions?: CallOptions): Promise<void> {
  requireOptions(options, "{ userId | teamId | customCustomerId, itemId, quantity, expiresAt?, description? }");
  refuseUnknownKeys(options, ["userId", "teamId", "customCustomerId", "itemId", "quantity", "expiresAt", "description"]);
  const ref = customerRefFrom(options);
  const itemId = requireId("itemId", options.itemId);
  const quantity: unknown = options.quantity;
  if (typeof quantity !== "number" || !Number.isSafeInteger(quantity)) {
    throw invalidArgument("quantity", `expected an integer, got ${typeof quantity === "number" ? quantity : typeof quantity}`);
  }
  const body: Record<string, unknown> = { delta: quantity };
  if (options.expiresAt !== undefined) body.expires_at = expiresAtOf(options.expiresAt);
  if (options.description !== undefined) {
    if (typeof options.description !== "string") throw invalidArgument("description", `expected a string, got ${typeof options.description}`);
    body.description = options.description;
  }
  await admin.ctx.call({
    method: "POST",
    path: apiPath`/payments/items/${ref.type}/${ref.id}/${itemId}/update-quantity`,
    query: { allow_negative: "true" },
    body,
    schema: updateQuantityResponseShape,
    options: callOptions,
  });
  // The answer has no quantity (an expiring grant may count as nothing): readers re-read it.
  admin.ctx.live.publish(itemTopic(ref.type, ref.id, itemId), undefined);
  admin.changed({ kind: "item-quantity", customer: ref, itemId });
}
