/**
 * `GET /internal/payments/transactions` with every transaction type the emulator records
 * (purchase, subscription-renewal, subscription-cancellation, manual-item-quantity-change,
 * product-change, refund), its filters (type, customer type, customer id), the keyset cursor
 * through a whole history, the limit's clamping and the test-mode flag.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { checkoutSecret, confirm, DAY, liveHarness, newBuyer, tokenOf } from "./live.js";

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

const list = (query = "") => h.call("GET", `/internal/payments/transactions${query}`, { access: "admin" });

it("records every type, filters, and pages through the history without gaps or repeats", async () => {
  const buyer = await newBuyer(h);
  const customer = { type: "user", id: buyer.id };
  const custom = `c-${crypto.randomUUID()}`;
  // A manual change with a description and an expiry.
  const expiresAt = new Date(Date.now() + 400 * DAY).toISOString();
  await h.call("POST", `/payments/items/user/${buyer.id}/credits/update-quantity?allow_negative=true`, { body: { delta: 7, description: "Goodwill credits", expires_at: expiresAt } });
  await h.advanceClock(1000);
  // A paid one-time purchase, then a refund of it.
  const pack = await h.call("POST", "/internal/emulator/simulate-purchase", { access: "admin", body: { customer_type: "user", customer_id: buyer.id, product_id: "credit_pack" } });
  await h.advanceClock(1000);
  await h.call("POST", "/internal/payments/transactions/refund", { access: "admin", body: { type: "one-time-purchase", id: pack.json.transaction_id, amount_usd: "5" } });
  await h.advanceClock(1000);
  // A subscription, its renewal, a switch, a cancellation.
  await confirm(h, await checkoutSecret(h, customer, "basic", "monthly"), { number: "4242424242424242" });
  await h.advanceClock(32 * DAY);
  const sw = await h.call("POST", `/payments/products/user/${buyer.id}/switch`, { access: { token: await tokenOf(h, buyer.id) }, body: { from_product_id: "basic", to_product_id: "pro" } });
  expect(sw.status).toBe(200);
  await h.advanceClock(1000);
  await h.call("DELETE", `/payments/products/user/${buyer.id}/pro`, { access: { token: await tokenOf(h, buyer.id) } });
  await h.advanceClock(1000);
  // A test-mode-free grant for a custom customer (no money).
  await h.call("POST", `/payments/products/custom/${custom}`, { body: { product_id: "custom_pack", quantity: 2 } });

  const mine = await list(`?customer_type=user&customer_id=${buyer.id}`);
  expect(mine.status).toBe(200);
  const types = mine.json.transactions.map((t: { type: string }) => t.type);
  expect(types).toEqual([
    "subscription-cancellation",
    "product-change",
    "subscription-renewal",
    "purchase",
    "refund",
    "purchase",
    "manual-item-quantity-change",
  ]);
  const byType = Object.fromEntries(mine.json.transactions.map((t: { type: string }) => [t.type, t]));
  expect(byType["manual-item-quantity-change"].entries[0]).toMatchObject({ item_id: "credits", quantity: 7, description: "Goodwill credits", expires_at_millis: Date.parse(expiresAt) });
  expect(byType["subscription-renewal"].entries[0]).toMatchObject({ type: "money_transfer", charged_amount: { USD: "5" }, net_amount: { USD: "5" } });
  const cancellation = byType["subscription-cancellation"];
  expect(cancellation.effective_at_millis).toBeGreaterThan(cancellation.created_at_millis);
  expect(cancellation.entries[0]).toMatchObject({ type: "product_revocation", adjusted_transaction_id: byType["product-change"].id, adjusted_entry_index: 1, quantity: 1 });
  for (const t of mine.json.transactions) expect(t).toMatchObject({ customer_type: "user", customer_id: buyer.id, test_mode: false });

  // Filters.
  expect((await list(`?type=refund&customer_id=${buyer.id}`)).json.transactions).toHaveLength(1);
  expect((await list(`?type=purchase&customer_id=${buyer.id}`)).json.transactions).toHaveLength(2);
  expect((await list(`?type=chargeback`)).json.transactions).toEqual([]);
  const customOnly = await list(`?customer_type=custom&customer_id=${custom}`);
  expect(customOnly.json.transactions.map((t: { type: string; entries: unknown[] }) => [t.type, t.entries.length])).toEqual([["purchase", 1]]);
  expect((await list(`?customer_type=team&customer_id=${buyer.id}`)).json.transactions).toEqual([]);

  // A page at a time: the same transactions, in the same order, each once.
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const r = await list(`?customer_id=${buyer.id}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
    expect(r.json.transactions.length).toBeLessThanOrEqual(2);
    seen.push(...r.json.transactions.map((t: { id: string }) => t.id));
    cursor = r.json.next_cursor;
    if (cursor === null) break;
  }
  expect(seen).toEqual(mine.json.transactions.map((t: { id: string }) => t.id));
  // A write after the first page does not move the pages that follow.
  const first = await list(`?customer_id=${buyer.id}&limit=3`);
  await h.call("POST", `/payments/items/user/${buyer.id}/credits/update-quantity?allow_negative=true`, { body: { delta: 1 } });
  const next = await list(`?customer_id=${buyer.id}&limit=100&cursor=${first.json.next_cursor}`);
  expect([...first.json.transactions, ...next.json.transactions].map((t: { id: string }) => t.id)).toEqual(seen);
});

it("clamps the limit, refuses bad cursors and filters, and is admin only", async () => {
  expect((await list("?limit=0")).json.transactions.length).toBeLessThanOrEqual(1);
  expect((await list("?limit=100000")).status).toBe(200);
  for (const q of ["?cursor=abc", `?cursor=${Buffer.from("{}").toString("base64url")}`, "?type=refunds", "?customer_type=robot", "?limit=1.5", "?extra=1"]) {
    const r = await list(q);
    expect(r.status, q).toBe(400);
    expect(r.json.code, q).toBe("SCHEMA_ERROR");
  }
  expect((await h.call("GET", "/internal/payments/transactions", { access: "server" })).json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
});

it("marks test-mode purchases", async () => {
  const h2 = liveHarness({ testMode: true, products: { pack: { customerType: "custom", prices: { once: { USD: "5" } } } } });
  try {
    const url = await h2.call("POST", "/payments/purchases/create-purchase-url", { body: { customer_type: "custom", customer_id: "c1", product_id: "pack" } });
    const code = new URL(url.json.url).pathname.split("/").pop();
    await h2.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
    const [t] = (await h2.call("GET", "/internal/payments/transactions", { access: "admin" })).json.transactions;
    expect(t).toMatchObject({ type: "purchase", test_mode: true });
    // No money moved.
    expect(t.entries.map((e: { type: string }) => e.type)).toEqual(["product_grant"]);
  } finally {
    await h2.close();
  }
});
