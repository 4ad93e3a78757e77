/**
 * A customer's derived payments state as the read routes answer it: an item's quantity and the
 * owned-products listing, computed from the stored records by the ledger.
 */
import type { ItemResponse, PaymentsConfig, ProductsListResponse } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { ApiError } from "../http.js";
import { computeItemQuantity, computeOwnedProducts, currentPeriod, INLINE_PRODUCT_KEY, isPurchaseActive } from "../ledger.js";
import { findConfigProduct, hasRecurringPrice, productOutput, type ResolvedItem } from "./products.js";
import { loadItemChanges, loadPurchases, summarizeCustomerItem, type CustomerRef, type PurchaseRecord } from "./store.js";

/**
 * An item's quantity for a customer as of `now` (raised to the newest record's time, see
 * below), and that effective time. Replays the ledger only when expiring grants or purchases
 * including the item are involved; otherwise the quantity is the sum of the changes, read in
 * one statement.
 */
export async function computeCustomerItem(
  db: SqlExecutor,
  c: CustomerRef,
  itemId: string,
  now: number,
): Promise<{ quantity: number; at: number }> {
  const summary = await summarizeCustomerItem(db, c, itemId);
  // "now" is never earlier than the newest record: a write by another request or process, with
  // its own clock reading, must count, and the ledger only counts records up to the time asked.
  const at = Math.max(now, summary.latest, summary.latestPurchase);
  if (summary.expiring === 0 && summary.includingPurchases === 0) return { quantity: summary.total, at };
  const [changes, purchases] = await Promise.all([loadItemChanges(db, c, itemId), loadPurchases(db, c)]);
  return { quantity: computeItemQuantity(itemId, changes, purchases, at), at };
}

/** The item answer `{id, display_name, quantity}` as of `now`. */
export async function readItem(db: SqlExecutor, c: CustomerRef, item: ResolvedItem, now: number): Promise<ItemResponse> {
  const { quantity } = await computeCustomerItem(db, c, item.id, now);
  return { id: item.id, display_name: item.displayName, quantity };
}

/** Whether a subscription is active (not cancelled, not ended) at `now`. */
export function isActiveSubscription(p: PurchaseRecord, now: number): boolean {
  return p.kind === "subscription" && p.status === "active" && isPurchaseActive(p, now);
}

/** The end of a subscription's current period as of `now`, or null when it has no interval. */
export function currentPeriodEnd(p: PurchaseRecord, now: number): number | null {
  if (!p.periodInterval) return null;
  // Provider-backed subscriptions keep the provider's periods (a plan switch does not move them).
  return currentPeriod(p.periodAnchor ?? p.createdAt, p.periodInterval, now).end;
}

/** Options of {@link listCustomerProducts}. */
export interface ListProductsOptions {
  /** Client callers do not see server-only products or switch options. */
  isClient: boolean;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * The owned-products listing: sorted by product id, paginated by id cursor (inclusive), with the
 * deprecated `type`/`subscription` fields and `switch_options` for products in a product line.
 */
export async function listCustomerProducts(
  db: SqlExecutor,
  c: CustomerRef,
  config: PaymentsConfig,
  now: number,
  options: ListProductsOptions,
): Promise<ProductsListResponse> {
  const purchases = await loadPurchases(db, c);
  const owned = computeOwnedProducts(purchases, now);
  const entries: ProductsListResponse["items"] = [];
  const keys = [...owned.keys()].sort();
  const visible: { key: string; entry: ProductsListResponse["items"][number] }[] = [];
  for (const key of keys) {
    const o = owned.get(key);
    const latest = o?.purchases.at(-1);
    if (!o || !latest) continue;
    const product = latest.product;
    if (options.isClient && product.serverOnly) continue;
    const productId = key === INLINE_PRODUCT_KEY ? null : key;
    const active = o.purchases.filter((p) => isActiveSubscription(p, now)).at(-1);
    const periodEnd = active ? currentPeriodEnd(active, now) : null;
    const entry: ProductsListResponse["items"][number] = {
      id: productId,
      quantity: o.quantity,
      product: productOutput(product),
      type: active ? "subscription" : "one_time",
      subscription: active
        ? {
            subscription_id: active.id,
            current_period_end: periodEnd === null ? null : new Date(periodEnd).toISOString(),
            cancel_at_period_end: active.cancelAtPeriodEnd,
            is_cancelable: true,
          }
        : null,
    };
    const lineId = productId === null ? null : (findConfigProduct(config, productId)?.productLineId ?? product.productLineId);
    if (lineId !== null) {
      const options_: { product_id: string; product: ReturnType<typeof productOutput> }[] = [];
      for (const otherId of Object.keys(config.products ?? {}).sort()) {
        if (otherId === productId) continue;
        const other = findConfigProduct(config, otherId);
        if (!other || other.productLineId !== lineId) continue;
        if (other.customerType !== c.customerType) continue;
        if (options.isClient && other.serverOnly) continue;
        if (other.addOnTo !== null || other.prices === "include-by-default" || !hasRecurringPrice(other)) continue;
        options_.push({ product_id: otherId, product: productOutput(other, { onlyRecurring: true }) });
      }
      entry.switch_options = options_;
    }
    visible.push({ key, entry });
  }
  const limit = options.limit ?? 10;
  let start = 0;
  if (options.cursor !== undefined) {
    start = visible.findIndex((v) => v.key === options.cursor);
    if (start < 0) throw ApiError.text(400, "Invalid cursor");
  }
  for (const v of visible.slice(start, start + limit)) entries.push(v.entry);
  const next = visible[start + limit];
  return { items: entries, is_paginated: true, pagination: { next_cursor: next ? next.key : null } };
}
