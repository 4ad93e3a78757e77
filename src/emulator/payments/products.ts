/**
 * Products and items as the payments routes see them: configured products (contract C.2) and
 * inline products (C.4) resolved into one shape with every default applied, and that shape
 * turned back into the wire's product object.
 */
import type {
  ConfigProduct,
  CustomerType,
  DayInterval,
  InlineProductInput,
  PaymentsConfig,
  ProductOutput,
} from "../../core/schemas/index.js";
import { CURRENCIES } from "../../core/schemas/index.js";
import type { LedgerIncludedItem } from "../ledger.js";

/** A price with its currencies, interval and server-only flag. */
export interface ResolvedPrice {
  amounts: Partial<Record<(typeof CURRENCIES)[number], string>>;
  interval: DayInterval | null;
  freeTrial: DayInterval | null;
  serverOnly: boolean;
}

/** A product with every default applied; stored as a snapshot in each purchase record. */
export interface ResolvedProduct {
  displayName: string;
  customerType: CustomerType;
  productLineId: string | null;
  /** Base product ids this is an add-on to, or null when it is not an add-on. */
  addOnTo: string[] | null;
  serverOnly: boolean;
  stackable: boolean;
  /** `"include-by-default"` (legacy; granting it is a no-op) or the prices in config order. */
  prices: "include-by-default" | Record<string, ResolvedPrice>;
  includedItems: Record<string, LedgerIncludedItem>;
  clientMetadata: unknown;
  clientReadOnlyMetadata: unknown;
  serverMetadata: unknown;
}

/** An item's configuration with defaults (display name = id, customer type = user). */
export interface ResolvedItem {
  id: string;
  displayName: string;
  customerType: CustomerType;
}

/** Looks up a configured item; null when it is not configured. */
export function resolveItem(config: PaymentsConfig, itemId: string): ResolvedItem | null {
  const item = Object.hasOwn(config.items ?? {}, itemId) ? config.items?.[itemId] : undefined;
  if (!item) return null;
  return { id: itemId, displayName: item.displayName ?? itemId, customerType: item.customerType ?? "user" };
}

function pickAmounts(p: Partial<Record<(typeof CURRENCIES)[number], string | undefined>>): ResolvedPrice["amounts"] {
  const amounts: ResolvedPrice["amounts"] = {};
  for (const c of CURRENCIES) {
    const v = p[c];
    if (v !== undefined) amounts[c] = v;
  }
  return amounts;
}

/** Resolves a configured product (C.2 defaults: display name = id, customer type user, items expire when repeated). */
export function resolveConfigProduct(productId: string, p: ConfigProduct): ResolvedProduct {
  const prices: ResolvedProduct["prices"] =
    p.prices === "include-by-default"
      ? "include-by-default"
      : Object.fromEntries(
          Object.entries(p.prices ?? {}).map(([id, price]) => [
            id,
            {
              amounts: pickAmounts(price),
              interval: price.interval ?? null,
              freeTrial: price.freeTrial ?? null,
              serverOnly: price.serverOnly ?? false,
            },
          ]),
        );
  return {
    displayName: p.displayName ?? productId,
    customerType: p.customerType ?? "user",
    productLineId: p.productLineId ?? null,
    addOnTo: p.isAddOnTo ? Object.keys(p.isAddOnTo) : null,
    serverOnly: p.serverOnly ?? false,
    stackable: p.stackable ?? false,
    prices,
    includedItems: Object.fromEntries(
      Object.entries(p.includedItems ?? {}).map(([id, it]) => [
        id,
        { quantity: it.quantity ?? 0, repeat: it.repeat ?? "never", expires: it.expires ?? "when-repeated" },
      ]),
    ),
    clientMetadata: null,
    clientReadOnlyMetadata: null,
    serverMetadata: null,
  };
}

/** Looks up and resolves a configured product; null when it is not configured. */
export function findConfigProduct(config: PaymentsConfig, productId: string): ResolvedProduct | null {
  const products = config.products ?? {};
  if (!Object.hasOwn(products, productId)) return null;
  const p = products[productId];
  return p ? resolveConfigProduct(productId, p) : null;
}

/**
 * Converts an inline product for a purchase or grant: no product line, not an add-on, stackable
 * forced off, every price server-only, included items default to quantity 0, never repeating,
 * never expiring.
 */
export function resolveInlineProduct(p: InlineProductInput): ResolvedProduct {
  return {
    displayName: p.display_name,
    customerType: p.customer_type,
    productLineId: null,
    addOnTo: null,
    serverOnly: p.server_only ?? true,
    stackable: false,
    prices: Object.fromEntries(
      Object.entries(p.prices).map(([id, price]) => [
        id,
        { amounts: pickAmounts(price), interval: price.interval ?? null, freeTrial: price.free_trial ?? null, serverOnly: true },
      ]),
    ),
    includedItems: Object.fromEntries(
      Object.entries(p.included_items ?? {}).map(([id, it]) => [
        id,
        { quantity: it.quantity ?? 0, repeat: it.repeat ?? "never", expires: it.expires ?? "never" },
      ]),
    ),
    clientMetadata: p.client_metadata ?? null,
    clientReadOnlyMetadata: p.client_read_only_metadata ?? null,
    serverMetadata: p.server_metadata ?? null,
  };
}

/** Wire shape of one price: only the defined currencies plus `interval`/`free_trial` when set. */
export function priceOutput(price: ResolvedPrice): ProductOutput["prices"][string] {
  const out: ProductOutput["prices"][string] = { ...price.amounts };
  if (price.interval) out.interval = price.interval;
  if (price.freeTrial) out.free_trial = price.freeTrial;
  return out;
}

/**
 * The product object of listings and validate-code (C.4 output shape). `onlyRecurring` keeps
 * only recurring prices (switch options).
 */
export function productOutput(p: ResolvedProduct, options: { onlyRecurring?: boolean } = {}): ProductOutput {
  const prices: ProductOutput["prices"] = {};
  if (p.prices !== "include-by-default") {
    for (const [id, price] of Object.entries(p.prices)) {
      if (options.onlyRecurring && !price.interval) continue;
      prices[id] = priceOutput(price);
    }
  }
  return {
    display_name: p.displayName || "Product",
    customer_type: p.customerType,
    stackable: p.stackable,
    server_only: p.serverOnly,
    included_items: Object.fromEntries(
      Object.entries(p.includedItems).map(([id, it]) => [id, { quantity: it.quantity, repeat: it.repeat, expires: it.expires }]),
    ),
    client_metadata: p.clientMetadata ?? null,
    client_read_only_metadata: p.clientReadOnlyMetadata ?? null,
    server_metadata: p.serverMetadata ?? null,
    prices,
  };
}

/** Whether the product has at least one recurring (interval) price. */
export function hasRecurringPrice(p: ResolvedProduct): boolean {
  return p.prices !== "include-by-default" && Object.values(p.prices).some((price) => price.interval !== null);
}
