import { describe, expect, it } from "vitest";
import {
  PENDING_CHECKOUT_TTL_MS,
  clearPendingCheckout,
  readPendingCheckouts,
  recordPendingCheckout,
  type PendingCheckoutStorage,
} from "../../../src/core/live/pending-checkout.js";

function memoryStorage(): PendingCheckoutStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe("pending checkouts", () => {
  it("records one checkout per customer and project, reads it back, and clears it", () => {
    const s = memoryStorage();
    recordPendingCheckout("p1", { customerType: "user", customerId: "u1", productId: "a", at: 1 }, s);
    recordPendingCheckout("p1", { customerType: "user", customerId: "u1", productId: "b", at: 2 }, s);
    recordPendingCheckout("p1", { customerType: "team", customerId: "t1", at: 3 }, s);
    recordPendingCheckout("p2", { customerType: "user", customerId: "u1", at: 4 }, s);
    expect(readPendingCheckouts("p1", s, 10)).toEqual([
      { customerType: "user", customerId: "u1", productId: "b", at: 2 },
      { customerType: "team", customerId: "t1", at: 3 },
    ]);
    clearPendingCheckout("p1", "user", "u1", s);
    expect(readPendingCheckouts("p1", s, 10)).toEqual([{ customerType: "team", customerId: "t1", at: 3 }]);
    expect(readPendingCheckouts("p2", s, 10)).toHaveLength(1);
  });

  it("forgets checkouts older than the TTL and survives garbage in storage", () => {
    const s = memoryStorage();
    recordPendingCheckout("p", { customerType: "user", customerId: "old", at: 0 }, s);
    expect(readPendingCheckouts("p", s, PENDING_CHECKOUT_TTL_MS + 1)).toEqual([]);
    expect(s.data.size).toBe(0);
    s.setItem("stack-payments:pending-checkout:p", "{not json");
    expect(readPendingCheckouts("p", s)).toEqual([]);
    s.setItem("stack-payments:pending-checkout:p", JSON.stringify([{ customerType: "user" }, 5]));
    expect(readPendingCheckouts("p", s)).toEqual([]);
  });

  it("is a no-op without storage (server rendering)", () => {
    recordPendingCheckout("p", { customerType: "user", customerId: "u" }, undefined);
    expect(readPendingCheckouts("p", undefined)).toEqual([]);
  });
});
