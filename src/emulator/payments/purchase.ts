/**
 * The purchase rules shared by grant, test-mode checkout and purchase-session (the hosted API's
 * grant and purchase-session routes): product resolution, the `validatePurchaseSession` checks in the hosted API's order, and
 * the effect (replace a conflicting subscription, record a subscription or one-time purchase).
 */
import { randomUUID } from "node:crypto";
import type { CustomerType, InlineProductInput, PaymentsConfig } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { ApiError } from "../http.js";
import { computeOwnedProducts } from "../ledger.js";
import { appendCustomerEvents } from "../live-events.js";
import { isActiveSubscription } from "./customer-state.js";
import { findConfigProduct, resolveInlineProduct, type ResolvedProduct } from "./products.js";
import { endSubscription, insertPurchase, loadPurchases, lockCustomer, type CustomerRef, type PurchaseRecord } from "./store.js";

/** A product chosen by id (configured) or inline. */
export interface ChosenProduct {
  productId: string | null;
  product: ResolvedProduct;
}

/**
 * Resolves `product_id` / `product_inline` as create-purchase-url and grant do: the product
 * first, then the customer-type match.
 */
export function resolveRequestedProduct(
  config: PaymentsConfig,
  request: { productId: string | undefined; productInline: InlineProductInput | undefined; isClient: boolean },
  customer: { customerType: CustomerType; customerId: string },
): ChosenProduct {
  const { productId, productInline, isClient } = request;
  if (productId !== undefined && productInline !== undefined)
    throw ApiError.text(400, "Cannot specify both product_id and product_inline!");
  let chosen: ChosenProduct;
  if (productInline !== undefined) {
    if (isClient)
      throw ApiError.text(
        400,
        "Cannot specify product_inline when calling from client! Please call with a server API key, or use the product_id parameter.",
      );
    chosen = { productId: null, product: resolveInlineProduct(productInline) };
  } else if (productId !== undefined) {
    const product = findConfigProduct(config, productId);
    if (!product) {
      const itemExists = Object.hasOwn(config.items ?? {}, productId);
      throw ApiError.known("PRODUCT_DOES_NOT_EXIST", { product_id: productId, context: itemExists ? "item_exists" : null });
    }
    if (isClient && product.serverOnly)
      throw ApiError.known("PRODUCT_DOES_NOT_EXIST", { product_id: productId, context: "server_only" });
    chosen = { productId, product };
  } else {
    throw ApiError.text(400, "Must specify either product_id or product_inline!");
  }
  if (chosen.product.customerType !== customer.customerType) {
    throw ApiError.known("PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH", {
      product_id: chosen.productId,
      customer_id: customer.customerId,
      product_customer_type: chosen.product.customerType,
      actual_customer_type: customer.customerType,
    });
  }
  return chosen;
}

/** Whether a configured, non-stackable product is already owned (quantity > 0). */
export function isAlreadyOwnedNonStackable(chosen: ChosenProduct, purchases: readonly PurchaseRecord[], now: number): boolean {
  if (chosen.productId === null || chosen.product.stackable) return false;
  return computeOwnedProducts(purchases, now).has(chosen.productId);
}

/** Other owned products of the chosen product's line (excluding its add-on bases), sorted by id. */
export function ownedProductsInLine(
  chosen: ChosenProduct,
  purchases: readonly PurchaseRecord[],
  now: number,
): { productId: string; displayName: string; purchases: PurchaseRecord[] }[] {
  const lineId = chosen.product.productLineId;
  if (lineId === null) return [];
  const bases = new Set(chosen.product.addOnTo ?? []);
  const result: { productId: string; displayName: string; purchases: PurchaseRecord[] }[] = [];
  const owned = computeOwnedProducts(purchases, now);
  for (const key of [...owned.keys()].sort()) {
    const o = owned.get(key);
    const latest = o?.purchases.at(-1);
    if (!o || !latest || latest.productId === null) continue;
    if (key === chosen.productId || bases.has(key)) continue;
    if (latest.product.productLineId !== lineId) continue;
    result.push({ productId: key, displayName: latest.product.displayName || key, purchases: o.purchases });
  }
  return result;
}

/** What {@link validatePurchase} decided: the price used and the subscriptions to replace. */
export interface PurchasePlan {
  priceId: string | null;
  quantity: number;
  replaces: PurchaseRecord[];
}

/**
 * The `validatePurchaseSession` checks, in order. `priceId` null means "the first price" (grant).
 */
export function validatePurchase(
  chosen: ChosenProduct,
  purchases: readonly PurchaseRecord[],
  request: { priceId: string | null; quantity: number; customerId: string },
  now: number,
): PurchasePlan {
  const { product } = chosen;
  const priceIds = product.prices === "include-by-default" ? [] : Object.keys(product.prices);
  let priceId: string | null;
  if (request.priceId !== null) {
    if (!priceIds.includes(request.priceId))
      throw ApiError.text(400, "Price not found on product associated with this purchase code");
    priceId = request.priceId;
  } else {
    priceId = priceIds[0] ?? null;
  }
  if (request.quantity !== 1 && !product.stackable) throw ApiError.text(400, "This product is not stackable; quantity must be 1");
  if (isAlreadyOwnedNonStackable(chosen, purchases, now))
    throw ApiError.known("PRODUCT_ALREADY_GRANTED", { product_id: chosen.productId, customer_id: request.customerId });
  if (product.addOnTo !== null) {
    const owned = computeOwnedProducts(purchases, now);
    if (!product.addOnTo.some((base) => owned.has(base)))
      throw ApiError.text(400, "This product is an add-on to a product that the customer does not have");
  }
  const inLine = ownedProductsInLine(chosen, purchases, now);
  const replaces: PurchaseRecord[] = [];
  if (inLine.length > 0) {
    const active = inLine.flatMap((o) => o.purchases.filter((p) => isActiveSubscription(p, now)));
    if (active.length === 0) throw ApiError.text(400, "Customer already has a one-time purchase in this product line");
    replaces.push(...active);
  }
  return { priceId, quantity: request.quantity, replaces };
}

/**
 * A new purchase id (UUID-shaped hex) that sorts after the ids of the customer's purchases made in
 * the same millisecond. Purchases load in (created_at, id) order and the last one is "the newest"
 * (the inline definition a listing shows, the subscription it reports), so two purchases in one
 * millisecond must keep the order they were made in; the customer's lock serializes them.
 */
export function nextPurchaseId(purchases: readonly Pick<PurchaseRecord, "id" | "createdAt">[], createdAt: number): string {
  const candidate = randomUUID();
  let max: string | null = null;
  for (const p of purchases) if (p.createdAt === createdAt && (max === null || p.id > max)) max = p.id;
  if (max === null || candidate > max) return candidate;
  const hex = max.replaceAll("-", "");
  // Above the newest id by a random step, so ids stay unpredictable; the version nibble of a
  // UUID is not kept, which the contract does not ask for (ids are opaque strings).
  const step = BigInt(1 + Math.floor(Math.random() * 0xffff_ffff));
  const next = /^[0-9a-f]{32}$/.test(hex) ? (BigInt(`0x${hex}`) + step).toString(16).padStart(32, "0") : null;
  if (next === null || next.length > 32) return `${max}-${randomUUID()}`;
  return `${next.slice(0, 8)}-${next.slice(8, 12)}-${next.slice(12, 16)}-${next.slice(16, 20)}-${next.slice(20)}`;
}

/** The result of {@link purchaseProduct}. */
export interface PurchaseResult {
  subscriptionId?: string;
}

/**
 * Validates and applies a purchase for a customer in one transaction under the customer's lock:
 * conflicting subscriptions in the line end now, then a subscription (recurring price; period by
 * calendar interval) or one-time purchase is recorded. Include-by-default or price-less products
 * record nothing. Appends live events for every item and the product list it touches.
 * `beforeApply` runs inside the transaction after validation (e.g. to use up a purchase code).
 */
export async function purchaseProduct(
  tx: SqlExecutor,
  c: CustomerRef,
  config: PaymentsConfig,
  chosen: ChosenProduct,
  request: { priceId: string | null; quantity: number; source: "API_GRANT" | "TEST_MODE"; now: number },
  beforeApply?: () => Promise<void>,
): Promise<PurchaseResult> {
  await lockCustomer(tx, c);
  const purchases = await loadPurchases(tx, c);
  const plan = validatePurchase(chosen, purchases, { priceId: request.priceId, quantity: request.quantity, customerId: c.customerId }, request.now);
  await beforeApply?.();
  const now = request.now;
  const touchedItems = new Set(Object.keys(chosen.product.includedItems));
  for (const old of plan.replaces) {
    await endSubscription(tx, c, old.id, now, false);
    for (const id of Object.keys(old.includedItems)) touchedItems.add(id);
  }
  const price = plan.priceId === null || chosen.product.prices === "include-by-default" ? null : chosen.product.prices[plan.priceId];
  const result: PurchaseResult = {};
  if (price) {
    const id = nextPurchaseId(purchases, now);
    const record: PurchaseRecord = {
      id,
      kind: price.interval ? "subscription" : "one_time",
      productId: chosen.productId,
      product: chosen.product,
      includedItems: chosen.product.includedItems,
      priceId: plan.priceId,
      quantity: plan.quantity,
      createdAt: now,
      status: price.interval ? "active" : "completed",
      periodInterval: price.interval,
      cancelAtPeriodEnd: false,
      endedAt: null,
      creationSource: request.source,
    };
    await insertPurchase(tx, c, record);
    if (price.interval) result.subscriptionId = id;
  }
  await appendCustomerEvents(tx, c, config, { itemIds: [...touchedItems], products: true }, now);
  return result;
}
