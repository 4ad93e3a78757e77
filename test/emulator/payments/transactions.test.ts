import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_CONFIG } from "./config.js";
import { createHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

it("lists manual changes and purchases newest first, filters by type and customer type, paginates", async () => {
  await h.call("POST", "/payments/items/custom/t1/custom_credits/update-quantity?allow_negative=true", { body: { delta: -4 } });
  await h.advanceClock(10);
  await h.call("POST", "/payments/products/custom/t1", { body: { product_id: "custom_pack", quantity: 2 } });
  await h.advanceClock(10);
  const u = await h.newUser();
  await h.call("POST", `/payments/products/user/${u.id}`, { body: { product_id: "starter" } });

  const all = await h.call("GET", "/internal/payments/transactions", { access: "admin" });
  expect(all.status).toBe(200);
  expect(all.json.next_cursor).toBeNull();
  expect(all.json.transactions.map((t: { type: string }) => t.type)).toEqual(["purchase", "purchase", "manual-item-quantity-change"]);
  const [sub, pack, manual] = all.json.transactions;
  expect(manual.entries).toEqual([
    {
      type: "item_quantity_change",
      adjusted_transaction_id: null,
      adjusted_entry_index: null,
      customer_type: "custom",
      customer_id: "t1",
      item_id: "custom_credits",
      quantity: -4,
      description: null,
      expires_at_millis: null,
    },
  ]);
  expect(manual).toMatchObject({ customer_type: "custom", customer_id: "t1" });
  expect(pack.entries[0]).toMatchObject({ type: "product_grant", product_id: "custom_pack", price_id: "once", quantity: 2, one_time_purchase_id: pack.id });
  expect(sub.entries[0]).toMatchObject({ product_id: "starter", price_id: "monthly", subscription_id: sub.id, product: { display_name: "Starter" } });
  expect(sub).toMatchObject({ adjusted_by: [], test_mode: false });

  const manualOnly = await h.call("GET", "/internal/payments/transactions?type=manual-item-quantity-change", { access: "admin" });
  expect(manualOnly.json.transactions).toHaveLength(1);
  const users = await h.call("GET", "/internal/payments/transactions?customer_type=user", { access: "admin" });
  expect(users.json.transactions.map((t: { id: string }) => t.id)).toEqual([sub.id]);

  const p1 = await h.call("GET", "/internal/payments/transactions?limit=2", { access: "admin" });
  expect(p1.json.transactions.map((t: { id: string }) => t.id)).toEqual([sub.id, pack.id]);
  const p2 = await h.call("GET", `/internal/payments/transactions?limit=2&cursor=${p1.json.next_cursor}`, { access: "admin" });
  expect(p2.json.transactions.map((t: { id: string }) => t.id)).toEqual([manual.id]);
  expect(p2.json.next_cursor).toBeNull();
});

it("is admin-only and validates its query", async () => {
  const server = await h.call("GET", "/internal/payments/transactions", { access: "server" });
  expect(server.status).toBe(401);
  expect(server.json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
  for (const q of ["?type=refunds", "?customer_type=robot", "?limit=abc", "?cursor=%%%", "?extra=1"]) {
    const r = await h.call("GET", `/internal/payments/transactions${q}`, { access: "admin" });
    expect(r.status, q).toBe(400);
    expect(r.json.code).toBe("SCHEMA_ERROR");
  }
  // out-of-range limits are clamped, not refused
  expect((await h.call("GET", "/internal/payments/transactions?limit=0", { access: "admin" })).json.transactions).toHaveLength(1);
});
