/**
 * SQL for the payments records: the same statements on PGlite and PostgreSQL. Records are
 * append-only except a subscription's end (cancel, replacement) and a purchase code's use.
 */
import type { CustomerType, DayInterval } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import type { LedgerItemChange, LedgerPurchase } from "../ledger.js";
import type { ResolvedProduct } from "./products.js";

/** A customer: identity is (type, id) within a project. */
export interface CustomerRef {
  projectId: string;
  customerType: CustomerType;
  customerId: string;
}

/** A subscription or one-time purchase as stored, usable directly by the ledger. */
export interface PurchaseRecord extends LedgerPurchase {
  product: ResolvedProduct;
  priceId: string | null;
  /** Subscriptions: `active` or `canceled`; one-time purchases: `completed`. */
  status: string;
  periodInterval: DayInterval | null;
  cancelAtPeriodEnd: boolean;
  creationSource: string;
  /** Provider-backed subscriptions: the start of the provider's current period (periods follow from it). */
  periodAnchor?: number | null;
}

/** A purchase code (checkout URL) as stored. */
export interface PurchaseCodeRecord extends CustomerRef {
  fullCode: string;
  productId: string | null;
  product: ResolvedProduct;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  /** The project's Stripe account when the code was created. */
  stripeAccountId: string;
  /** Whether that account could take charges then. */
  chargesEnabled: boolean;
}

const customerWhere = "project_id = $1 AND customer_type = $2 AND customer_id = $3";
const customerParams = (c: CustomerRef) => [c.projectId, c.customerType, c.customerId];

/**
 * Takes the customer's write lock until the transaction ends: every payments write for one
 * customer runs its check-then-insert under it, so two requests (or two emulator processes on
 * one PostgreSQL) can never both spend the same balance. The upsert locks the row even when it
 * is created by this statement.
 */
export async function lockCustomer(tx: SqlExecutor, c: CustomerRef): Promise<void> {
  await tx.query(
    `INSERT INTO payments_customer_locks (project_id, customer_type, customer_id) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, customer_type, customer_id) DO UPDATE SET version = payments_customer_locks.version + 1`,
    customerParams(c),
  );
}

/** Manual quantity changes of a customer, optionally for one item, in creation order. */
export async function loadItemChanges(db: SqlExecutor, c: CustomerRef, itemId?: string): Promise<LedgerItemChange[]> {
  const rows = await db.query<{ item_id: string; delta: number; expires_at: number | null; created_at: number }>(
    `SELECT item_id, delta, expires_at, created_at FROM payments_item_changes WHERE ${customerWhere}${itemId === undefined ? "" : " AND item_id = $4"} ORDER BY id`,
    itemId === undefined ? customerParams(c) : [...customerParams(c), itemId],
  );
  return rows.map((r) => ({
    itemId: r.item_id,
    delta: Number(r.delta),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    createdAt: Number(r.created_at),
  }));
}

/**
 * Aggregates of one item's manual changes: their sum, how many are expiring grants, and the
 * newest change time. Without expiring grants (and without purchases including the item) the
 * ledger's quantity is exactly the sum, so reads need not replay every change.
 */
export async function summarizeItemChanges(
  db: SqlExecutor,
  c: CustomerRef,
  itemId: string,
): Promise<{ total: number; expiring: number; latest: number }> {
  const rows = await db.query<{ total: number | null; expiring: number; latest: number | null }>(
    `SELECT sum(delta) AS total, count(*) FILTER (WHERE expires_at IS NOT NULL AND delta > 0)::int AS expiring, max(created_at) AS latest
     FROM payments_item_changes WHERE ${customerWhere} AND item_id = $4`,
    [...customerParams(c), itemId],
  );
  const r = rows[0];
  return { total: Number(r?.total ?? 0), expiring: Number(r?.expiring ?? 0), latest: Number(r?.latest ?? 0) };
}

/**
 * What an item's quantity needs to know before any replay, in one statement: the aggregates of
 * its manual changes (see {@link summarizeItemChanges}) and, of the customer's purchases, the
 * newest creation time and how many include the item. Without expiring grants and without
 * including purchases the quantity is the changes' sum, so the common read costs this statement only.
 */
export async function summarizeCustomerItem(
  db: SqlExecutor,
  c: CustomerRef,
  itemId: string,
): Promise<{ total: number; expiring: number; latest: number; latestPurchase: number; includingPurchases: number }> {
  const rows = await db.query<{
    total: number | null;
    expiring: number;
    latest: number | null;
    latest_purchase: number | null;
    including_purchases: number;
  }>(
    `SELECT changes.total, changes.expiring, changes.latest, purchases.latest AS latest_purchase, purchases.including AS including_purchases
     FROM (SELECT sum(delta) AS total, count(*) FILTER (WHERE expires_at IS NOT NULL AND delta > 0)::int AS expiring, max(created_at) AS latest
           FROM payments_item_changes WHERE ${customerWhere} AND item_id = $4) changes,
          (SELECT max(created_at) AS latest, count(*) FILTER (WHERE (product -> 'includedItems' -> $4::text) IS NOT NULL)::int AS including
           FROM payments_purchases WHERE ${customerWhere}) purchases`,
    [...customerParams(c), itemId],
  );
  const r = rows[0];
  return {
    total: Number(r?.total ?? 0),
    expiring: Number(r?.expiring ?? 0),
    latest: Number(r?.latest ?? 0),
    latestPurchase: Number(r?.latest_purchase ?? 0),
    includingPurchases: Number(r?.including_purchases ?? 0),
  };
}

/** Appends a manual quantity change. */
export async function insertItemChange(
  tx: SqlExecutor,
  c: CustomerRef,
  change: { itemId: string; delta: number; expiresAt: number | null; description: string | null; createdAt: number },
): Promise<void> {
  await tx.query(
    `INSERT INTO payments_item_changes (project_id, customer_type, customer_id, item_id, delta, expires_at, description, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [...customerParams(c), change.itemId, change.delta, change.expiresAt, change.description, change.createdAt],
  );
}

interface PurchaseRow {
  id: string;
  kind: "subscription" | "one_time";
  product_id: string | null;
  product: ResolvedProduct | string;
  price_id: string | null;
  quantity: number;
  created_at: number;
  status: string;
  period_interval: DayInterval | string | null;
  cancel_at_period_end: boolean;
  ended_at: number | null;
  creation_source: string;
  current_period_start: number | null;
  revoked_quantity: number | null;
  revoked_at: number | null;
}

function fromJson<T>(v: T | string): T {
  return typeof v === "string" ? (JSON.parse(v) as T) : v;
}

/** All subscriptions and one-time purchases of a customer, oldest first. */
export async function loadPurchases(db: SqlExecutor, c: CustomerRef): Promise<PurchaseRecord[]> {
  const rows = await db.query<PurchaseRow>(
    `SELECT id, kind, product_id, product, price_id, quantity, created_at, status, period_interval, cancel_at_period_end, ended_at, creation_source,
       current_period_start, revoked_quantity, revoked_at
     FROM payments_purchases WHERE ${customerWhere} ORDER BY created_at, id`,
    customerParams(c),
  );
  return rows.map((r) => {
    const product = fromJson<ResolvedProduct>(r.product);
    return {
      id: r.id,
      kind: r.kind,
      productId: r.product_id,
      product,
      includedItems: product.includedItems,
      priceId: r.price_id,
      quantity: Number(r.quantity),
      createdAt: Number(r.created_at),
      status: r.status,
      periodInterval: r.period_interval === null ? null : fromJson<DayInterval>(r.period_interval),
      cancelAtPeriodEnd: r.cancel_at_period_end,
      endedAt: r.ended_at === null ? null : Number(r.ended_at),
      creationSource: r.creation_source,
      periodAnchor: r.current_period_start === null || r.current_period_start === undefined ? null : Number(r.current_period_start),
      revokedQuantity: Number(r.revoked_quantity ?? 0),
      revokedAt: r.revoked_at === null || r.revoked_at === undefined ? null : Number(r.revoked_at),
    };
  });
}

/** Appends a subscription or one-time purchase. */
export async function insertPurchase(tx: SqlExecutor, c: CustomerRef, p: PurchaseRecord): Promise<void> {
  await tx.query(
    `INSERT INTO payments_purchases (id, project_id, customer_type, customer_id, kind, product_id, product, price_id, quantity,
       created_at, status, period_interval, cancel_at_period_end, ended_at, creation_source)
     VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8, $9, $10, $11, $12::json, $13, $14, $15)`,
    [
      p.id,
      ...customerParams(c),
      p.kind,
      p.productId,
      JSON.stringify(p.product),
      p.priceId,
      p.quantity,
      p.createdAt,
      p.status,
      p.periodInterval === null ? null : JSON.stringify(p.periodInterval),
      p.cancelAtPeriodEnd,
      p.endedAt,
      p.creationSource,
    ],
  );
}

/** Ends a subscription: `canceled` with the given end time (now when replaced, period end when cancelled). */
export async function endSubscription(
  tx: SqlExecutor,
  c: CustomerRef,
  subscriptionId: string,
  endedAt: number,
  cancelAtPeriodEnd: boolean,
): Promise<void> {
  await tx.query(
    `UPDATE payments_purchases SET status = 'canceled', ended_at = $5, cancel_at_period_end = $6
     WHERE ${customerWhere} AND id = $4 AND kind = 'subscription'`,
    [...customerParams(c), subscriptionId, endedAt, cancelAtPeriodEnd],
  );
}

/** Stores a new purchase code. */
export async function insertPurchaseCode(tx: SqlExecutor, code: PurchaseCodeRecord): Promise<void> {
  await tx.query(
    `INSERT INTO payments_purchase_codes (full_code, project_id, customer_type, customer_id, product_id, product, created_at, expires_at,
       stripe_account_id, charges_enabled)
     VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9, $10)`,
    [
      code.fullCode,
      code.projectId,
      code.customerType,
      code.customerId,
      code.productId,
      JSON.stringify(code.product),
      code.createdAt,
      code.expiresAt,
      code.stripeAccountId,
      code.chargesEnabled,
    ],
  );
}

/** A purchase code that exists, is unused and unexpired as of `now`; null otherwise. */
export async function findValidPurchaseCode(db: SqlExecutor, fullCode: string, now: number): Promise<PurchaseCodeRecord | null> {
  const rows = await db.query<{
    full_code: string;
    project_id: string;
    customer_type: CustomerType;
    customer_id: string;
    product_id: string | null;
    product: ResolvedProduct | string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
    stripe_account_id: string | null;
    charges_enabled: boolean | null;
    project_stripe_account_id: string | null;
    project_charges_enabled: boolean | null;
  }>(
    // Codes stored before codes kept their account fall back to the project's current one.
    `SELECT c.*, p.stripe_account_id AS project_stripe_account_id, p.stripe_charges_enabled AS project_charges_enabled
     FROM payments_purchase_codes c LEFT JOIN emulator_projects p ON p.id = c.project_id WHERE c.full_code = $1`,
    [fullCode],
  );
  const r = rows[0];
  if (!r || r.used_at !== null || Number(r.expires_at) <= now) return null;
  return {
    fullCode: r.full_code,
    projectId: r.project_id,
    customerType: r.customer_type,
    customerId: r.customer_id,
    productId: r.product_id,
    product: fromJson<ResolvedProduct>(r.product),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: null,
    stripeAccountId: r.stripe_account_id ?? r.project_stripe_account_id ?? "",
    chargesEnabled: r.charges_enabled ?? r.project_charges_enabled ?? false,
  };
}

/** Marks a code used; false when another request used it first (single use). */
export async function usePurchaseCode(tx: SqlExecutor, fullCode: string, now: number): Promise<boolean> {
  const rows = await tx.query<{ full_code: string }>(
    `UPDATE payments_purchase_codes SET used_at = $2 WHERE full_code = $1 AND used_at IS NULL RETURNING full_code`,
    [fullCode, now],
  );
  return rows.length === 1;
}

/** Appends a live event (see live-events.ts) for a customer. */
export async function insertLiveEvent(
  tx: SqlExecutor,
  c: CustomerRef,
  event: { kind: "item" | "products"; itemId: string | null; payload: unknown; createdAt: number },
): Promise<void> {
  await tx.query(
    `INSERT INTO payments_live_events (project_id, customer_type, customer_id, kind, item_id, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::json, $7)`,
    [...customerParams(c), event.kind, event.itemId, event.payload === null ? null : JSON.stringify(event.payload), event.createdAt],
  );
}

/** Live events of a customer after `afterId`, oldest first. */
export async function loadLiveEvents(
  db: SqlExecutor,
  c: CustomerRef,
  afterId: number,
): Promise<{ id: number; kind: "item" | "products"; itemId: string | null; payload: unknown }[]> {
  const rows = await db.query<{ id: string; kind: "item" | "products"; item_id: string | null; payload: unknown }>(
    `SELECT id::text AS id, kind, item_id, payload FROM payments_live_events WHERE ${customerWhere} AND id > $4 ORDER BY id LIMIT 500`,
    [...customerParams(c), afterId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    itemId: r.item_id,
    payload: typeof r.payload === "string" ? (JSON.parse(r.payload) as unknown) : r.payload,
  }));
}

/** The newest live event id of a customer (0 when none). */
export async function latestLiveEventId(db: SqlExecutor, c: CustomerRef): Promise<number> {
  const rows = await db.query<{ id: string | null }>(
    `SELECT max(id)::text AS id FROM payments_live_events WHERE ${customerWhere}`,
    customerParams(c),
  );
  return Number(rows[0]?.id ?? 0);
}

/** The payload of the newest live event of a kind (and item), or undefined when there is none. */
export async function lastLiveEventPayload(db: SqlExecutor, c: CustomerRef, kind: "item" | "products", itemId: string | null): Promise<unknown> {
  const rows = await db.query<{ payload: unknown }>(
    `SELECT payload FROM payments_live_events WHERE ${customerWhere} AND kind = $4 AND item_id IS NOT DISTINCT FROM $5 ORDER BY id DESC LIMIT 1`,
    [...customerParams(c), kind, itemId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return typeof r.payload === "string" ? (JSON.parse(r.payload) as unknown) : r.payload;
}

/** Items of a customer that have manual grants with an expiry (their quantity changes with time). */
export async function expiringItemIds(db: SqlExecutor, c: CustomerRef): Promise<string[]> {
  const rows = await db.query<{ item_id: string }>(
    `SELECT DISTINCT item_id FROM payments_item_changes WHERE ${customerWhere} AND expires_at IS NOT NULL AND delta > 0`,
    customerParams(c),
  );
  return rows.map((r) => r.item_id);
}
