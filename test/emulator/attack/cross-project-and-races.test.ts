/**
 * Attacks that the provider and admin routes withstand, kept as regression tests: one project's
 * admin key acting on another project, and the same money request fired several times at once
 * (refunds, card confirmations, renewals caught up by concurrent requests). Each race must apply
 * once and answer the others with a clear 4xx or the same result, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { checkoutSecret, confirm, DAY, invoices, liveHarness, newBuyer, products, transactions } from "../provider/live.js";

let a: Harness;
let b: Harness;
beforeAll(async () => {
  a = liveHarness();
  b = liveHarness();
  await Promise.all([a.emulator.ready, b.emulator.ready]);
});
afterAll(async () => {
  await a.close();
  await b.close();
});

async function simulate(h: Harness, customerId: string, productId: string, quantity = 1): Promise<string> {
  const r = await h.call("POST", "/internal/emulator/simulate-purchase", { access: "admin", body: { customer_type: "user", customer_id: customerId, product_id: productId, quantity } });
  expect(r.status, r.text).toBe(200);
  return r.json.transaction_id as string;
}

describe("another project's admin key", () => {
  it("cannot open this project's admin routes, refund its purchases, redeliver its events or read its ledger", async () => {
    const buyer = await newBuyer(a);
    const id = await simulate(a, buyer.id, "credit_pack", 2);
    const foreignKey = { "x-stack-project-id": a.emulator.project.id, "x-stack-access-type": "admin", "x-stack-super-secret-admin-key": b.emulator.project.superSecretAdminKey };
    for (const [method, path] of [
      ["GET", "/internal/emulator/outbox"],
      ["GET", "/internal/payments/method-configs"],
      ["POST", "/internal/payments/transactions/refund"],
    ] as const) {
      const r = await a.call(method, path, { access: "none", headers: foreignKey, ...(method === "POST" ? { body: { type: "one-time-purchase", id, amount_usd: "10" } } : {}) });
      expect(r.status, path).toBe(401);
      expect(r.json.code).toBe("INVALID_SUPER_SECRET_ADMIN_KEY");
    }
    const refund = await b.call("POST", "/internal/payments/transactions/refund", { access: "admin", body: { type: "one-time-purchase", id, amount_usd: "10" } });
    expect(refund.json.code).toBe("ONE_TIME_PURCHASE_NOT_FOUND");
    const event = (await a.call("GET", "/internal/emulator/provider/events?limit=1", { access: "admin" })).json.items[0];
    expect((await b.call("POST", `/internal/emulator/provider/events/${event.id}/redeliver`, { access: "admin" })).status).toBe(404);
    expect((await b.call("GET", `/internal/payments/transactions?customer_id=${buyer.id}`, { access: "admin" })).json.transactions).toEqual([]);
    expect((await b.call("GET", `/internal/emulator/outbox?customer_id=${buyer.id}`, { access: "admin" })).json.items).toEqual([]);
    expect((await products(a, { type: "user", id: buyer.id })).ids).toEqual([["credit_pack", 2]]);
    expect(await transactions(a, { type: "user", id: buyer.id }, "refund")).toEqual([]);
  });
});

describe("the same money request at once", () => {
  it("three refunds of one purchase: one goes through, the others are 'already refunded'", async () => {
    const buyer = await newBuyer(a);
    const id = await simulate(a, buyer.id, "credit_pack", 2);
    const answers = await Promise.all([0, 1, 2].map(() => a.call("POST", "/internal/payments/transactions/refund", { access: "admin", body: { type: "one-time-purchase", id, amount_usd: "10" } })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    expect(answers.filter((r) => r.status === 400).map((r) => r.json.code)).toEqual(["ONE_TIME_PURCHASE_ALREADY_REFUNDED", "ONE_TIME_PURCHASE_ALREADY_REFUNDED"]);
    expect(await transactions(a, { type: "user", id: buyer.id }, "refund")).toHaveLength(1);
  });

  it("three confirmations of one payment charge once and grant once", async () => {
    const buyer = await newBuyer(a);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(a, customer, "pro", "monthly");
    const answers = await Promise.all([0, 1, 2].map(() => confirm(a, secret, { number: "4242424242424242" })));
    expect(answers.map((r) => [r.status, r.json.status])).toEqual([[200, "succeeded"], [200, "succeeded"], [200, "succeeded"]]);
    expect((await products(a, customer)).ids).toEqual([["pro", 1]]);
    expect(await invoices(a, customer)).toEqual([["paid", 1000]]);
  });

  it("renewals a clock jump made due are charged once, whatever requests race to catch up", async () => {
    const buyer = await newBuyer(a);
    const customer = { type: "user", id: buyer.id };
    await confirm(a, await checkoutSecret(a, customer, "basic", "monthly"), { number: "4242424242424242" });
    const answers = await Promise.all([
      a.call("POST", "/internal/emulator/clock/advance", { body: { advance_millis: 95 * DAY } }),
      ...[0, 1, 2, 3].map(() => a.call("GET", `/payments/products/user/${buyer.id}`)),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    // Three monthly renewals in 95 days, besides the first payment.
    expect(await invoices(a, customer)).toEqual([["paid", 500], ["paid", 500], ["paid", 500], ["paid", 500]]);
  });
});
