/**
 * The payments ledger (contract section D), as pure functions: item quantities and product
 * ownership derived by replaying a customer's append-only records as of a given time. No I/O,
 * so the rules can be tested exhaustively and both storage adapters share them.
 */
import type { DayInterval } from "../core/schemas/index.js";

/** When an included item's grant expires. */
export type ExpiresRule = "never" | "when-purchase-expires" | "when-repeated";

/** An included item with its defaults applied. */
export interface LedgerIncludedItem {
  quantity: number;
  repeat: DayInterval | "never";
  expires: ExpiresRule;
}

/** A manual quantity change (update-quantity). */
export interface LedgerItemChange {
  itemId: string;
  delta: number;
  createdAt: number;
  /** Only meaningful for positive deltas. */
  expiresAt: number | null;
}

/** A subscription or one-time purchase, with the included items of its product snapshot. */
export interface LedgerPurchase {
  id: string;
  kind: "subscription" | "one_time";
  /** Configured product id, or null for an inline product. */
  productId: string | null;
  quantity: number;
  createdAt: number;
  /** When the subscription ends (or ended); null while open-ended. Always null for one-time purchases. */
  endedAt: number | null;
  includedItems: Record<string, LedgerIncludedItem>;
  /** Quantity taken back by a refund, from `revokedAt` on (none when absent). */
  revokedQuantity?: number;
  revokedAt?: number | null;
}

/** The quantity of a purchase that still counts at `at` (its quantity less what a refund revoked by then). */
export function quantityAt(p: Pick<LedgerPurchase, "quantity" | "revokedQuantity" | "revokedAt">, at: number): number {
  const revoked = p.revokedAt !== null && p.revokedAt !== undefined && p.revokedAt <= at ? (p.revokedQuantity ?? 0) : 0;
  return Math.max(0, p.quantity - revoked);
}

/** One entry of a single item's ledger: a signed change at a time, with an expiry for grants. */
export interface LedgerEntry {
  at: number;
  amount: number;
  expiresAt: number | null;
}

/**
 * The largest quantity held exactly (2^53 − 1). Writes that would take a quantity past ±this are
 * refused; what time alone accumulates (repeating grants) stops at it rather than drifting into
 * numbers a double cannot hold exactly.
 */
export const MAX_QUANTITY = Number.MAX_SAFE_INTEGER;

/** `n` held within ±{@link MAX_QUANTITY}. */
function clampQuantity(n: number): number {
  return Math.min(MAX_QUANTITY, Math.max(-MAX_QUANTITY, n));
}

/** True when `n` is an integer the ledger holds exactly (within ±{@link MAX_QUANTITY}). */
export function isExactQuantity(n: number): boolean {
  return Number.isSafeInteger(n);
}

/**
 * Why buying `quantity` of a product would grant an amount the ledger cannot hold exactly (an
 * included item's quantity times the purchase quantity beyond ±{@link MAX_QUANTITY}), or null.
 */
export function inexactGrantProblem(includedItems: Readonly<Record<string, Pick<LedgerIncludedItem, "quantity">>>, quantity: number): string | null {
  for (const [itemId, included] of Object.entries(includedItems)) {
    const amount = included.quantity * quantity;
    if (!Number.isSafeInteger(amount) && Number.isInteger(included.quantity))
      return `Granting ${quantity} of this product would grant ${amount} of item "${itemId}", beyond the ±${MAX_QUANTITY} a quantity can hold exactly. Nothing was changed.`;
  }
  return null;
}

const DAY = 24 * 60 * 60 * 1000;
const FIXED_UNIT_MS = { day: DAY, week: 7 * DAY, month: 30 * DAY, year: 365 * DAY } as const;
// A one-day repeat over a century is ~36,500 grants; beyond that a misconfigured interval would
// only burn CPU, so replay stops there.
const MAX_REPEATS = 100_000;

/**
 * The fixed length of a repeat interval (day 24 h, week 7 d, month 30 d, year 365 d), or null
 * for `"never"` and zero-length intervals.
 */
export function repeatIntervalMillis(repeat: DayInterval | "never"): number | null {
  if (repeat === "never") return null;
  const ms = repeat[0] * FIXED_UNIT_MS[repeat[1]];
  return ms > 0 ? ms : null;
}

/**
 * Adds a calendar interval (subscription periods on API grants): months and years keep the day
 * of month, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29).
 */
export function addCalendarInterval(at: number, interval: DayInterval): number {
  const [n, unit] = interval;
  if (unit === "day") return at + n * DAY;
  if (unit === "week") return at + n * 7 * DAY;
  const d = new Date(at);
  const months = unit === "month" ? n : n * 12;
  const targetMonth = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(
    year,
    month,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/**
 * Replays one item's entries as of `asOf` and returns its quantity: positive changes first pay
 * off debt and the rest becomes a grant; negative changes consume the soonest-expiring grants
 * first (never-expiring last) and the uncovered rest becomes debt; a grant is dropped at its
 * expiry, losing only what is left of it.
 *
 * @example
 * replayItemLedger([{ at: 0, amount: 100, expiresAt: null }, { at: 1, amount: -30, expiresAt: null }], 2); // 70
 */
export function replayItemLedger(entries: readonly LedgerEntry[], asOf: number): number {
  const sorted = entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.at <= asOf)
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map(({ e }) => e);
  let grants: { amount: number; expiresAt: number | null }[] = [];
  let debt = 0;
  const expireUpTo = (t: number) => {
    grants = grants.filter((g) => g.expiresAt === null || g.expiresAt > t);
  };
  for (const entry of sorted) {
    expireUpTo(entry.at);
    const amount = clampQuantity(entry.amount);
    if (amount > 0) {
      // A grant that is already expired when it lands counts as zero.
      if (entry.expiresAt !== null && entry.expiresAt <= entry.at) continue;
      const payOff = Math.min(-debt, amount);
      debt += payOff;
      const rest = amount - payOff;
      if (rest > 0) grants.push({ amount: rest, expiresAt: entry.expiresAt });
    } else if (amount < 0) {
      let need = -amount;
      grants.sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity));
      for (const g of grants) {
        if (need === 0) break;
        const take = Math.min(g.amount, need);
        g.amount -= take;
        need -= take;
      }
      grants = grants.filter((g) => g.amount > 0);
      debt = clampQuantity(debt - need);
    }
  }
  expireUpTo(asOf);
  // Each grant and the debt are within bounds; their sum is kept there too (debt and unspent
  // grants never coexist, as a grant first pays off debt, so the last step is exact).
  return clampQuantity(grants.reduce((sum, g) => clampQuantity(sum + g.amount), 0) + debt);
}

/**
 * The ledger entries of one item: manual changes plus the grants of every purchase that includes
 * the item (initial grant at creation, repeats anchored at creation, expiries by rule).
 */
export function itemLedgerEntries(
  itemId: string,
  changes: readonly LedgerItemChange[],
  purchases: readonly LedgerPurchase[],
  asOf: number,
): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (const c of changes) {
    if (c.itemId !== itemId) continue;
    entries.push({ at: c.createdAt, amount: c.delta, expiresAt: c.delta > 0 ? c.expiresAt : null });
  }
  for (const p of purchases) {
    const included = p.includedItems[itemId];
    if (!included || included.quantity * p.quantity === 0) continue;
    // One-time purchases never end, so their repeats go on forever.
    const end = p.kind === "subscription" ? p.endedAt : null;
    const step = repeatIntervalMillis(included.repeat);
    for (let k = 0; k < MAX_REPEATS; k++) {
      const at = p.createdAt + k * (step ?? 0);
      if (at > asOf || (end !== null && at >= end)) break;
      // A refund stops the grants of what it revoked: later repeats grant only the rest, and
      // none once everything was revoked (the quantity never grows back).
      const amount = clampQuantity(included.quantity * quantityAt(p, at));
      if (amount === 0) break;
      let expiresAt: number | null = null;
      if (included.expires === "when-repeated") {
        expiresAt = step === null ? end : end === null ? at + step : Math.min(at + step, end);
      } else if (included.expires === "when-purchase-expires") {
        expiresAt = end;
      }
      entries.push({ at, amount, expiresAt });
      if (step === null) break;
    }
  }
  return entries;
}

/**
 * An item's quantity for one customer as of `asOf` (may be negative: debt).
 *
 * @example
 * computeItemQuantity("credits", changes, purchases, await ctx.now());
 */
export function computeItemQuantity(
  itemId: string,
  changes: readonly LedgerItemChange[],
  purchases: readonly LedgerPurchase[],
  asOf: number,
): number {
  return replayItemLedger(itemLedgerEntries(itemId, changes, purchases, asOf), asOf);
}

/** Whether a purchase counts toward ownership at `asOf` (one-time: always; subscription: until it ends). */
export function isPurchaseActive(p: Pick<LedgerPurchase, "kind" | "createdAt" | "endedAt">, asOf: number): boolean {
  if (p.createdAt > asOf) return false;
  return p.kind === "one_time" || p.endedAt === null || p.endedAt > asOf;
}

/** The key under which inline products are owned: all of them share one. */
export const INLINE_PRODUCT_KEY = "\u0000inline";

/**
 * Owned quantity per product key (product id, or {@link INLINE_PRODUCT_KEY}) as of `asOf`, with
 * the purchases that contribute to it, newest last. Only positive quantities are returned.
 */
export function computeOwnedProducts<P extends LedgerPurchase>(
  purchases: readonly P[],
  asOf: number,
): Map<string, { quantity: number; purchases: P[] }> {
  const owned = new Map<string, { quantity: number; purchases: P[] }>();
  const sorted = [...purchases].sort((a, b) => a.createdAt - b.createdAt);
  for (const p of sorted) {
    if (!isPurchaseActive(p, asOf)) continue;
    const key = p.productId ?? INLINE_PRODUCT_KEY;
    const entry = owned.get(key) ?? { quantity: 0, purchases: [] };
    entry.quantity = clampQuantity(entry.quantity + quantityAt(p, asOf));
    entry.purchases.push(p);
    owned.set(key, entry);
  }
  for (const [key, v] of owned) if (v.quantity <= 0) owned.delete(key);
  return owned;
}

/**
 * The current period of a subscription as of `asOf`: periods follow each other by calendar
 * interval from the start, so an uncancelled API-granted subscription renews at each end.
 */
export function currentPeriod(
  startedAt: number,
  interval: DayInterval,
  asOf: number,
): { start: number; end: number } {
  let start = startedAt;
  let end = addCalendarInterval(start, interval);
  if (end <= start) return { start, end: start };
  for (let i = 0; end <= asOf && i < MAX_REPEATS; i++) {
    start = end;
    end = addCalendarInterval(start, interval);
  }
  return { start, end };
}
