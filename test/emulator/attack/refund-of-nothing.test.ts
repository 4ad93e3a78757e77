/**
 * A refund of nothing ($0: no entries, or entries and amounts of zero) is refused with a clear
 * 400 and changes nothing. Accepted, it was recorded as the payment's refund, so every real
 * refund of that payment afterwards was refused as "already refunded": one mistaken call took
 * away the only way to give a buyer their money back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { liveHarness, newBuyer, products, transactions } from "../provider/live.js";

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

const refund = (body: unknown) => h.call("POST", "/internal/payments/transactions/refund", { access: "admin", body });

async function simulate(customer: { type: string; id: string }, productId: string, quantity?: number): Promise<string> {
  const r = await h.call("POST", "/internal/emulator/simulate-purchase", {
    access: "admin",
    body: { customer_type: customer.type, customer_id: customer.id, product_id: productId, ...(quantity === undefined ? {} : { quantity }) },
  });
  expect(r.status, r.text).toBe(200);
  return r.json.transaction_id as string;
}

const NOTHING = "Refund amount must be greater than zero: a refund of $0 would use up the payment's one refund.";

describe("a refund of nothing", () => {
  it("is refused in every form, records nothing, and a real refund still goes through", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const id = await simulate(customer, "credit_pack", 2);
    const zeroBodies = [
      { type: "one-time-purchase", id, refund_entries: [] },
      { type: "one-time-purchase", id, refund_entries: [{ entry_index: 0, quantity: 0, amount_usd: "0" }] },
      { type: "one-time-purchase", id, refund_entries: [{ entry_index: 0, quantity: 1, amount_usd: "0.00" }] },
      { type: "one-time-purchase", id, amount_usd: "0" },
    ];
    for (const body of zeroBodies) {
      const r = await refund(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json).toEqual({ code: "SCHEMA_ERROR", details: { message: NOTHING }, error: NOTHING });
    }
    expect(await transactions(h, customer, "refund")).toEqual([]);
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 2]]);

    const real = await refund({ type: "one-time-purchase", id, refund_entries: [{ entry_index: 0, quantity: 1, amount_usd: "5" }] });
    expect(real.json).toEqual({ success: true, refund_transaction_id: `${id}:refund` });
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 1]]);
  });

  it("is refused for a subscription too, which keeps its seats and stays refundable", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const id = await simulate(customer, "pro");
    for (const body of [
      { type: "subscription", id, refund_entries: [] },
      { type: "subscription", id, amount_usd: "0", end_action: "now" },
    ]) {
      const r = await refund(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toBe(NOTHING);
    }
    // `end_action: "now"` of the refused call ended nothing.
    expect((await products(h, customer)).ids).toEqual([["pro", 1]]);
    expect(await transactions(h, customer, "refund")).toEqual([]);
    expect((await refund({ type: "subscription", id, amount_usd: "10" })).json).toEqual({ success: true, refund_transaction_id: `${id}:refund` });
  });
});
