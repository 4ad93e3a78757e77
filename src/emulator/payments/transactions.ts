/**
 * `GET /internal/payments/transactions` (admin): the project's payments history as ledger
 * transactions, newest first, from the stored records:
 *
 * - `purchase`: a grant, test-mode checkout or paid purchase (`product_grant`, plus a
 *   `money_transfer` when a card paid for it);
 * - `product-change`: a plan switch (`product_revocation` of the old plan, `product_grant` of the
 *   new one, and the prorated charge);
 * - `subscription-renewal`: a paid renewal invoice (`money_transfer`);
 * - `subscription-cancellation`: a cancellation, created when it was asked for and effective when
 *   the product is taken back (`product_revocation`);
 * - `manual-item-quantity-change`: an update-quantity (`item_quantity_change` with its description
 *   and expiry);
 * - `refund`: `product_revocation`s of what was refunded and a negative `money_transfer`; the
 *   refunded transaction lists it in `adjusted_by`.
 *
 * Filters by type, customer type and customer id; pages with an opaque keyset cursor
 * (creation time, transaction id), so a page never repeats or skips a transaction that existed
 * when the first page was read.
 */
import type { CustomerType, Transaction, TransactionEntry, TransactionType } from "../../core/schemas/index.js";
import { transactionsListResponseSchema, transactionsQuerySchema } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { centsToMoney, multiplyMoney } from "../provider/money.js";
import { priceOutput, productOutput, type ResolvedProduct } from "./products.js";

/** A purchase record with the columns the transactions need. */
export interface PurchaseRow {
  id: string;
  customer_type: CustomerType;
  customer_id: string;
  kind: "subscription" | "one_time";
  product_id: string | null;
  product: ResolvedProduct;
  price_id: string | null;
  quantity: number;
  created_at: number;
  creation_source: string;
  stripe_subscription_id: string | null;
  stripe_payment_intent_id: string | null;
  previous_segment_id: string | null;
  canceled_at: number | null;
  ended_at: number | null;
  revoked_quantity: number;
}

const PURCHASE_COLUMNS = `id, customer_type, customer_id, kind, product_id, product, price_id, quantity, created_at, creation_source, stripe_subscription_id,
  stripe_payment_intent_id, previous_segment_id, canceled_at, ended_at, revoked_quantity`;

function purchaseFromRow(r: Record<string, unknown>): PurchaseRow {
  return {
    id: String(r.id),
    customer_type: r.customer_type as CustomerType,
    customer_id: String(r.customer_id),
    kind: r.kind as "subscription" | "one_time",
    product_id: (r.product_id as string | null) ?? null,
    product: (typeof r.product === "string" ? JSON.parse(r.product) : r.product) as ResolvedProduct,
    price_id: (r.price_id as string | null) ?? null,
    quantity: Number(r.quantity),
    created_at: Number(r.created_at),
    creation_source: String(r.creation_source),
    stripe_subscription_id: (r.stripe_subscription_id as string | null) ?? null,
    stripe_payment_intent_id: (r.stripe_payment_intent_id as string | null) ?? null,
    previous_segment_id: (r.previous_segment_id as string | null) ?? null,
    canceled_at: r.canceled_at === null || r.canceled_at === undefined ? null : Number(r.canceled_at),
    ended_at: r.ended_at === null || r.ended_at === undefined ? null : Number(r.ended_at),
    revoked_quantity: Number(r.revoked_quantity ?? 0),
  };
}

/** Purchase records of a project by id. */
export async function loadPurchaseRows(db: SqlExecutor, projectId: string, ids: readonly string[]): Promise<Map<string, PurchaseRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<Record<string, unknown>>(`SELECT ${PURCHASE_COLUMNS} FROM payments_purchases WHERE project_id = $1 AND id = ANY($2::text[])`, [
    projectId,
    [...ids],
  ]);
  return new Map(rows.map((r) => [String(r.id), purchaseFromRow(r)]));
}

const base = { adjusted_transaction_id: null, adjusted_entry_index: null };

/** Whether a card paid for the purchase (the provider billed it, outside test mode). */
function isPaid(p: PurchaseRow): boolean {
  return p.creation_source !== "TEST_MODE" && (p.stripe_payment_intent_id !== null || p.stripe_subscription_id !== null);
}

/** What a purchase's price charged, per currency (price × quantity), for paid purchases. */
function chargedAmount(p: PurchaseRow): Record<string, string> | null {
  if (!isPaid(p) || p.price_id === null || p.product.prices === "include-by-default") return null;
  const price = p.product.prices[p.price_id];
  if (!price) return null;
  const charged: Record<string, string> = {};
  for (const [currency, amount] of Object.entries(priceOutput(price))) {
    if (typeof amount !== "string") continue;
    const total = multiplyMoney(amount, p.quantity);
    if (total !== null && total !== "0") charged[currency] = total;
  }
  return Object.keys(charged).length > 0 ? charged : null;
}

function grantEntry(p: PurchaseRow): TransactionEntry {
  return {
    type: "product_grant",
    ...base,
    customer_type: p.customer_type,
    customer_id: p.customer_id,
    product_id: p.product_id,
    product: productOutput(p.product),
    price_id: p.price_id,
    quantity: p.quantity,
    ...(p.kind === "subscription" ? { subscription_id: p.id } : { one_time_purchase_id: p.id }),
  };
}

function moneyEntry(customerType: CustomerType, customerId: string, charged: Record<string, string>): TransactionEntry {
  return { type: "money_transfer", ...base, customer_type: customerType, customer_id: customerId, charged_amount: charged, net_amount: { USD: charged.USD ?? "0" } };
}

/**
 * The entries of a purchase's own transaction (`purchase` or, for a plan switch, `product-change`)
 * and the index of its `product_grant`. `previous` is the record a switch replaced; `switchCharge`
 * the prorated amount charged for it, in cents.
 */
export function purchaseEntries(p: PurchaseRow, previous: PurchaseRow | null, switchChargeCents: number | null): { entries: TransactionEntry[]; grantIndex: number } {
  const entries: TransactionEntry[] = [];
  if (p.previous_segment_id !== null && previous) {
    entries.push({ type: "product_revocation", adjusted_transaction_id: previous.id, adjusted_entry_index: previous.previous_segment_id === null ? 0 : 1, quantity: previous.quantity - previous.revoked_quantity });
  }
  const grantIndex = entries.length;
  entries.push(grantEntry(p));
  if (p.previous_segment_id !== null) {
    if (switchChargeCents !== null && switchChargeCents > 0) entries.push(moneyEntry(p.customer_type, p.customer_id, { USD: centsToMoney(switchChargeCents) }));
  } else {
    const charged = chargedAmount(p);
    if (charged) entries.push(moneyEntry(p.customer_type, p.customer_id, charged));
  }
  return { entries, grantIndex };
}

interface IndexRow {
  type: TransactionType;
  txn_id: string;
  source_id: string;
  created_at: number;
  customer_type: CustomerType;
  customer_id: string;
}

function encodeCursor(row: IndexRow): string {
  return Buffer.from(JSON.stringify({ c: Number(row.created_at), t: row.txn_id })).toString("base64url");
}

function decodeCursor(ctx: RequestContext, cursor: string): { c: number; t: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { c?: unknown; t?: unknown };
    if (typeof parsed.c === "number" && Number.isFinite(parsed.c) && typeof parsed.t === "string" && parsed.t.length > 0) return { c: parsed.c, t: parsed.t };
  } catch {
    // fall through
  }
  throw ApiError.schema(ctx.method, ctx.url.pathname, ["query.cursor is not a valid cursor"]);
}

/** Every transaction of a project as (type, id, source, time, customer), one SQL source per type. */
const INDEX_SQL = `
  SELECT CASE WHEN previous_segment_id IS NULL THEN 'purchase' ELSE 'product-change' END AS type, id AS txn_id, id AS source_id, created_at, customer_type, customer_id
    FROM payments_purchases WHERE project_id = $1
  UNION ALL
  SELECT 'subscription-cancellation', id || ':cancel', id, canceled_at, customer_type, customer_id
    FROM payments_purchases WHERE project_id = $1 AND canceled_at IS NOT NULL
  UNION ALL
  SELECT 'subscription-renewal', i.id, i.id, i.created_at, p.customer_type, p.customer_id
    FROM payments_subscription_invoices i
    JOIN LATERAL (SELECT customer_type, customer_id FROM payments_purchases WHERE project_id = $1 AND stripe_subscription_id = i.stripe_subscription_id LIMIT 1) p ON true
    WHERE i.project_id = $1 AND i.billing_reason = 'subscription_cycle' AND i.status = 'paid'
  UNION ALL
  SELECT 'manual-item-quantity-change', 'manual-' || id::text, id::text, created_at, customer_type, customer_id
    FROM payments_item_changes WHERE project_id = $1
  UNION ALL
  SELECT 'refund', id, id, created_at, customer_type, customer_id FROM payments_refunds WHERE project_id = $1`;

/** Reads one page of a project's transactions. */
export async function listTransactions(
  db: SqlExecutor,
  projectId: string,
  options: { limit: number; cursor: { c: number; t: string } | null; type?: TransactionType | undefined; customerType?: CustomerType | undefined; customerId?: string | undefined },
): Promise<{ transactions: Transaction[]; nextCursor: string | null }> {
  const params: unknown[] = [projectId];
  const where: string[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    let text = sql;
    for (const v of values) {
      params.push(v);
      text = text.replace("?", `$${params.length}`);
    }
    where.push(text);
  };
  if (options.type !== undefined) add("type = ?", options.type);
  if (options.customerType !== undefined) add("customer_type = ?", options.customerType);
  if (options.customerId !== undefined) add("customer_id = ?", options.customerId);
  if (options.cursor) add("(created_at < ? OR (created_at = ? AND txn_id < ?))", options.cursor.c, options.cursor.c, options.cursor.t);
  params.push(options.limit + 1);
  const rows = await db.query<IndexRow>(
    `SELECT * FROM (${INDEX_SQL}) t ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, txn_id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, options.limit);
  const transactions = await materialize(db, projectId, page);
  return { transactions, nextCursor: rows.length > options.limit ? encodeCursor(page.at(-1)!) : null };
}

async function materialize(db: SqlExecutor, projectId: string, page: readonly IndexRow[]): Promise<Transaction[]> {
  const purchaseIds = new Set<string>();
  for (const r of page) if (r.type === "purchase" || r.type === "product-change" || r.type === "subscription-cancellation") purchaseIds.add(r.source_id);
  let purchases = await loadPurchaseRows(db, projectId, [...purchaseIds]);
  const previousIds = [...purchases.values()].map((p) => p.previous_segment_id).filter((id): id is string => id !== null && !purchases.has(id));
  if (previousIds.length > 0) purchases = new Map([...purchases, ...(await loadPurchaseRows(db, projectId, previousIds))]);

  const invoiceIds = page.filter((r) => r.type === "subscription-renewal").map((r) => r.source_id);
  const invoices = new Map(
    invoiceIds.length === 0
      ? []
      : (
          await db.query<{ id: string; amount_paid: number }>("SELECT id, amount_paid FROM payments_subscription_invoices WHERE project_id = $1 AND id = ANY($2::text[])", [
            projectId,
            invoiceIds,
          ])
        ).map((r) => [r.id, Number(r.amount_paid)]),
  );
  // The prorated charge of each plan switch: the plan-change invoice written at the switch.
  const switchCharges = new Map<string, number>();
  for (const p of purchases.values()) {
    if (p.previous_segment_id === null || p.stripe_subscription_id === null) continue;
    const charged = await db.query<{ amount_paid: number }>(
      `SELECT amount_paid FROM payments_subscription_invoices WHERE project_id = $1 AND stripe_subscription_id = $2 AND billing_reason = 'subscription_update'
         AND status = 'paid' AND created_at = $3`,
      [projectId, p.stripe_subscription_id, p.created_at],
    );
    if (charged[0]) switchCharges.set(p.id, Number(charged[0].amount_paid));
  }
  const changeIds = page.filter((r) => r.type === "manual-item-quantity-change").map((r) => r.source_id);
  const changes = new Map(
    changeIds.length === 0
      ? []
      : (
          await db.query<{ id: string; item_id: string; delta: number; expires_at: number | null; description: string | null }>(
            "SELECT id::text AS id, item_id, delta, expires_at, description FROM payments_item_changes WHERE project_id = $1 AND id::text = ANY($2::text[])",
            [projectId, changeIds],
          )
        ).map((r) => [r.id, r]),
  );
  const refundIds = page.filter((r) => r.type === "refund").map((r) => r.source_id);
  const refundEntries = new Map(
    refundIds.length === 0
      ? []
      : (await db.query<{ id: string; entries: unknown }>("SELECT id, entries FROM payments_refunds WHERE project_id = $1 AND id = ANY($2::text[])", [projectId, refundIds])).map(
          (r) => [r.id, (typeof r.entries === "string" ? JSON.parse(r.entries) : r.entries) as TransactionEntry[]],
        ),
  );
  const adjustable = page.filter((r) => r.type === "purchase" || r.type === "product-change" || r.type === "subscription-renewal").map((r) => r.txn_id);
  const adjustedBy = new Map<string, Transaction["adjusted_by"]>();
  if (adjustable.length > 0) {
    const refunds = await db.query<{ id: string; adjusted_transaction_id: string; entries: unknown }>(
      "SELECT id, adjusted_transaction_id, entries FROM payments_refunds WHERE project_id = $1 AND adjusted_transaction_id = ANY($2::text[]) ORDER BY created_at, id",
      [projectId, adjustable],
    );
    for (const r of refunds) {
      const entries = (typeof r.entries === "string" ? JSON.parse(r.entries) : r.entries) as TransactionEntry[];
      const list = adjustedBy.get(r.adjusted_transaction_id) ?? [];
      entries.forEach((e, i) => {
        if (e.adjusted_transaction_id === r.adjusted_transaction_id) list.push({ transaction_id: r.id, entry_index: i });
      });
      adjustedBy.set(r.adjusted_transaction_id, list);
    }
  }

  return page.map((r): Transaction => {
    const common = {
      id: r.txn_id,
      created_at_millis: Number(r.created_at),
      effective_at_millis: Number(r.created_at),
      type: r.type,
      customer_type: r.customer_type,
      customer_id: r.customer_id,
      adjusted_by: adjustedBy.get(r.txn_id) ?? [],
    };
    if (r.type === "purchase" || r.type === "product-change") {
      const p = purchases.get(r.source_id)!;
      const previous = p.previous_segment_id === null ? null : (purchases.get(p.previous_segment_id) ?? null);
      return { ...common, entries: purchaseEntries(p, previous, switchCharges.get(p.id) ?? null).entries, test_mode: p.creation_source === "TEST_MODE" };
    }
    if (r.type === "subscription-cancellation") {
      const p = purchases.get(r.source_id)!;
      return {
        ...common,
        effective_at_millis: p.ended_at ?? Number(r.created_at),
        entries: [{ type: "product_revocation", adjusted_transaction_id: p.id, adjusted_entry_index: p.previous_segment_id === null ? 0 : 1, quantity: p.quantity - p.revoked_quantity }],
        test_mode: p.creation_source === "TEST_MODE",
      };
    }
    if (r.type === "subscription-renewal") {
      const paid = invoices.get(r.source_id) ?? 0;
      return { ...common, entries: [moneyEntry(r.customer_type, r.customer_id, { USD: centsToMoney(paid) })], test_mode: false };
    }
    if (r.type === "manual-item-quantity-change") {
      const c = changes.get(r.source_id)!;
      return {
        ...common,
        entries: [
          {
            type: "item_quantity_change",
            ...base,
            customer_type: r.customer_type,
            customer_id: r.customer_id,
            item_id: c.item_id,
            quantity: Number(c.delta),
            description: c.description,
            expires_at_millis: c.expires_at === null ? null : Number(c.expires_at),
          },
        ],
        test_mode: false,
      };
    }
    return { ...common, entries: refundEntries.get(r.source_id) ?? [], test_mode: false };
  });
}

/** The transactions route (admin only). */
export const transactionsRoute: Route = defineRoute({
  method: "GET",
  path: "/internal/payments/transactions",
  access: "admin",
  query: transactionsQuerySchema,
  response: transactionsListResponseSchema,
  async handler(ctx, { query: q }) {
    const limit = Math.min(200, Math.max(1, q.limit === undefined ? 50 : Number(q.limit)));
    const cursor = q.cursor === undefined ? null : decodeCursor(ctx, q.cursor);
    const { transactions, nextCursor } = await listTransactions(ctx.db, ctx.projectId!, {
      limit,
      cursor,
      type: q.type,
      customerType: q.customer_type,
      customerId: q.customer_id,
    });
    return { transactions, next_cursor: nextCursor };
  },
});
