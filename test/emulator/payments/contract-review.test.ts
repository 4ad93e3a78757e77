/**
 * Contract review: behaviours of the payments routes checked against hosted-api.md (A.3, A.4,
 * B.2 - B.13, C, D) that the other route tests did not pin down.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PaymentsConfig } from "../../../src/core/schemas/index.js";
import { TEST_CONFIG } from "./config.js";
import { createHarness, customId, DAY, type Harness } from "./harness.js";

const CONFIG: PaymentsConfig = {
  ...TEST_CONFIG,
  productLines: { ...TEST_CONFIG.productLines, tiers: { customerType: "user" } },
  products: {
    ...TEST_CONFIG.products,
    // server-only, recurring, in the "plans" line: a switch option for servers only
    pro_hidden: { displayName: "Pro (hidden)", productLineId: "plans", serverOnly: true, prices: { monthly: { USD: "99", interval: [1, "month"] } } },
    t_base: { productLineId: "tiers", prices: { monthly: { USD: "5", interval: [1, "month"] } } },
    t_addon: { displayName: "Tier add-on", productLineId: "tiers", isAddOnTo: { t_base: true }, prices: { monthly: { USD: "2", interval: [1, "month"] } } },
    // an included item without `expires`: configured products default to "when-repeated"
    drip: { displayName: "Drip", stackable: true, prices: { once: { USD: "1" } }, includedItems: { i1: { quantity: 10, repeat: [1, "month"] } } },
  },
};

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

const grant = (type: string, id: string, body: unknown) => h.call("POST", `/payments/products/${type}/${id}`, { body });
const list = (type: string, id: string, qs = "", access: any = "server") => h.call("GET", `/payments/products/${type}/${id}${qs}`, { access });
const item = async (type: string, id: string, itemId: string) => (await h.call("GET", `/payments/items/${type}/${id}/${itemId}`)).json.quantity as number;
const ids = (r: { json: any }) => r.json.items.map((p: { id: string | null }) => p.id);

describe("A.4 query keys are only validated on routes that declare a query schema", () => {
  it("GET item and GET billing ignore unknown query keys", async () => {
    const u = await h.newUser();
    const it1 = await h.call("GET", `/payments/items/user/${u.id}/credits?foo=1`, { access: { token: u.token } });
    expect(it1.status).toBe(200);
    expect(it1.json).toEqual({ id: "credits", display_name: "Credits", quantity: 0 });
    const b = await h.call("GET", `/payments/billing/user/${u.id}?foo=1`, { access: { token: u.token } });
    expect(b.status).toBe(200);
    expect(b.json).toEqual({ has_customer: false, default_payment_method: null });
  });

  it("routes with a query schema still reject unknown keys", async () => {
    const u = await h.newUser();
    expect((await list("user", u.id, "?foo=1")).json.code).toBe("SCHEMA_ERROR");
  });
});

describe("B.8 limit is a string parsed as a number 1..100", () => {
  it("accepts numeric spellings that parse to an integer in range", async () => {
    const u = await h.newUser();
    for (const id of ["credit_pack", "lifetime", "secret"]) await grant("user", u.id, { product_id: id });
    for (const limit of ["05", "2", "002", "1e1"]) {
      const r = await list("user", u.id, `?limit=${limit}`);
      expect(r.status, limit).toBe(200);
      expect(r.json.items).toHaveLength(Math.min(3, Number(limit)));
    }
    for (const limit of ["", "0", "101", "abc", "1.5", "-1"]) {
      const r = await list("user", u.id, `?limit=${limit}`);
      expect(r.status, limit).toBe(400);
      expect(r.json.code).toBe("SCHEMA_ERROR");
    }
  });
});

describe("B.8 pagination and server-only hiding", () => {
  it("paginates the client's visible list: server-only products are neither listed nor usable as a cursor", async () => {
    const u = await h.newUser();
    for (const id of ["base", "addon", "credit_pack", "secret"]) expect((await grant("user", u.id, { product_id: id })).status).toBe(200);
    const me = { token: u.token };
    const p1 = await list("user", u.id, "?limit=2", me);
    expect(ids(p1)).toEqual(["addon", "base"]);
    expect(p1.json.pagination.next_cursor).toBe("credit_pack");
    const p2 = await list("user", u.id, "?limit=2&cursor=credit_pack", me);
    expect(ids(p2)).toEqual(["credit_pack"]);
    expect(p2.json.pagination.next_cursor).toBeNull();
    const hidden = await list("user", u.id, "?cursor=secret", me);
    expect(hidden.status).toBe(400);
    expect(hidden.text).toBe("Invalid cursor");
    expect(ids(await list("user", u.id, "?cursor=credit_pack"))).toEqual(["credit_pack", "secret"]);
  });

  it("switch_options leave out server-only products for clients only", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "base" });
    const server = (await list("user", u.id)).json.items[0];
    expect(server.switch_options.map((o: { product_id: string }) => o.product_id)).toEqual(["premium", "pro_hidden", "starter"]);
    const client = (await list("user", u.id, "", { token: u.token })).json.items[0];
    expect(client.switch_options.map((o: { product_id: string }) => o.product_id)).toEqual(["premium", "starter"]);
    // the owned-product object's fields, in the contract's order
    expect(Object.keys(client)).toEqual(["id", "quantity", "product", "type", "subscription", "switch_options"]);
  });
});

describe("C.2 / C.4 defaults", () => {
  it("configured included items default to expires when-repeated, inline ones to never; inline stackable is forced off", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "drip" });
    const drip = (await list("user", u.id)).json.items[0];
    expect(drip.product.included_items).toEqual({ i1: { quantity: 10, repeat: [1, "month"], expires: "when-repeated" } });
    const c = customId();
    const inline = { display_name: "Inline", customer_type: "custom", stackable: true, prices: { p: { USD: "1" } }, included_items: { custom_credits: {} } };
    const two = await grant("custom", c, { product_inline: inline, quantity: 2 });
    expect(two.status).toBe(400);
    expect(two.text).toBe("This product is not stackable; quantity must be 1");
    expect((await grant("custom", c, { product_inline: inline })).status).toBe(200);
    const entry = (await list("custom", c)).json.items[0];
    expect(entry).toMatchObject({ id: null, quantity: 1, type: "one_time", subscription: null });
    expect(entry.product).toMatchObject({ stackable: false, server_only: true, included_items: { custom_credits: { quantity: 0, repeat: "never", expires: "never" } } });
    expect("switch_options" in entry).toBe(false);
  });
});

describe("A.4 / A.5 known-error bodies", () => {
  it("answers code, details, error in that order with the contract's messages", async () => {
    const c = customId();
    const r = await grant("custom", c, { product_id: "starter" });
    expect(r.status).toBe(400);
    expect(r.headers.get("x-stack-known-error")).toBe("PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH");
    expect(Object.keys(r.json)).toEqual(["code", "details", "error"]);
    expect(r.json.error).toBe(
      `The custom with ID "${c}" is not a valid customer for the inline product that has been passed in. The product is configured to only be available for user customers, but the customer is a custom.`,
    );
    const short = await h.call("POST", `/payments/items/custom/${c}/custom_credits/update-quantity?allow_negative=false`, { body: { delta: -3 } });
    expect(short.json).toEqual({
      code: "ITEM_QUANTITY_INSUFFICIENT_AMOUNT",
      details: { item_id: "custom_credits", customer_id: c, quantity: -3 },
      error: `The item with ID "custom_credits" has an insufficient quantity for the customer with ID "${c}". An attempt was made to charge -3 credits.`,
    });
  });
});

describe("B.3 / B.4 / D product lines and add-ons", () => {
  it("an add-on in its base's line neither conflicts with nor replaces the base", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "t_base" });
    const url = await h.call("POST", "/payments/purchases/create-purchase-url", { body: { customer_type: "user", customer_id: u.id, product_id: "t_addon" } });
    const code = new URL(url.json.url).pathname.split("/").pop()!;
    const v = await h.call("POST", "/payments/purchases/validate-code", { access: "none", body: { full_code: code } });
    expect(v.json.conflicting_products).toEqual([]);
    expect((await grant("user", u.id, { product_id: "t_addon" })).status).toBe(200);
    expect(ids(await list("user", u.id))).toEqual(["t_addon", "t_base"]);
  });

  it("buying a one-time price in a line replaces the line's subscription (test mode)", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "base" });
    const url = await h.call("POST", "/payments/purchases/create-purchase-url", { body: { customer_type: "user", customer_id: u.id, product_id: "premium" } });
    const code = new URL(url.json.url).pathname.split("/").pop()!;
    const v = await h.call("POST", "/payments/purchases/validate-code", { access: "none", body: { full_code: code } });
    expect(v.json.conflicting_products).toEqual([{ product_id: "base", display_name: "Base" }]);
    const r = await h.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
    expect(r.json).toEqual({ success: true });
    const l = await list("user", u.id);
    expect(ids(l)).toEqual(["premium"]);
    expect(l.json.items[0]).toMatchObject({ type: "one_time", subscription: null });
    expect(await item("user", u.id, "i1")).toBe(3);
  });

  it("cancelling by subscription_id only finds the given customer's subscriptions", async () => {
    const a = await h.newUser();
    const b = await h.newUser();
    const sub = (await grant("user", a.id, { product_id: "starter" })).json.subscription_id as string;
    const r = await h.call("DELETE", `/payments/products/user/${b.id}/starter?subscription_id=${sub}`);
    expect(r.status).toBe(400);
    expect(r.text).toBe("No active subscription found with this ID for the given customer.");
    expect((await list("user", a.id)).json.items[0].type).toBe("subscription");
  });
});

describe("D repeats (test clock; keep last: it moves this file's clock)", () => {
  it("repeats are anchored at the purchase with month = 30 days; when-repeated grants expire at the next repeat", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "drip" });
    await h.call("POST", `/payments/items/user/${u.id}/i1/update-quantity?allow_negative=false`, { body: { delta: -4 } });
    expect(await item("user", u.id, "i1")).toBe(6);
    await h.advanceClock(30 * DAY - 60_000);
    expect(await item("user", u.id, "i1")).toBe(6);
    await h.advanceClock(120_000);
    expect(await item("user", u.id, "i1")).toBe(10);
    // one-time purchases never end, so the repeats go on
    await h.advanceClock(30 * DAY);
    expect(await item("user", u.id, "i1")).toBe(10);
  });
});

describe("B.8 the newest inline product definition is shown, even when grants share a millisecond", () => {
  it("orders purchases of one millisecond by when they were made", async () => {
    // a frozen clock makes every grant land in the same millisecond
    const frozen = createHarness({ config: CONFIG, clock: { now: () => 1_800_000_000_000 } });
    try {
      await frozen.emulator.ready;
      for (let i = 0; i < 8; i++) {
        const c = customId();
        for (const name of ["First", "Second", "Third"]) {
          const r = await frozen.call("POST", `/payments/products/custom/${c}`, {
            body: { product_inline: { display_name: name, customer_type: "custom", prices: { p: { USD: "1" } } } },
          });
          expect(r.status).toBe(200);
        }
        const l = await frozen.call("GET", `/payments/products/custom/${c}`);
        expect(l.json.items).toHaveLength(1);
        expect(l.json.items[0]).toMatchObject({ id: null, quantity: 3, product: { display_name: "Third" } });
      }
      // a subscription replaced in the same millisecond is the old one, not the new one
      const u = await frozen.newUser();
      for (const id of ["base", "premium", "starter"]) expect((await frozen.call("POST", `/payments/products/user/${u.id}`, { body: { product_id: id } })).status).toBe(200);
      const l = await frozen.call("GET", `/payments/products/user/${u.id}`);
      expect(ids(l)).toEqual(["starter"]);
      expect(l.json.items[0].type).toBe("subscription");
    } finally {
      await frozen.close();
    }
  });
});
