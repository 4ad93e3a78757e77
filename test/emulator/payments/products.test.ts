import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CONFIG } from "./config.js";
import { BASE, createHarness, customId, DAY, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

const grant = (type: string, id: string, body: unknown, access: Parameters<Harness["call"]>[2] extends infer O ? (O extends { access?: infer A } ? A : never) : never = "server") =>
  h.call("POST", `/payments/products/${type}/${id}`, { body, access });
const list = (type: string, id: string, qs = "", access: any = "server") => h.call("GET", `/payments/products/${type}/${id}${qs}`, { access });
const item = async (type: string, id: string, itemId: string) => (await h.call("GET", `/payments/items/${type}/${id}/${itemId}`)).json.quantity as number;

describe("POST /payments/products/{type}/{id} (grant)", () => {
  it("grants a subscription (subscription_id) and a one-time purchase (no id) with their items", async () => {
    const u = await h.newUser();
    const sub = await grant("user", u.id, { product_id: "starter" });
    expect(sub.status).toBe(200);
    expect(sub.json).toEqual({ success: true, subscription_id: expect.any(String) });
    expect(await item("user", u.id, "credits")).toBe(100);
    const once = await grant("user", u.id, { product_id: "credit_pack", quantity: 3 });
    expect(once.json).toEqual({ success: true });
    expect(await item("user", u.id, "credits")).toBe(250);
  });

  it("checks customer exists → product resolution → customer type → validation, in that order", async () => {
    expect((await grant("user", "00000000-0000-4000-8000-000000000000", { product_id: "nope" })).json.code).toBe("USER_NOT_FOUND");
    const c = customId();
    const both = await grant("custom", c, { product_id: "custom_pack", product_inline: { display_name: "x", customer_type: "custom", prices: {} } });
    expect(both.status).toBe(400);
    expect(both.text).toBe("Cannot specify both product_id and product_inline!");
    const neither = await grant("custom", c, {});
    expect(neither.text).toBe("Must specify either product_id or product_inline!");
    const unknown = await grant("custom", c, { product_id: "nope" });
    expect(unknown.json).toEqual({ code: "PRODUCT_DOES_NOT_EXIST", details: { product_id: "nope", context: null }, error: 'Product with ID "nope" does not exist.' });
    const isItem = await grant("custom", c, { product_id: "credits" });
    expect(isItem.json.details).toEqual({ product_id: "credits", context: "item_exists" });
    expect(isItem.json.error).toBe('Product with ID "credits" does not exist, but an item with this ID exists.');
    const wrongType = await grant("custom", c, { product_id: "starter" });
    expect(wrongType.json).toMatchObject({
      code: "PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH",
      details: { product_id: "starter", customer_id: c, product_customer_type: "user", actual_customer_type: "custom" },
    });
    const notStackable = await grant("user", (await h.newUser()).id, { product_id: "lifetime", quantity: 2 });
    expect(notStackable.text).toBe("This product is not stackable; quantity must be 1");
    expect((await list("custom", c)).json.items).toEqual([]);
  });

  it("refuses a second grant of an owned non-stackable product; stackable ones add up", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "lifetime" });
    const again = await grant("user", u.id, { product_id: "lifetime" });
    expect(again.json).toMatchObject({ code: "PRODUCT_ALREADY_GRANTED", details: { product_id: "lifetime", customer_id: u.id } });
    const c = customId();
    await grant("custom", c, { product_id: "custom_pack", quantity: 2 });
    await grant("custom", c, { product_id: "custom_pack", quantity: 3 });
    const l = await list("custom", c);
    expect(l.json.items[0]).toMatchObject({ id: "custom_pack", quantity: 5, type: "one_time", subscription: null });
    expect(await item("custom", c, "custom_credits")).toBe(50);
  });

  it("replaces the subscription in a product line: base (i1 ×2) then premium (i1 ×3) → 3", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "base" });
    expect(await item("user", u.id, "i1")).toBe(2);
    const r = await grant("user", u.id, { product_id: "premium" });
    expect(r.status).toBe(200);
    expect(await item("user", u.id, "i1")).toBe(3);
    const ids = (await list("user", u.id)).json.items.map((p: { id: string }) => p.id);
    expect(ids).toEqual(["premium"]);
  });

  it("refuses a line purchase over a one-time purchase in the line", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "lifetime" });
    const r = await grant("user", u.id, { product_id: "base" });
    expect(r.status).toBe(400);
    expect(r.text).toBe("Customer already has a one-time purchase in this product line");
  });

  it("add-ons need their base product", async () => {
    const u = await h.newUser();
    const r = await grant("user", u.id, { product_id: "addon" });
    expect(r.text).toBe("This product is an add-on to a product that the customer does not have");
    await grant("user", u.id, { product_id: "base" });
    expect((await grant("user", u.id, { product_id: "addon" })).status).toBe(200);
    const ids = (await list("user", u.id)).json.items.map((p: { id: string }) => p.id);
    expect(ids).toEqual(["addon", "base"]);
  });

  it("include-by-default products record nothing but succeed", async () => {
    const u = await h.newUser();
    expect((await grant("user", u.id, { product_id: "legacy_free" })).json).toEqual({ success: true });
    expect((await list("user", u.id)).json.items).toEqual([]);
  });

  it("inline products: converted with never-expiring items, all sharing one entry with id null", async () => {
    const c = customId();
    const inline = (name: string, q: number) => ({
      display_name: name,
      customer_type: "custom",
      prices: { p: { USD: "1" } },
      included_items: { custom_credits: { quantity: q } },
      server_metadata: { n: q },
    });
    expect((await grant("custom", c, { product_inline: inline("First", 4) })).status).toBe(200);
    expect((await grant("custom", c, { product_inline: inline("Second", 6) })).status).toBe(200);
    const l = await list("custom", c);
    expect(l.json.items).toHaveLength(1);
    expect(l.json.items[0]).toMatchObject({ id: null, quantity: 2, product: { display_name: "Second", server_only: true, stackable: false, server_metadata: { n: 6 } } });
    expect(l.json.items[0].product.included_items).toEqual({ custom_credits: { quantity: 6, repeat: "never", expires: "never" } });
    expect(await item("custom", c, "custom_credits")).toBe(10);
    const wrong = await grant("custom", c, { product_inline: { ...inline("x", 1), customer_type: "user" } });
    expect(wrong.json.code).toBe("PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH");
    const bad = await grant("custom", c, { product_inline: { display_name: "x" } });
    expect(bad.json.code).toBe("SCHEMA_ERROR");
  });

  it("is server-only", async () => {
    const u = await h.newUser();
    const r = await grant("user", u.id, { product_id: "lifetime" }, { token: u.token });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: "INSUFFICIENT_ACCESS_TYPE", details: { actual_access_type: "client", allowed_access_types: ["server", "admin"] } });
  });
});

describe("GET /payments/products/{type}/{id}", () => {
  it("lists owned products with the deprecated subscription fields and switch options", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "starter" });
    const l = await list("user", u.id);
    expect(l.status).toBe(200);
    expect(l.json.is_paginated).toBe(true);
    expect(l.json.pagination).toEqual({ next_cursor: null });
    const [entry] = l.json.items;
    expect(entry).toMatchObject({ id: "starter", quantity: 1, type: "subscription" });
    expect(entry.product).toEqual({
      display_name: "Starter",
      customer_type: "user",
      stackable: false,
      server_only: false,
      included_items: { credits: { quantity: 100, repeat: [1, "month"], expires: "when-repeated" } },
      client_metadata: null,
      client_read_only_metadata: null,
      server_metadata: null,
      prices: { monthly: { USD: "10", interval: [1, "month"] }, annual_plan: { USD: "100", EUR: "90", interval: [1, "year"] } },
    });
    expect(entry.subscription).toMatchObject({ subscription_id: expect.any(String), cancel_at_period_end: false, is_cancelable: true });
    const periodEnd = Date.parse(entry.subscription.current_period_end);
    const now = (await h.call("GET", "/internal/emulator/clock")).json.now_millis as number;
    expect(periodEnd - now).toBeGreaterThan(27 * DAY);
    expect(periodEnd - now).toBeLessThanOrEqual(31 * DAY);
    // other recurring, non-add-on products of the line, with only their recurring prices
    expect(entry.switch_options.map((o: { product_id: string }) => o.product_id)).toEqual(["base", "premium"]);
    expect(entry.switch_options[1].product.prices).toEqual({ monthly: { USD: "20", interval: [1, "month"] } });
  });

  it("hides server-only products from clients and lets a client read only its own list", async () => {
    const u = await h.newUser();
    const other = await h.newUser();
    await grant("user", u.id, { product_id: "secret" });
    await grant("user", u.id, { product_id: "credit_pack" });
    expect((await list("user", u.id)).json.items.map((p: { id: string }) => p.id)).toEqual(["credit_pack", "secret"]);
    const mine = await list("user", u.id, "", { token: u.token });
    expect(mine.json.items.map((p: { id: string }) => p.id)).toEqual(["credit_pack"]);
    expect("switch_options" in mine.json.items[0]).toBe(false);
    const theirs = await list("user", u.id, "", { token: other.token });
    expect(theirs.status).toBe(403);
    expect(theirs.text).toBe("Clients can only access their own user or team products.");
  });

  it("paginates by product id with an inclusive cursor; an unknown cursor or bad limit is a 400", async () => {
    const u = await h.newUser();
    for (const id of ["credit_pack", "secret", "lifetime"]) await grant("user", u.id, { product_id: id });
    const p1 = await list("user", u.id, "?limit=2");
    expect(p1.json.items.map((p: { id: string }) => p.id)).toEqual(["credit_pack", "lifetime"]);
    expect(p1.json.pagination.next_cursor).toBe("secret");
    const p2 = await list("user", u.id, "?limit=2&cursor=secret");
    expect(p2.json.items.map((p: { id: string }) => p.id)).toEqual(["secret"]);
    expect(p2.json.pagination.next_cursor).toBeNull();
    const bad = await list("user", u.id, "?cursor=zzz");
    expect(bad.status).toBe(400);
    expect(bad.text).toBe("Invalid cursor");
    for (const limit of ["0", "101", "abc", "1.5"]) {
      const r = await list("user", u.id, `?limit=${limit}`);
      expect(r.status).toBe(400);
      expect(r.json.code).toBe("SCHEMA_ERROR");
    }
  });

  it("checks the customer exists", async () => {
    expect((await list("user", "00000000-0000-4000-8000-000000000000")).json.code).toBe("USER_NOT_FOUND");
    expect((await list("team", "nope")).json.code).toBe("TEAM_NOT_FOUND");
  });
});

describe("DELETE /payments/products/{type}/{id}/{product} (cancel)", () => {
  it("cancels at period end: the listing drops the subscription at once, ownership and items last until the end", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "base" });
    const r = await h.call("DELETE", `/payments/products/user/${u.id}/base`, { access: { token: u.token } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: true });
    const l = await list("user", u.id);
    expect(l.json.items[0]).toMatchObject({ id: "base", quantity: 1, type: "one_time", subscription: null });
    expect(await item("user", u.id, "i1")).toBe(2);
    const again = await h.call("DELETE", `/payments/products/user/${u.id}/base`);
    expect(again.text).toBe("This product is a one time purchase and cannot be canceled.");
  });

  it("ends ownership and when-purchase-expires items at the period end (test clock)", async () => {
    // a fresh emulator, because the test clock is per project and other tests read it
    const h2 = createHarness({ config: TEST_CONFIG });
    try {
      const u = await h2.newUser();
      await h2.call("POST", `/payments/products/user/${u.id}`, { body: { product_id: "base" } });
      await h2.call("DELETE", `/payments/products/user/${u.id}/base`);
      await h2.advanceClock(32 * DAY);
      expect((await h2.call("GET", `/payments/items/user/${u.id}/i1`)).json.quantity).toBe(0);
      expect((await h2.call("GET", `/payments/products/user/${u.id}`)).json.items).toEqual([]);
    } finally {
      await h2.close();
    }
  });

  it("cancels by subscription_id, with the path product ignored", async () => {
    const u = await h.newUser();
    const sub = (await grant("user", u.id, { product_id: "starter" })).json.subscription_id as string;
    const wrong = await h.call("DELETE", `/payments/products/user/${u.id}/_inline?subscription_id=nope`);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toBe("No active subscription found with this ID for the given customer.");
    const ok = await h.call("DELETE", `/payments/products/user/${u.id}/_inline?subscription_id=${sub}`);
    expect(ok.json).toEqual({ success: true });
    expect((await list("user", u.id)).json.items[0].subscription).toBeNull();
  });

  it("answers each error of the contract", async () => {
    const u = await h.newUser();
    const other = await h.newUser();
    expect((await h.call("DELETE", `/payments/products/user/${u.id}/base`, { access: "client" })).json.code).toBe("USER_AUTHENTICATION_REQUIRED");
    const foreign = await h.call("DELETE", `/payments/products/user/${u.id}/base`, { access: { token: other.token } });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toBe("Clients can only cancel their own subscriptions.");
    const custom = await h.call("DELETE", `/payments/products/custom/x/custom_pack`, { access: { token: u.token } });
    expect(custom.status).toBe(403);
    expect(custom.text).toBe("Clients can only cancel user or team subscriptions they control.");
    expect((await h.call("DELETE", `/payments/products/user/00000000-0000-4000-8000-000000000000/base`)).json.code).toBe("USER_NOT_FOUND");
    expect((await h.call("DELETE", `/payments/products/user/${u.id}/nope`)).json.code).toBe("PRODUCT_DOES_NOT_EXIST");
    expect((await h.call("DELETE", `/payments/products/user/${u.id}/team_plan`)).json.code).toBe("PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH");
    const notOwned = await h.call("DELETE", `/payments/products/user/${u.id}/base`);
    expect(notOwned.text).toBe("Customer does not have this product.");
    await grant("user", u.id, { product_id: "credit_pack" });
    const oneTime = await h.call("DELETE", `/payments/products/user/${u.id}/credit_pack`);
    expect(oneTime.text).toBe("This product is a one time purchase and cannot be canceled.");
  });

  it("team subscriptions need team_admin on the client", async () => {
    const owner = await h.newUser();
    const team = await h.newTeam(owner.token);
    await grant("team", team, { product_id: "team_plan" });
    expect(await item("team", team, "team_credits")).toBe(10);
    const outsider = await h.newUser();
    const no = await h.call("DELETE", `/payments/products/team/${team}/team_plan`, { access: { token: outsider.token } });
    expect(no.json.code).toBe("TEAM_MEMBERSHIP_NOT_FOUND");
    const ok = await h.call("DELETE", `/payments/products/team/${team}/team_plan`, { access: { token: owner.token } });
    expect(ok.json).toEqual({ success: true });
  });
});

describe("POST .../switch", () => {
  it("answers the contract's errors in order; DB-only subscriptions cannot be switched", async () => {
    const u = await h.newUser();
    const sw = (body: unknown, access: any = { token: u.token }, type = "user", id = u.id) =>
      h.call("POST", `/payments/products/${type}/${id}/switch`, { body, access });
    expect((await sw({ from_product_id: "base", to_product_id: "premium" }, { token: (await h.newUser()).token })).text).toBe(
      "Clients can only manage their own subscriptions.",
    );
    expect((await sw({ from_product_id: "nope", to_product_id: "premium" })).text).toBe("Product not found.");
    expect((await sw({ from_product_id: "team_plan", to_product_id: "premium" })).text).toBe("Product customer type does not match.");
    expect((await sw({ from_product_id: "base", to_product_id: "credit_pack" })).text).toBe("Products must be in the same product line to switch.");
    expect((await sw({ from_product_id: "base", to_product_id: "base" })).text).toBe("Product is already active.");
    expect((await sw({ from_product_id: "lifetime", to_product_id: "base" })).text).toBe("This subscription cannot be switched.");
    await grant("user", u.id, { product_id: "base" });
    const r = await sw({ from_product_id: "base", to_product_id: "premium" });
    expect(r.status).toBe(400);
    expect(r.text).toBe("This subscription cannot be switched.");
    expect((await sw({ from_product_id: "base", to_product_id: "premium" }, "server", "custom", "x")).json.code).toBe("SCHEMA_ERROR");
    expect((await sw({ from_product_id: "base" })).json.code).toBe("SCHEMA_ERROR");
    expect((await list("user", u.id)).json.items.map((p: { id: string }) => p.id)).toEqual(["base"]);
  });

  it("a one-time purchase in the line is reported", async () => {
    const u = await h.newUser();
    await grant("user", u.id, { product_id: "lifetime" });
    const r = await h.call("POST", `/payments/products/user/${u.id}/switch`, { body: { from_product_id: "base", to_product_id: "premium" } });
    expect(r.text).toBe("Customer already has a one-time purchase in this product line");
  });
});

describe("billing, invoices and payment methods without Stripe", () => {
  it("billing: no customer; invoices: empty; client rules", async () => {
    const u = await h.newUser();
    const b = await h.call("GET", `/payments/billing/user/${u.id}`, { access: { token: u.token } });
    expect(b.json).toEqual({ has_customer: false, default_payment_method: null });
    const inv = await h.call("GET", `/payments/invoices/user/${u.id}?limit=5`, { access: { token: u.token } });
    expect(inv.json).toEqual({ items: [], is_paginated: true, pagination: { next_cursor: null } });
    expect((await h.call("GET", `/payments/invoices/user/${u.id}?cursor=in_1`)).text).toBe("Invalid cursor");
    const other = await h.newUser();
    for (const path of [`/payments/billing/user/${u.id}`, `/payments/invoices/user/${u.id}`]) {
      const r = await h.call("GET", path, { access: { token: other.token } });
      expect(r.status).toBe(403);
      expect(r.text).toBe("Clients can only manage their own billing.");
    }
    expect((await h.call("GET", `/payments/billing/custom/x`)).json.code).toBe("SCHEMA_ERROR");
  });

  it("setup-intent answers a client secret; set-default refuses setup intents that are unknown, unconfirmed or another customer's", async () => {
    const u = await h.newUser();
    const s = await h.call("POST", `/payments/payment-method/user/${u.id}/setup-intent`, { access: { token: u.token }, body: {} });
    expect(s.status).toBe(200);
    expect(s.json.client_secret).toMatch(/^seti_[A-Za-z0-9]{24}_secret_/);
    expect(s.json.stripe_account_id).toMatch(/^acct_/);
    const setupIntentId = (s.json.client_secret as string).split("_secret_")[0];
    const unconfirmed = await h.call("POST", `/payments/payment-method/user/${u.id}/set-default`, { access: { token: u.token }, body: { setup_intent_id: setupIntentId } });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toBe("Setup intent has not succeeded.");
    const unknown = await h.call("POST", `/payments/payment-method/user/${u.id}/set-default`, { access: { token: u.token }, body: { setup_intent_id: "seti_1" } });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toBe("No such setupintent: 'seti_1'");
    const other = await h.newUser();
    const foreign = await h.call("POST", `/payments/payment-method/user/${other.id}/set-default`, { access: { token: other.token }, body: { setup_intent_id: setupIntentId } });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toBe("Setup intent does not belong to this customer.");
    const forbidden = await h.call("POST", `/payments/payment-method/user/${u.id}/setup-intent`, { access: { token: other.token }, body: {} });
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toBe("Clients can only manage their own payment method.");
    expect((await h.call("POST", `/payments/payment-method/user/${u.id}/set-default`, { body: {} })).json.code).toBe("SCHEMA_ERROR");
  });

  it("a project without a Stripe account answers that payments are not set up", async () => {
    const p = await h.emulator.createProject({ payments: "not-set-up" });
    try {
      const headers = { "x-stack-project-id": p.id, "x-stack-access-type": "server", "x-stack-secret-server-key": p.secretServerKey, "content-type": "application/json" };
      const signUp = await h.emulator.fetch(new Request(`${BASE}/api/v1/users`, { method: "POST", headers, body: JSON.stringify({}) }));
      const userId = ((await signUp.json()) as { id: string }).id;
      for (const action of ["setup-intent", "set-default"]) {
        const body = action === "setup-intent" ? {} : { setup_intent_id: "seti_1" };
        const r = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/payment-method/user/${userId}/${action}`, { method: "POST", headers, body: JSON.stringify(body) }));
        expect(r.status, action).toBe(400);
        expect(await r.text()).toMatch(/^Payments are not set up in this Stack Auth project\./);
      }
    } finally {
      await h.emulator.deleteProject(p.id);
    }
  });
});
