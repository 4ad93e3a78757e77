/**
 * Wire shape of every app call, asserted with msw: method, path, query, headers and body, and
 * the mapping of every known error the contract lists for these routes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HttpResponse } from "msw";
import { clientUserWire, createWireRecorder, serverUserWire } from "../fixtures/wire-recorder.js";
import { StackClientApp, isStackPaymentsError } from "../../src/index.js";
import { StackServerApp } from "../../src/server.js";
import { knownErrorBody, type KnownErrorCode } from "../../src/core/known-errors.js";
import type { TokenStoreInit } from "../../src/core/session.js";

const BASE = "http://wire.test";
const PID = "11111111-2222-4333-8444-555555555555";
const UID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const TID = "99999999-8888-4777-8666-555555555555";

const wire = createWireRecorder(BASE);
const server = wire.server;
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  wire.reset();
});
afterAll(() => server.close());

const clientUser = clientUserWire(UID);
const serverUser = serverUserWire(UID);
const team = { id: TID, display_name: "Acme", profile_image_url: null, client_metadata: null, client_read_only_metadata: null };
const serverTeam = { ...team, created_at_millis: 1700000000000, server_metadata: null };
const product = {
  display_name: "Premium",
  customer_type: "user",
  stackable: false,
  server_only: false,
  included_items: { credits: { quantity: 50, repeat: "never", expires: "never" } },
  client_metadata: null,
  client_read_only_metadata: null,
  server_metadata: null,
  prices: { monthly: { USD: "10", interval: [1, "month"] } },
};
const productsPage = {
  items: [
    {
      id: "prod_premium",
      quantity: 1,
      product,
      type: "subscription",
      subscription: { subscription_id: "sub_1", current_period_end: "2030-01-01T00:00:00.000Z", cancel_at_period_end: false, is_cancelable: true },
      switch_options: [{ product_id: "prod_pro", product: { ...product, display_name: "Pro" } }],
    },
  ],
  is_paginated: true,
  pagination: { next_cursor: "prod_zzz" },
};

/** Routes answers by method + path. */
function route(table: Record<string, unknown>) {
  wire.answer = (req) => {
    const key = `${req.method} ${new URL(req.url).pathname}`;
    if (!(key in table)) return new HttpResponse(`no route ${key}`, { status: 500 });
    return HttpResponse.json(table[key] as object);
  };
}

const tokens = { accessToken: "at_1", refreshToken: "rt_1" };
const clientApp = (tokenStore: TokenStoreInit = tokens) =>
  new StackClientApp({ baseUrl: BASE, projectId: PID, publishableClientKey: "pck_wire", tokenStore, retry: false });
const serverApp = () => new StackServerApp({ baseUrl: BASE, projectId: PID, publishableClientKey: "pck_wire", secretServerKey: "ssk_wire", tokenStore: "memory", retry: false });

const clientHeaders = {
  "x-stack-override-error-status": "true",
  "x-stack-project-id": PID,
  "x-stack-access-type": "client",
  "x-stack-client-version": "js stack-payments@0.1.0",
  "x-stack-allow-anonymous-user": "true",
  "x-stack-publishable-client-key": "pck_wire",
};
const serverHeaders = { ...clientHeaders, "x-stack-access-type": "server", "x-stack-secret-server-key": "ssk_wire" };

describe("client app wire", () => {
  it("getUser: GET /users/me with the session's tokens", async () => {
    route({ [`GET /api/v1/users/me`]: clientUser });
    const user = await clientApp().getUser({ or: "throw" });
    expect(user).toMatchObject({ id: UID, displayName: "Ada", primaryEmail: "ada@example.com", isAnonymous: false });
    expect(wire.seen).toHaveLength(1);
    expect(wire.seen[0]).toMatchObject({ method: "GET", path: "/api/v1/users/me", query: {}, body: undefined });
    expect(wire.seen[0]!.headers).toMatchObject({ ...clientHeaders, "x-stack-access-token": "at_1", "x-stack-refresh-token": "rt_1" });
    expect(wire.seen[0]!.headers["x-stack-random-nonce"]).toBeTruthy();
    expect(wire.seen[0]!.headers).not.toHaveProperty("x-stack-secret-server-key");
  });

  it("getUser({ or: 'anonymous' }): POST /auth/anonymous/sign-up with no body, then /users/me with the new tokens", async () => {
    route({
      "POST /api/v1/auth/anonymous/sign-up": { access_token: "at_anon", refresh_token: "rt_anon", user_id: UID },
      "GET /api/v1/users/me": { ...clientUser, is_anonymous: true, is_restricted: true, restricted_reason: { type: "anonymous" } },
    });
    const user = await clientApp("memory").getUser({ or: "anonymous" });
    expect(user.isAnonymous).toBe(true);
    expect(wire.seen.map((s) => `${s.method} ${s.path}`)).toEqual(["POST /api/v1/auth/anonymous/sign-up", "GET /api/v1/users/me"]);
    expect(wire.seen[0]!.body).toBeUndefined();
    expect(wire.seen[0]!.headers).not.toHaveProperty("x-stack-access-token");
    expect(wire.seen[1]!.headers).toMatchObject({ "x-stack-access-token": "at_anon", "x-stack-refresh-token": "rt_anon" });
  });

  it("sign-in, sign-up and sign-out bodies", async () => {
    route({
      "POST /api/v1/auth/password/sign-in": { access_token: "a2", refresh_token: "r2", user_id: UID },
      "POST /api/v1/auth/password/sign-up": { access_token: "a3", refresh_token: "r3", user_id: UID },
      "DELETE /api/v1/auth/sessions/current": { success: true },
    });
    const app = clientApp("memory");
    await app.signInWithCredential({ email: "ada@example.com", password: "pw-123456", noRedirect: true });
    expect(wire.seen[0]).toMatchObject({ method: "POST", path: "/api/v1/auth/password/sign-in", body: { email: "ada@example.com", password: "pw-123456" } });
    expect(wire.seen[0]!.headers["content-type"]).toBe("application/json");
    await app.signUpWithCredential({ email: "bob@example.com", password: "pw-123456", noRedirect: true });
    expect(wire.seen[1]).toMatchObject({ path: "/api/v1/auth/password/sign-up", body: { email: "bob@example.com", password: "pw-123456" } });
    await app.signOut();
    expect(wire.seen[2]).toMatchObject({ method: "DELETE", path: "/api/v1/auth/sessions/current", body: {} });
    expect(wire.seen[2]!.headers).toMatchObject({ "x-stack-access-token": "a3", "x-stack-refresh-token": "r3" });
    expect(await app.getAccessToken()).toBeNull();
  });

  it("app.getItem / listProducts / listInvoices / cancelSubscription", async () => {
    route({
      [`GET /api/v1/payments/items/custom/a%2Fb%20c/credits`]: { id: "credits", display_name: "Credits", quantity: -3 },
      [`GET /api/v1/payments/products/team/${TID}`]: productsPage,
      [`GET /api/v1/payments/invoices/user/${UID}`]: {
        items: [{ created_at_millis: 1700000000000, status: "paid", amount_total: 1000, hosted_invoice_url: null }],
        is_paginated: true,
        pagination: { next_cursor: null },
      },
      [`DELETE /api/v1/payments/products/team/${TID}/prod_premium`]: { success: true },
      [`GET /api/v1/users/me`]: clientUser,
      [`DELETE /api/v1/payments/products/user/${UID}/prod_x`]: { success: true },
    });
    const app = clientApp();
    expect(await app.getItem({ customCustomerId: "a/b c", itemId: "credits" })).toEqual({ displayName: "Credits", quantity: -3, nonNegativeQuantity: 0 });
    expect(wire.seen[0]).toMatchObject({ method: "GET", path: "/api/v1/payments/items/custom/a%2Fb%20c/credits", query: {} });
    const list = await app.listProducts({ teamId: TID, cursor: "prod_a", limit: 5 });
    expect(wire.seen[1]).toMatchObject({ method: "GET", path: `/api/v1/payments/products/team/${TID}`, query: { cursor: "prod_a", limit: "5" } });
    expect(list.nextCursor).toBe("prod_zzz");
    expect(list[0]).toEqual({
      id: "prod_premium",
      quantity: 1,
      displayName: "Premium",
      customerType: "user",
      isServerOnly: false,
      stackable: false,
      type: "subscription",
      subscription: { subscriptionId: "sub_1", currentPeriodEnd: new Date("2030-01-01T00:00:00.000Z"), cancelAtPeriodEnd: false, isCancelable: true },
      switchOptions: [{ productId: "prod_pro", displayName: "Pro", prices: product.prices }],
    });
    const invoices = await app.listInvoices({ userId: UID, limit: 10 });
    expect(wire.seen[2]).toMatchObject({ path: `/api/v1/payments/invoices/user/${UID}`, query: { limit: "10" } });
    expect(invoices[0]).toEqual({ createdAt: new Date(1700000000000), status: "paid", amountTotal: 1000, hostedInvoiceUrl: null });
    await app.cancelSubscription({ productId: "prod_premium", subscriptionId: "sub_1", teamId: TID });
    expect(wire.seen[3]).toMatchObject({ method: "DELETE", path: `/api/v1/payments/products/team/${TID}/prod_premium`, query: { subscription_id: "sub_1" }, body: undefined });
    await app.cancelSubscription({ productId: "prod_x" });
    expect(wire.seen.slice(4).map((s) => `${s.method} ${s.path}`)).toEqual(["GET /api/v1/users/me", `DELETE /api/v1/payments/products/user/${UID}/prod_x`]);
    expect(wire.seen[5]!.query).toEqual({});
  });

  it("user customer calls: checkout, items, products, billing, switch, teams", async () => {
    route({
      "GET /api/v1/users/me": clientUser,
      "POST /api/v1/payments/purchases/create-purchase-url": { url: "https://app.test/purchase/x_y" },
      [`GET /api/v1/payments/items/user/${UID}/credits`]: { id: "credits", display_name: "Credits", quantity: 7 },
      [`GET /api/v1/payments/products/user/${UID}`]: productsPage,
      [`GET /api/v1/payments/billing/user/${UID}`]: { has_customer: true, default_payment_method: { id: "pm_1", brand: "visa", last4: "4242", exp_month: 1, exp_year: 2030 } },
      [`POST /api/v1/payments/products/user/${UID}/switch`]: { success: true },
      "GET /api/v1/teams": { items: [team], is_paginated: false },
      "POST /api/v1/teams": team,
      "PATCH /api/v1/users/me": clientUser,
    });
    const user = await clientApp().getUser({ or: "throw" });
    wire.seen.length = 0;
    expect(await user.createCheckoutUrl({ productId: "prod_premium", returnUrl: "https://app.test/done" })).toBe("https://app.test/purchase/x_y");
    expect(wire.seen[0]).toMatchObject({
      method: "POST",
      path: "/api/v1/payments/purchases/create-purchase-url",
      body: { customer_type: "user", customer_id: UID, product_id: "prod_premium", return_url: "https://app.test/done" },
    });
    expect(wire.seen[0]!.headers).toMatchObject({ ...clientHeaders, "x-stack-access-token": "at_1" });
    expect(wire.seen[0]!.headers).not.toHaveProperty("idempotency-key");
    expect((await user.getItem("credits")).quantity).toBe(7);
    expect(wire.seen[1]).toMatchObject({ method: "GET", path: `/api/v1/payments/items/user/${UID}/credits` });
    await user.listProducts();
    expect(wire.seen[2]).toMatchObject({ path: `/api/v1/payments/products/user/${UID}`, query: {} });
    expect(await user.getBilling()).toEqual({ hasCustomer: true, defaultPaymentMethod: { id: "pm_1", brand: "visa", last4: "4242", exp_month: 1, exp_year: 2030 } });
    await user.switchSubscription({ fromProductId: "prod_premium", toProductId: "prod_pro", priceId: "monthly", quantity: 1 });
    expect(wire.seen[4]).toMatchObject({ method: "POST", path: `/api/v1/payments/products/user/${UID}/switch`, body: { from_product_id: "prod_premium", to_product_id: "prod_pro", price_id: "monthly", quantity: 1 } });
    const teams = await user.listTeams();
    expect(wire.seen[5]).toMatchObject({ method: "GET", path: "/api/v1/teams", query: { user_id: "me" } });
    expect(teams[0]!.customerRef).toEqual({ type: "team", id: TID });
    expect(Object.keys(teams[0]!)).not.toContain("customerRef");
    expect(await user.getTeam(TID)).toMatchObject({ id: TID, displayName: "Acme" });
    await user.createTeam({ displayName: "New" });
    expect(wire.seen.slice(-2)).toMatchObject([
      { method: "POST", path: "/api/v1/teams", body: { display_name: "New", creator_user_id: "me" } },
      { method: "PATCH", path: "/api/v1/users/me", body: { selected_team_id: TID } },
    ]);
    // Inline products are server only; nothing is sent.
    const n = wire.seen.length;
    await expect(user.createCheckoutUrl({ product: product } as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(wire.seen).toHaveLength(n);
  });
});

describe("server app wire", () => {
  it("getUser(id), createUser, getTeam, createTeam", async () => {
    route({
      [`GET /api/v1/users/${UID}`]: serverUser,
      "POST /api/v1/users": serverUser,
      [`GET /api/v1/teams/${TID}`]: serverTeam,
      "POST /api/v1/teams": serverTeam,
      [`POST /api/v1/team-memberships/${TID}/${UID}`]: { team_id: TID, user_id: UID },
    });
    const app = serverApp();
    const user = await app.getUser(UID);
    expect(wire.seen[0]).toMatchObject({ method: "GET", path: `/api/v1/users/${UID}` });
    expect(wire.seen[0]!.headers).toMatchObject(serverHeaders);
    expect(wire.seen[0]!.headers).not.toHaveProperty("x-stack-access-token");
    expect(user).toMatchObject({ id: UID, serverMetadata: null, primaryEmailAuthEnabled: true });
    await app.createUser({ primaryEmail: "c@example.com", password: "pw-123456", primaryEmailAuthEnabled: true, displayName: "C" });
    expect(wire.seen[1]).toMatchObject({
      method: "POST",
      path: "/api/v1/users",
      body: { primary_email: "c@example.com", password: "pw-123456", primary_email_auth_enabled: true, display_name: "C" },
    });
    expect(wire.seen[1]!.headers["idempotency-key"]).toBeTruthy();
    const t = await app.getTeam(TID);
    expect(wire.seen[2]).toMatchObject({ method: "GET", path: `/api/v1/teams/${TID}` });
    await app.createTeam({ displayName: "Acme", creatorUserId: UID });
    expect(wire.seen[3]).toMatchObject({ method: "POST", path: "/api/v1/teams", body: { display_name: "Acme", creator_user_id: UID } });
    await t!.addUser(UID);
    expect(wire.seen[4]).toMatchObject({ method: "POST", path: `/api/v1/team-memberships/${TID}/${UID}`, body: {} });
  });

  it("server items: GET then update-quantity with raw path and allow_negative always present", async () => {
    let quantity = 5;
    wire.answer = async (req) => {
      const url = new URL(req.url);
      if (url.pathname.endsWith("/update-quantity")) {
        const { delta } = (await req.json()) as { delta: number };
        if (url.searchParams.get("allow_negative") === "false" && quantity + delta < 0) {
          const e = knownErrorBody("ITEM_QUANTITY_INSUFFICIENT_AMOUNT", { item_id: "credits", customer_id: "a/b", quantity: delta });
          return HttpResponse.json(e.body, { headers: { "x-stack-actual-status": String(e.status), "x-stack-known-error": e.body.code } });
        }
        quantity += delta;
        return HttpResponse.json({});
      }
      return HttpResponse.json({ id: "credits", display_name: "Credits", quantity });
    };
    const app = serverApp();
    const item = await app.getItem({ customCustomerId: "a/b", itemId: "credits" });
    expect(wire.seen[0]).toMatchObject({ method: "GET", path: "/api/v1/payments/items/custom/a%2Fb/credits" });
    await item.increaseQuantity(2);
    expect(wire.seen[1]).toMatchObject({ method: "POST", path: "/api/v1/payments/items/custom/a/b/credits/update-quantity", query: { allow_negative: "false" }, body: { delta: 2 } });
    expect(wire.seen[1]!.headers).toMatchObject(serverHeaders);
    expect(item.quantity).toBe(7);
    await item.decreaseQuantity(3);
    expect(wire.seen[3]).toMatchObject({ query: { allow_negative: "true" }, body: { delta: -3 } });
    expect(item.quantity).toBe(4);
    expect(await item.tryDecreaseQuantity(4)).toBe(true);
    expect(wire.seen[5]).toMatchObject({ query: { allow_negative: "false" }, body: { delta: -4 } });
    expect(item.quantity).toBe(0);
    expect(await item.tryDecreaseQuantity(1)).toBe(false);
    expect(item.quantity).toBe(0);
  });

  it("grantProduct by id and inline, listProducts, createCheckoutUrl inline and for custom customers", async () => {
    route({
      [`POST /api/v1/payments/products/user/${UID}`]: { success: true, subscription_id: "sub_9" },
      [`POST /api/v1/payments/products/custom/acme`]: { success: true },
      [`GET /api/v1/payments/products/custom/acme`]: productsPage,
      [`GET /api/v1/users/${UID}`]: serverUser,
      "POST /api/v1/payments/purchases/create-purchase-url": { url: "https://app.test/purchase/a_b" },
    });
    const app = serverApp();
    const inline = { display_name: "Bonus Credits", customer_type: "user", server_only: true, stackable: false, prices: { manual: { USD: "0" } }, included_items: { credits: { quantity: 100 } } } as const;
    const user = (await app.getUser(UID))!;
    wire.seen.length = 0;
    await user.grantProduct({ productId: "prod_premium", quantity: 2 });
    expect(wire.seen[0]).toMatchObject({ method: "POST", path: `/api/v1/payments/products/user/${UID}`, body: { product_id: "prod_premium", quantity: 2 } });
    await user.grantProduct({ product: inline });
    expect(wire.seen[1]!.body).toEqual({ product_inline: inline });
    await app.grantProduct({ customCustomerId: "acme", productId: "prod_api" });
    expect(wire.seen[2]).toMatchObject({ path: "/api/v1/payments/products/custom/acme", body: { product_id: "prod_api" } });
    await app.listProducts({ customCustomerId: "acme", limit: 100 });
    expect(wire.seen[3]).toMatchObject({ method: "GET", query: { limit: "100" } });
    await user.createCheckoutUrl({ product: inline, returnUrl: "https://app.test/r" });
    expect(wire.seen[4]!.body).toEqual({ customer_type: "user", customer_id: UID, product_inline: inline, return_url: "https://app.test/r" });
    await app.createCheckoutUrl({ customCustomerId: "acme", productId: "prod_api" });
    expect(wire.seen[5]!.body).toEqual({ customer_type: "custom", customer_id: "acme", product_id: "prod_api" });
  });

  it("getUser from a request: tokens sent with server access", async () => {
    route({ "GET /api/v1/users/me": serverUser });
    const user = await serverApp().getUser({ tokenStore: { headers: { "x-stack-auth": JSON.stringify(tokens) } }, or: "throw" });
    expect(user.id).toBe(UID);
    expect(wire.seen[0]!.headers).toMatchObject({ ...serverHeaders, "x-stack-access-token": "at_1", "x-stack-refresh-token": "rt_1" });
  });
});

describe("known error mapping", () => {
  const cases: Array<[KnownErrorCode, Record<string, unknown>, (c: StackClientApp, s: StackServerApp) => Promise<unknown>]> = [
    ["ITEM_NOT_FOUND", { item_id: "nope" }, (_, s) => s.getItem({ userId: UID, itemId: "nope" })],
    ["ITEM_CUSTOMER_TYPE_DOES_NOT_MATCH", { item_id: "credits", customer_id: TID, item_customer_type: "user", actual_customer_type: "team" }, (c) => c.getItem({ teamId: TID, itemId: "credits" })],
    ["ITEM_QUANTITY_INSUFFICIENT_AMOUNT", { item_id: "credits", customer_id: UID, quantity: 1 }, async (_, s) => (await itemOf(s)).increaseQuantity(1)],
    ["PRODUCT_DOES_NOT_EXIST", { product_id: "credits", context: "item_exists" }, (_, s) => s.grantProduct({ userId: UID, productId: "credits" })],
    ["PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH", { product_id: "p", customer_id: UID, product_customer_type: "team", actual_customer_type: "user" }, (_, s) => s.grantProduct({ userId: UID, productId: "p" })],
    ["PRODUCT_ALREADY_GRANTED", { product_id: "p", customer_id: UID }, (_, s) => s.createCheckoutUrl({ userId: UID, productId: "p" })],
    ["NEW_PURCHASES_BLOCKED", {}, (_, s) => s.createCheckoutUrl({ userId: UID, productId: "p" })],
    ["DEFAULT_PAYMENT_METHOD_REQUIRED", { customer_type: "user", customer_id: UID }, async (c) => (await c.getUser({ or: "throw" })).switchSubscription({ fromProductId: "a", toProductId: "b" })],
    ["USER_NOT_FOUND", {}, (_, s) => s.listProducts({ userId: UID })],
    ["TEAM_NOT_FOUND", { team_id: TID }, (_, s) => s.getItem({ teamId: TID, itemId: "credits" })],
    ["USER_AUTHENTICATION_REQUIRED", {}, (c) => c.getItem({ userId: UID, itemId: "credits" })],
    ["TEAM_PERMISSION_REQUIRED", { team_id: TID, user_id: UID, permission_id: "team_admin" }, (c) => c.listProducts({ teamId: TID })],
    ["TEAM_MEMBERSHIP_NOT_FOUND", { team_id: TID, user_id: UID }, (c) => c.cancelSubscription({ productId: "p", teamId: TID })],
    ["INSUFFICIENT_ACCESS_TYPE", { actual_access_type: "client", allowed_access_types: ["server", "admin"] }, (c) => c.getItem({ userId: UID, itemId: "credits" })],
    ["SCHEMA_ERROR", { message: "Request validation failed on POST /x:\n  - bad" }, (_, s) => s.grantProduct({ userId: UID, productId: "p" })],
    ["REDIRECT_URL_NOT_WHITELISTED", {}, (_, s) => s.createCheckoutUrl({ userId: UID, productId: "p", returnUrl: "https://evil.test" })],
    ["ACCESS_TYPE_REQUIRED", {}, (c) => c.getItem({ userId: UID, itemId: "credits" })],
    ["CURRENT_PROJECT_NOT_FOUND", { project_id: PID }, (c) => c.getItem({ userId: UID, itemId: "credits" })],
    ["INVALID_SECRET_SERVER_KEY", { project_id: PID }, (_, s) => s.getItem({ userId: UID, itemId: "credits" })],
  ];
  async function itemOf(s: StackServerApp) {
    const saved = wire.answer;
    wire.answer = () => HttpResponse.json({ id: "credits", display_name: "Credits", quantity: -1 });
    const item = await s.getItem({ userId: UID, itemId: "credits" });
    wire.answer = saved;
    return item;
  }

  it.each(cases)("%s", async (code, details, call) => {
    const e = knownErrorBody(code, details);
    wire.answer = (req) =>
      new URL(req.url).pathname === "/api/v1/users/me"
        ? HttpResponse.json(clientUser)
        : HttpResponse.json(e.body, { headers: { "x-stack-actual-status": String(e.status), "x-stack-known-error": code } });
    const error = await call(clientApp(), serverApp()).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isStackPaymentsError(error, code)).toBe(true);
    expect(error).toMatchObject({ code, status: e.status, message: e.body.error });
    if ("details" in e.body) expect((error as { details: unknown }).details).toEqual(details);
  });
});
