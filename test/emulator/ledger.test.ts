import { describe, expect, it } from "vitest";
import {
  addCalendarInterval,
  computeItemQuantity,
  computeOwnedProducts,
  currentPeriod,
  INLINE_PRODUCT_KEY,
  replayItemLedger,
  type LedgerItemChange,
  type LedgerPurchase,
} from "../../src/emulator/ledger.js";

const DAY = 86_400_000;
const grant = (at: number, amount: number, expiresAt: number | null = null) => ({ at, amount, expiresAt });

function purchase(p: Partial<LedgerPurchase> & Pick<LedgerPurchase, "includedItems">): LedgerPurchase {
  return { id: "p", kind: "subscription", productId: "plan", quantity: 1, createdAt: 0, endedAt: null, ...p };
}

describe("replayItemLedger: the contract's worked examples", () => {
  it("grants 10 (exp 5000) and 20 (exp 3000), then -8 at 2000 → 22", () => {
    expect(replayItemLedger([grant(0, 10, 5000), grant(0, 20, 3000), grant(2000, -8)], 2000)).toBe(22);
  });
  it("consumes the soonest-expiring grant first: after the 3000 expiry only 10 are left", () => {
    // the -8 came out of the 20 (exp 3000), so the 10 (exp 5000) is intact after 3000
    expect(replayItemLedger([grant(0, 10, 5000), grant(0, 20, 3000), grant(2000, -8)], 3500)).toBe(10);
  });
  it("same grants, expiry point at 3500 then -8 → 2", () => {
    expect(replayItemLedger([grant(0, 10, 5000), grant(0, 20, 3000), grant(3500, -8)], 3500)).toBe(2);
  });
  it("grant 100 then -30 → 70", () => {
    expect(replayItemLedger([grant(0, 100), grant(1, -30)], 1)).toBe(70);
  });
});

describe("replayItemLedger: debt, expiry and time", () => {
  it("goes into debt and a later grant pays it off first", () => {
    expect(replayItemLedger([grant(0, -5)], 0)).toBe(-5);
    expect(replayItemLedger([grant(0, -5), grant(1, 3, 100)], 1)).toBe(-2);
    // the expiring grant only paid off debt, so its expiry loses nothing
    expect(replayItemLedger([grant(0, -5), grant(1, 8, 100)], 200)).toBe(0);
    expect(replayItemLedger([grant(0, -5), grant(1, 8, 100)], 50)).toBe(3);
  });
  it("never-expiring grants are consumed last", () => {
    const entries = [grant(0, 10), grant(0, 10, 100), grant(10, -12)];
    expect(replayItemLedger(entries, 10)).toBe(8);
    // 10 taken from the expiring grant, 2 from the permanent one
    expect(replayItemLedger(entries, 100)).toBe(8);
  });
  it("an expiry drops only the unconsumed remainder", () => {
    expect(replayItemLedger([grant(0, 10, 100), grant(0, 5), grant(50, -4)], 100)).toBe(5);
  });
  it("a grant already expired when it lands counts as zero", () => {
    expect(replayItemLedger([grant(100, 10, 50)], 200)).toBe(0);
    expect(replayItemLedger([grant(100, 10, 100)], 100)).toBe(0);
  });
  it("ignores entries after the as-of time", () => {
    expect(replayItemLedger([grant(0, 10), grant(500, -3)], 499)).toBe(10);
  });
  it("removals are permanent (a negative change with an expiry does not come back)", () => {
    const changes: LedgerItemChange[] = [
      { itemId: "c", delta: 10, createdAt: 0, expiresAt: null },
      { itemId: "c", delta: -4, createdAt: 1, expiresAt: 50 },
    ];
    expect(computeItemQuantity("c", changes, [], 100)).toBe(6);
  });
});

describe("purchases: repeats, expiry rules, subscription end", () => {
  const credits = (repeat: [number, "day" | "week" | "month" | "year"] | "never", expires: "never" | "when-purchase-expires" | "when-repeated") => ({
    credits: { quantity: 100, repeat, expires },
  });

  it("a subscription grants quantity × subscription quantity at start", () => {
    const p = purchase({ quantity: 3, includedItems: credits("never", "when-purchase-expires") });
    expect(computeItemQuantity("credits", [], [p], 0)).toBe(300);
    expect(computeItemQuantity("other", [], [p], 0)).toBe(0);
  });
  it("monthly repeats use 30-day months and when-repeated grants expire at the next repeat", () => {
    const p = purchase({ includedItems: credits([1, "month"], "when-repeated") });
    const used: LedgerItemChange[] = [{ itemId: "credits", delta: -40, createdAt: 5 * DAY, expiresAt: null }];
    expect(computeItemQuantity("credits", used, [p], 29 * DAY)).toBe(60);
    // at day 30 the unused 60 expire and a fresh 100 arrives
    expect(computeItemQuantity("credits", used, [p], 30 * DAY)).toBe(100);
    expect(computeItemQuantity("credits", used, [p], 65 * DAY)).toBe(100);
  });
  it("repeats with expires never accumulate; week and year lengths are fixed", () => {
    const weekly = purchase({ includedItems: credits([1, "week"], "never") });
    expect(computeItemQuantity("credits", [], [weekly], 21 * DAY)).toBe(400);
    const yearly = purchase({ includedItems: credits([1, "year"], "never") });
    expect(computeItemQuantity("credits", [], [yearly], 365 * DAY - 1)).toBe(100);
    expect(computeItemQuantity("credits", [], [yearly], 365 * DAY)).toBe(200);
  });
  it("a subscription end removes when-purchase-expires and when-repeated grants and stops repeats", () => {
    const ended = purchase({ endedAt: 10 * DAY, includedItems: credits("never", "when-purchase-expires") });
    expect(computeItemQuantity("credits", [], [ended], 9 * DAY)).toBe(100);
    expect(computeItemQuantity("credits", [], [ended], 10 * DAY)).toBe(0);
    const repeating = purchase({ endedAt: 45 * DAY, includedItems: credits([1, "month"], "never") });
    expect(computeItemQuantity("credits", [], [repeating], 100 * DAY)).toBe(200);
  });
  it("one-time purchases never end: repeats go on and when-purchase-expires is permanent", () => {
    const once = purchase({ kind: "one_time", endedAt: null, includedItems: credits([1, "day"], "when-purchase-expires") });
    expect(computeItemQuantity("credits", [], [once], 2 * DAY)).toBe(300);
  });
  it("the e2e plan replacement: base (i1 ×2) then premium (i1 ×3) in one line → 3", () => {
    const base = purchase({ id: "b", productId: "base", endedAt: 1000, includedItems: { i1: { quantity: 2, repeat: "never", expires: "when-purchase-expires" } } });
    const premium = purchase({ id: "p", productId: "premium", createdAt: 1000, includedItems: { i1: { quantity: 3, repeat: "never", expires: "when-purchase-expires" } } });
    expect(computeItemQuantity("i1", [], [base], 999)).toBe(2);
    expect(computeItemQuantity("i1", [], [base, premium], 1000)).toBe(3);
    const owned = computeOwnedProducts([base, premium], 1000);
    expect([...owned.keys()]).toEqual(["premium"]);
  });
});

describe("ownership, periods and calendar arithmetic", () => {
  it("sums quantities per product, stackable purchases add up, inline products share one key", () => {
    const a = purchase({ id: "1", kind: "one_time", productId: "pack", quantity: 2, includedItems: {} });
    const b = purchase({ id: "2", kind: "one_time", productId: "pack", quantity: 3, createdAt: 5, includedItems: {} });
    const i1 = purchase({ id: "3", kind: "one_time", productId: null, includedItems: {} });
    const i2 = purchase({ id: "4", kind: "one_time", productId: null, createdAt: 7, includedItems: {} });
    const owned = computeOwnedProducts([a, b, i1, i2], 10);
    expect(owned.get("pack")?.quantity).toBe(5);
    expect(owned.get(INLINE_PRODUCT_KEY)?.quantity).toBe(2);
    expect(owned.get(INLINE_PRODUCT_KEY)?.purchases.at(-1)?.id).toBe("4");
    expect(computeOwnedProducts([a, b], 4).get("pack")?.quantity).toBe(2);
  });
  it("a cancelled subscription is owned until its end", () => {
    const s = purchase({ endedAt: 100, includedItems: {} });
    expect(computeOwnedProducts([s], 99).has("plan")).toBe(true);
    expect(computeOwnedProducts([s], 100).has("plan")).toBe(false);
  });
  it("adds calendar months with end-of-month clamping", () => {
    expect(new Date(addCalendarInterval(Date.UTC(2026, 0, 31, 12), [1, "month"])).toISOString()).toBe("2026-02-28T12:00:00.000Z");
    expect(new Date(addCalendarInterval(Date.UTC(2024, 1, 29), [1, "year"])).toISOString()).toBe("2025-02-28T00:00:00.000Z");
    expect(new Date(addCalendarInterval(Date.UTC(2026, 10, 15), [3, "month"])).toISOString()).toBe("2027-02-15T00:00:00.000Z");
    expect(addCalendarInterval(0, [2, "week"])).toBe(14 * DAY);
  });
  it("rolls the current period forward by calendar interval", () => {
    const start = Date.UTC(2026, 0, 15);
    expect(currentPeriod(start, [1, "month"], start + DAY)).toEqual({ start, end: Date.UTC(2026, 1, 15) });
    expect(currentPeriod(start, [1, "month"], Date.UTC(2026, 2, 20))).toEqual({ start: Date.UTC(2026, 2, 15), end: Date.UTC(2026, 3, 15) });
  });
});
