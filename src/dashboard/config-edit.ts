/**
 * Editing the payments config from forms: drafts of products (strings as typed) turned into the
 * config's shape, and the emulator's refusal of an update turned back into messages per field.
 * Values are sent as typed (a quantity that is not a number is sent as text), so the emulator's
 * own schema is what refuses them, with its own words.
 */
import { isStackPaymentsError } from "../core/errors.js";
import type { ConfigProduct } from "../core/schemas/config.js";
import * as z from "zod/mini";
import { CURRENCIES, configIdSchema, type CustomerType, type DayInterval } from "../core/schemas/common.js";

/** A currency of a price. */
export type Currency = (typeof CURRENCIES)[number];
export { CURRENCIES };

/** The units of a day interval. */
export const INTERVAL_UNITS = ["day", "week", "month", "year"] as const;
type Unit = (typeof INTERVAL_UNITS)[number];

/** One price of a product, as the form holds it. */
export interface PriceDraft {
  key: number;
  id: string;
  amounts: Array<{ currency: Currency; amount: string }>;
  recurring: boolean;
  intervalCount: string;
  intervalUnit: Unit;
  trial: boolean;
  trialCount: string;
  trialUnit: Unit;
  serverOnly: boolean;
}

/** One included item of a product, as the form holds it. */
export interface IncludedItemDraft {
  key: number;
  itemId: string;
  quantity: string;
  repeats: boolean;
  repeatCount: string;
  repeatUnit: Unit;
  expires: "never" | "when-purchase-expires" | "when-repeated";
}

/** A product, as the form holds it. */
export interface ProductDraft {
  id: string;
  displayName: string;
  customerType: CustomerType;
  productLineId: string;
  stackable: boolean;
  serverOnly: boolean;
  /** Legacy products granted by default have no prices of their own. */
  includeByDefault: boolean;
  prices: PriceDraft[];
  includedItems: IncludedItemDraft[];
  /** Kept as they were: fields the form does not edit (add-on bases, product-level free trial). */
  kept: Pick<ConfigProduct, "isAddOnTo" | "freeTrial">;
}

let nextKey = 1;
/** A key for a new row of a list (React keys). */
export const rowKey = () => nextKey++;

/** A number typed in a field, or the text itself when it is not one (the emulator refuses it, naming the field). */
export function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed !== "" && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return trimmed;
}

function interval(count: string, unit: Unit): DayInterval {
  return [numberOrText(count), unit] as unknown as DayInterval;
}

/** A new price row. */
export function newPrice(id = "default"): PriceDraft {
  return { key: rowKey(), id, amounts: [{ currency: "USD", amount: "" }], recurring: false, intervalCount: "1", intervalUnit: "month", trial: false, trialCount: "7", trialUnit: "day", serverOnly: false };
}

/** A new included-item row. */
export function newIncludedItem(itemId = ""): IncludedItemDraft {
  return { key: rowKey(), itemId, quantity: "1", repeats: false, repeatCount: "1", repeatUnit: "month", expires: "never" };
}

/** A new product's draft. */
export function newProductDraft(customerType: CustomerType = "user"): ProductDraft {
  return { id: "", displayName: "", customerType, productLineId: "", stackable: false, serverOnly: false, includeByDefault: false, prices: [newPrice()], includedItems: [], kept: {} };
}

/** The draft of a configured product. */
export function draftOf(id: string, product: ConfigProduct): ProductDraft {
  const prices = product.prices === "include-by-default" || product.prices === undefined ? [] : Object.entries(product.prices);
  return {
    id,
    displayName: product.displayName ?? "",
    customerType: product.customerType ?? "user",
    productLineId: product.productLineId ?? "",
    stackable: product.stackable ?? false,
    serverOnly: product.serverOnly ?? false,
    includeByDefault: product.prices === "include-by-default",
    prices: prices.map(([priceId, price]) => ({
      key: rowKey(),
      id: priceId,
      amounts: CURRENCIES.filter((c) => price[c] !== undefined).map((c) => ({ currency: c, amount: price[c]! })),
      recurring: price.interval !== undefined,
      intervalCount: String(price.interval?.[0] ?? 1),
      intervalUnit: price.interval?.[1] ?? "month",
      trial: price.freeTrial !== undefined,
      trialCount: String(price.freeTrial?.[0] ?? 7),
      trialUnit: price.freeTrial?.[1] ?? "day",
      serverOnly: price.serverOnly ?? false,
    })),
    includedItems: Object.entries(product.includedItems ?? {}).map(([itemId, included]) => ({
      key: rowKey(),
      itemId,
      quantity: String(included.quantity ?? 0),
      repeats: Array.isArray(included.repeat),
      repeatCount: String(Array.isArray(included.repeat) ? included.repeat[0] : 1),
      repeatUnit: Array.isArray(included.repeat) ? included.repeat[1] : "month",
      expires: included.expires ?? "when-repeated",
    })),
    kept: {
      ...(product.isAddOnTo !== undefined ? { isAddOnTo: product.isAddOnTo } : {}),
      ...(product.freeTrial !== undefined ? { freeTrial: product.freeTrial } : {}),
    },
  };
}

/** The config value of a draft (what `payments.products.<id>` is set to). */
export function productConfigOf(draft: ProductDraft): Record<string, unknown> {
  const product: Record<string, unknown> = { customerType: draft.customerType };
  if (draft.displayName.trim() !== "") product.displayName = draft.displayName.trim();
  if (draft.productLineId !== "") product.productLineId = draft.productLineId;
  if (draft.stackable) product.stackable = true;
  if (draft.serverOnly) product.serverOnly = true;
  Object.assign(product, draft.kept);
  if (draft.includeByDefault) product.prices = "include-by-default";
  else {
    const prices: Record<string, Record<string, unknown>> = {};
    for (const p of draft.prices) {
      const price: Record<string, unknown> = {};
      for (const { currency, amount } of p.amounts) if (amount.trim() !== "") price[currency] = amount.trim();
      if (p.recurring) price.interval = interval(p.intervalCount, p.intervalUnit);
      if (p.trial) price.freeTrial = interval(p.trialCount, p.trialUnit);
      if (p.serverOnly) price.serverOnly = true;
      prices[p.id.trim()] = price;
    }
    product.prices = prices;
  }
  const included: Record<string, Record<string, unknown>> = {};
  for (const i of draft.includedItems) {
    if (i.itemId.trim() === "") continue;
    included[i.itemId.trim()] = { quantity: numberOrText(i.quantity), repeat: i.repeats ? interval(i.repeatCount, i.repeatUnit) : "never", expires: i.expires };
  }
  product.includedItems = included;
  return product;
}

/** What the emulator said about an update: messages by field path (below `prefix`), and the rest. */
export interface ConfigRefusal {
  fields: Record<string, string>;
  general: string[];
}

/**
 * Splits the emulator's refusal of a config update (`Invalid config override:` and one line per
 * problem, each starting with the path of the refused value) into messages per field below
 * `prefix` (`payments.products.pro`): `{ fields: { "prices.monthly.USD": "…" } }`. The path itself
 * (`prefix`) is `""`. Lines about other paths, and other errors, are `general`.
 */
export function configRefusal(error: unknown, prefix: string): ConfigRefusal {
  const refusal: ConfigRefusal = { fields: {}, general: [] };
  const message = isStackPaymentsError(error) || error instanceof Error ? error.message : String(error);
  const lines = message
    .split("\n")
    .map((l) => l.replace(/^\s*-\s*/, "").trim())
    .filter((l) => l !== "" && !/^Invalid config override:?$/.test(l));
  if (!isStackPaymentsError(error) || error.status !== 400 || lines.length === 0) return { fields: {}, general: [message] };
  for (const line of lines) {
    const path = line.split(/\s/, 1)[0]!;
    if (path === prefix || path.startsWith(`${prefix}.`)) {
      const field = path.slice(prefix.length + 1);
      const text = line.slice(path.length).trim();
      refusal.fields[field] = refusal.fields[field] ? `${refusal.fields[field]} ${text}` : `${field === "" ? "This" : field} ${text}`;
    } else refusal.general.push(line);
  }
  return refusal;
}

/** The refusal of `field`, or of anything below it (`prices.monthly` covers `prices.monthly.USD`). */
export function refusalAt(refusal: ConfigRefusal | null, field: string): string | undefined {
  if (!refusal) return undefined;
  if (refusal.fields[field]) return refusal.fields[field];
  const below = Object.entries(refusal.fields).filter(([f]) => f.startsWith(`${field}.`) || f.startsWith(`${field}[`));
  return below.length > 0 ? below.map(([, m]) => m).join(" ") : undefined;
}

/**
 * Why an id cannot be used, or null. Ids are config keys: a bad one would be refused by the
 * emulator without naming itself, so the form says it first, with the schema's own rule.
 */
export function idProblem(id: string, what: string): string | null {
  if (id === "") return `Enter an id for the ${what}.`;
  if (z.safeParse(configIdSchema, id).success) return null;
  return `"${id}" cannot be a ${what} id: use letters, digits, _ and - (not first), at most 63 characters.`;
}
