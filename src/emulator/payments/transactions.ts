/**
 * `GET /internal/payments/transactions` (contract B.16, admin): the project's payments records as
 * ledger transactions, newest first. The emulator records no money, so there are no
 * `money_transfer` entries; purchases (grants, test-mode checkouts) carry a `product_grant` entry
 * and manual quantity changes an `item_quantity_change` entry.
 */
import * as z from "zod/mini";
import { customerTypeSchema } from "../../core/schemas/index.js";
import { ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { productOutput, type ResolvedProduct } from "./products.js";

const TRANSACTION_TYPES = [
  "purchase",
  "subscription-cancellation",
  "subscription-renewal",
  "manual-item-quantity-change",
  "chargeback",
  "product-change",
] as const;

const querySchema = z.strictObject({
  cursor: z.optional(z.string()),
  limit: z.optional(z.string().check(z.regex(/^-?\d{1,9}$/, "must be an integer"))),
  type: z.optional(z.enum(TRANSACTION_TYPES)),
  customer_type: z.optional(customerTypeSchema),
});

interface Transaction {
  id: string;
  created_at_millis: number;
  effective_at_millis: number;
  type: (typeof TRANSACTION_TYPES)[number] | null;
  entries: Record<string, unknown>[];
  adjusted_by: { transaction_id: string; entry_index: number }[];
  test_mode: boolean;
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodeCursor(ctx: RequestContext, cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof parsed.o === "number" && Number.isSafeInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw ApiError.schema(ctx.method, ctx.url.pathname, ["query.cursor is not a valid cursor"]);
}

const entryBase = { adjusted_transaction_id: null, adjusted_entry_index: null };

/** The transactions route (admin only). */
export const transactionsRoute: Route = defineRoute({
  method: "GET",
  path: "/internal/payments/transactions",
  access: "admin",
  query: querySchema,
  async handler(ctx, { query: q }) {
    const limit = Math.min(200, Math.max(1, q.limit === undefined ? 50 : Number(q.limit)));
    const offset = q.cursor === undefined ? 0 : decodeCursor(ctx, q.cursor);
    const projectId = ctx.projectId!;
    const take = offset + limit + 1;
    const customerFilter = q.customer_type === undefined ? "" : " AND customer_type = $3";
    const params = q.customer_type === undefined ? [projectId, take] : [projectId, take, q.customer_type];
    const wantManual = q.type === undefined || q.type === "manual-item-quantity-change";
    const wantPurchases = q.type === undefined || q.type === "purchase";
    const manual = wantManual
      ? await ctx.db.query<{ id: string; customer_type: string; customer_id: string; item_id: string; delta: number; created_at: number }>(
          `SELECT id::text AS id, customer_type, customer_id, item_id, delta, created_at FROM payments_item_changes
           WHERE project_id = $1${customerFilter} ORDER BY created_at DESC, id DESC LIMIT $2`,
          params,
        )
      : [];
    const purchases = wantPurchases
      ? await ctx.db.query<{
          id: string;
          customer_type: string;
          customer_id: string;
          kind: string;
          product_id: string | null;
          product: ResolvedProduct | string;
          price_id: string | null;
          quantity: number;
          created_at: number;
          creation_source: string;
        }>(
          `SELECT id, customer_type, customer_id, kind, product_id, product, price_id, quantity, created_at, creation_source FROM payments_purchases
           WHERE project_id = $1${customerFilter} ORDER BY created_at DESC, id DESC LIMIT $2`,
          params,
        )
      : [];
    const all: Transaction[] = [
      ...manual.map((m) => ({
        id: `manual-${m.id}`,
        created_at_millis: Number(m.created_at),
        effective_at_millis: Number(m.created_at),
        type: "manual-item-quantity-change" as const,
        entries: [
          { type: "item_quantity_change", ...entryBase, customer_type: m.customer_type, customer_id: m.customer_id, item_id: m.item_id, quantity: Number(m.delta) },
        ],
        adjusted_by: [],
        test_mode: false,
      })),
      ...purchases.map((p) => {
        const product = typeof p.product === "string" ? (JSON.parse(p.product) as ResolvedProduct) : p.product;
        return {
          id: p.id,
          created_at_millis: Number(p.created_at),
          effective_at_millis: Number(p.created_at),
          type: "purchase" as const,
          entries: [
            {
              type: "product_grant",
              ...entryBase,
              customer_type: p.customer_type,
              customer_id: p.customer_id,
              product_id: p.product_id,
              product: productOutput(product),
              price_id: p.price_id,
              quantity: Number(p.quantity),
              ...(p.kind === "subscription" ? { subscription_id: p.id } : { one_time_purchase_id: p.id }),
            },
          ],
          adjusted_by: [],
          test_mode: p.creation_source === "TEST_MODE",
        };
      }),
    ].sort((a, b) => b.created_at_millis - a.created_at_millis || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const page = all.slice(offset, offset + limit);
    return { transactions: page, next_cursor: all.length > offset + limit ? encodeCursor(offset + limit) : null };
  },
});
