/**
 * Wire shape of every app call, asserted with msw: method, path, query, headers and body; every
 * payments call compared with the official SDK's (`@stackframe/js` 2.8.108) in order; and the
 * mapping of every known error the API lists for these routes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HttpResponse } from "msw";
import { StackClientApp as OfficialClientApp, StackServerApp as OfficialServerApp } from "@stackframe/js";
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
      [`GET /api/v1/payments/items/custom/a%20b%25c/credits`]: { id: "credits", display_name: "Credits", quantity: -3 },
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
    // Ids are percent-encoded in paths; an id that cannot be one path segment is refused unsent.
    await expect(app.getItem({ customCustomerId: "a/b", itemId: "credits" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument: "customCustomerId" } });
    expect(wire.seen).toHaveLength(0);
    expect(await app.getItem({ customCustomerId: "a b%c", itemId: "credits" })).toEqual({ displayName: "Credits", quantity: -3, nonNegativeQuantity: 0 });
    expect(wire.seen[0]).toMatchObject({ method: "GET", path: "/api/v1/payments/items/custom/a%20b%25c/credits", query: {} });
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

  it("server items: one GET, then one encoded update-quantity per change, allow_negative always present", async () => {
    let quantity = 5;
    wire.answer = async (req) => {
      const url = new URL(req.url);
      if (url.pathname.endsWith("/update-quantity")) {
        const { delta } = (await req.json()) as { delta: number };
        if (url.searchParams.get("allow_negative") === "false" && quantity + delta < 0) {
          const e = knownErrorBody("ITEM_QUANTITY_INSUFFICIENT_AMOUNT", { item_id: "credits", customer_id: "a b", quantity: delta });
          return HttpResponse.json(e.body, { headers: { "x-stack-actual-status": String(e.status), "x-stack-known-error": e.body.code } });
        }
        quantity += delta;
        return HttpResponse.json({});
      }
      return HttpResponse.json({ id: "credits", display_name: "Credits", quantity });
    };
    const app = serverApp();
    const item = await app.getItem({ customCustomerId: "a b", itemId: "credits" });
    const path = "/api/v1/payments/items/custom/a%20b/credits/update-quantity";
    await item.increaseQuantity(2);
    expect(item.quantity).toBe(7);
    await item.decreaseQuantity(3);
    expect(item.quantity).toBe(4);
    expect(await item.tryDecreaseQuantity(4)).toBe(true);
    expect(item.quantity).toBe(0);
    expect(await item.tryDecreaseQuantity(1)).toBe(false);
    expect(item.quantity).toBe(0);
    expect(wire.seen.map((s) => [s.method, s.path, s.query, s.body])).toEqual([
      ["GET", "/api/v1/payments/items/custom/a%20b/credits", {}, undefined],
      ["POST", path, { allow_negative: "false" }, { delta: 2 }],
      ["POST", path, { allow_negative: "true" }, { delta: -3 }],
      ["POST", path, { allow_negative: "false" }, { delta: -4 }],
      ["POST", path, { allow_negative: "false" }, { delta: -1 }],
    ]);
    expect(wire.seen[1]!.headers).toMatchObject(serverHeaders);
  });

  it("a change re-reads the item only while a live listener shows it, and a failed re-read does not fail the change", async () => {
    let quantity = 5;
    let failReads = false;
    wire.answer = async (req) => {
      if (req.method === "POST") {
        quantity += ((await req.json()) as { delta: number }).delta;
        return HttpResponse.json({});
      }
      if (failReads) return new HttpResponse("down", { status: 503 });
      return HttpResponse.json({ id: "credits", display_name: "Credits", quantity });
    };
    const app = serverApp();
    const item = await app.getItem({ userId: UID, itemId: "credits" });
    const seen: unknown[] = [];
    const off = app.live.subscribe(`item:user:${UID}:credits`, (v) => seen.push(v));
    quantity += 100; // changed elsewhere after this object's read
    await item.increaseQuantity(1);
    // The listener gets this object's value, then the server's, which counts the change made elsewhere.
    expect(seen).toEqual([
      { id: "credits", display_name: "Credits", quantity: 6 },
      { id: "credits", display_name: "Credits", quantity: 106 },
    ]);
    expect(wire.seen.map((s) => s.method)).toEqual(["GET", "POST", "GET"]);
    // The held object keeps its own view: read quantity plus its own deltas.
    expect(item.quantity).toBe(6);
    failReads = true;
    await item.decreaseQuantity(2);
    expect(seen.slice(2)).toEqual([{ id: "credits", display_name: "Credits", quantity: 4 }, undefined]);
    expect(item.quantity).toBe(4);
    expect(quantity).toBe(104);
    off();
    wire.seen.length = 0;
    await item.decreaseQuantity(1);
    expect(wire.seen.map((s) => s.method)).toEqual(["POST"]);
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

/**
 * An access token the official SDK accepts: it decodes the payload (without checking the
 * signature) and refuses tokens missing any claim or about to expire.
 */
function officialAccessToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const claims = {
    iss: `${BASE}/api/v1/projects/${PID}`,
    aud: PID,
    sub: UID,
    iat: now,
    exp: now + 3600,
    project_id: PID,
    branch_id: "main",
    refresh_token_id: "rt-row-1",
    role: "authenticated",
    name: "Ada",
    email: "ada@example.com",
    email_verified: true,
    selected_team_id: null,
    signed_up_at: now,
    is_anonymous: false,
    is_restricted: false,
    restricted_reason: null,
    requires_totp_mfa: false,
  };
  return `${part({ alg: "ES256", kid: "kid012345678" })}.${part(claims)}.c2lnbmF0dXJl`;
}

/**
 * One answer for every route both SDKs call, whichever header family (`x-stack-*` from ours,
 * `x-hexclave-*` from the official SDK) the request carries. Items start at 5; a change that
 * would leave a negative quantity without `allow_negative=true` is refused.
 */
async function answerEverything(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname.replace(/^\/api\/v1/, "");
  const server = (req.headers.get("x-stack-access-type") ?? req.headers.get("x-hexclave-access-type")) === "server";
  const json = (body: unknown) => HttpResponse.json(body as object);
  if (path === "/users/me") return json(server ? serverUser : clientUser);
  if (/^\/users\/[^/]+$/.test(path)) return json(serverUser);
  if (path === "/teams" && req.method === "GET") return json({ items: [server ? serverTeam : team], is_paginated: false });
  if (/^\/teams\/[^/]+$/.test(path)) return json(serverTeam);
  if (path.endsWith("/update-quantity")) {
    const { delta } = (await req.json()) as { delta: number };
    if (url.searchParams.get("allow_negative") !== "true" && 5 + delta < 0) {
      const e = knownErrorBody("ITEM_QUANTITY_INSUFFICIENT_AMOUNT", { item_id: "credits", customer_id: UID, quantity: delta });
      const headers = { "x-stack-actual-status": String(e.status), "x-stack-known-error": e.body.code, "x-hexclave-actual-status": String(e.status), "x-hexclave-known-error": e.body.code };
      return HttpResponse.json(e.body, { headers });
    }
    return json({});
  }
  if (path.startsWith("/payments/items/")) return json({ id: decodeURIComponent(path.split("/").pop()!), display_name: "Credits", quantity: 5 });
  if (path.startsWith("/payments/products/")) return json(req.method === "GET" ? productsPage : { success: true });
  if (path.startsWith("/payments/billing/")) return json({ has_customer: false, default_payment_method: null });
  if (path.startsWith("/payments/invoices/")) return json({ items: [], is_paginated: true, pagination: { next_cursor: null } });
  if (path === "/payments/purchases/create-purchase-url") return json({ url: "https://app.test/purchase/x_y" });
  return new HttpResponse(`no route ${req.method} ${path}`, { status: 500 });
}

/** The part of a customer both SDKs share, typed loosely so one scenario drives either SDK. */
interface SharedItem {
  readonly quantity: number;
  increaseQuantity(amount: number): Promise<void>;
  decreaseQuantity(amount: number): Promise<void>;
  tryDecreaseQuantity(amount: number): Promise<boolean>;
}
interface SharedCustomer {
  getItem(itemId: string): Promise<SharedItem>;
  listProducts(options?: object): Promise<unknown>;
  listInvoices(options?: object): Promise<unknown>;
  getBilling(): Promise<unknown>;
  createCheckoutUrl(options: object): Promise<string>;
  switchSubscription(options: object): Promise<void>;
  grantProduct(options: object): Promise<void>;
}
interface SharedUser extends SharedCustomer {
  getTeam(teamId: string): Promise<SharedCustomer | null>;
}
interface SharedApp {
  getUser(arg?: object | string): Promise<SharedUser | null>;
  getTeam(teamId: string): Promise<SharedCustomer | null>;
  getItem(options: object): Promise<SharedItem>;
  listProducts(options: object): Promise<unknown>;
  listInvoices(options: object): Promise<unknown>;
  cancelSubscription(options: object): Promise<void>;
  grantProduct(options: object): Promise<void>;
}

type Sdk = "ours" | "official";
const sharedApps = (sdk: Sdk): { client: SharedApp; server: SharedApp } => {
  const tokens = { accessToken: officialAccessToken(), refreshToken: "rt_1" };
  const common = { baseUrl: BASE, projectId: PID, publishableClientKey: "pck_wire" };
  if (sdk === "ours") {
    return {
      client: new StackClientApp({ ...common, tokenStore: tokens, retry: false }) as unknown as SharedApp,
      server: new StackServerApp({ ...common, secretServerKey: "ssk_wire", tokenStore: tokens, retry: false }) as unknown as SharedApp,
    };
  }
  return {
    client: new OfficialClientApp({ ...common, tokenStore: tokens, noAutomaticPrefetch: true }) as unknown as SharedApp,
    server: new OfficialServerApp({ ...common, secretServerKey: "ssk_wire", tokenStore: tokens, noAutomaticPrefetch: true }) as unknown as SharedApp,
  };
};

/** What a call looks like on the wire, headers aside (the two SDKs name theirs differently). */
const callOf = (s: { method: string; path: string; query: Record<string, string>; body: unknown }) => ({ method: s.method, path: s.path, query: s.query, body: s.body });

/** Runs `scenario` with each SDK against {@link answerEverything}; returns each SDK's requests and results. */
async function runBoth(scenario: (apps: { client: SharedApp; server: SharedApp }) => Promise<unknown>) {
  const out = {} as Record<Sdk, { calls: ReturnType<typeof callOf>[]; result: unknown }>;
  for (const sdk of ["official", "ours"] as const) {
    wire.reset();
    wire.answer = answerEverything;
    const result = await scenario(sharedApps(sdk));
    out[sdk] = { calls: wire.seen.map(callOf), result };
  }
  return out;
}

const inline = { display_name: "Bonus Credits", customer_type: "user", server_only: true, stackable: false, prices: { manual: { USD: "0" } }, included_items: { credits: { quantity: 100 } } };

/** Every customer method both SDKs have, on one customer object. */
async function customerCalls(customer: SharedCustomer, server: boolean) {
  const results: unknown[] = [];
  const item = await customer.getItem("credits");
  results.push(item.quantity);
  results.push(await customer.listProducts());
  results.push(await customer.listProducts({ cursor: "prod_a", limit: 2 }));
  results.push(await customer.listInvoices());
  results.push(await customer.listInvoices({ limit: 5 }));
  results.push(await customer.getBilling());
  results.push(await customer.createCheckoutUrl({ productId: "prod_premium", returnUrl: "https://app.test/done" }));
  await customer.switchSubscription({ fromProductId: "prod_premium", toProductId: "prod_pro", priceId: "monthly" });
  if (server) {
    results.push(await customer.createCheckoutUrl({ product: inline }));
    await customer.grantProduct({ productId: "prod_premium", quantity: 2 });
    await customer.grantProduct({ product: inline });
    await item.increaseQuantity(2);
    await item.decreaseQuantity(3);
    results.push(await item.tryDecreaseQuantity(1), await item.tryDecreaseQuantity(100));
  }
  return results;
}

const scenarios: Array<[string, (apps: { client: SharedApp; server: SharedApp }) => Promise<unknown>]> = [
  [
    "client app: getItem for a user, a team and a custom customer",
    async ({ client }) => [
      (await client.getItem({ userId: UID, itemId: "credits" })).quantity,
      (await client.getItem({ teamId: TID, itemId: "team_credits" })).quantity,
      (await client.getItem({ customCustomerId: "acme", itemId: "api_calls" })).quantity,
    ],
  ],
  [
    "client app: listProducts and listInvoices, with and without cursor and limit",
    async ({ client }) => [
      await client.listProducts({ userId: UID }),
      await client.listProducts({ teamId: TID, cursor: "prod_a", limit: 5 }),
      await client.listProducts({ customCustomerId: "acme", limit: 100 }),
      await client.listInvoices({ userId: UID, limit: 10 }),
      await client.listInvoices({ teamId: TID, cursor: "inv_1" }),
    ],
  ],
  [
    "client app: cancelSubscription for the user, by subscription id, and for a team",
    async ({ client }) => {
      await client.cancelSubscription({ productId: "prod_premium" });
      await client.cancelSubscription({ productId: "prod_premium", subscriptionId: "sub_1" });
      await client.cancelSubscription({ productId: "prod_premium", teamId: TID });
    },
  ],
  ["client app: every customer method of the signed-in user", async ({ client }) => customerCalls((await client.getUser({ or: "throw" }))!, false)],
  ["client app: every customer method of a team", async ({ client }) => customerCalls((await (await client.getUser({ or: "throw" }))!.getTeam(TID))!, false)],
  [
    "server app: getItem for each customer type, and every item change",
    async ({ server }) => {
      const results: unknown[] = [(await server.getItem({ teamId: TID, itemId: "team_credits" })).quantity];
      results.push((await server.getItem({ customCustomerId: "acme", itemId: "api_calls" })).quantity);
      const item = await server.getItem({ userId: UID, itemId: "credits" });
      await item.increaseQuantity(2);
      await item.decreaseQuantity(3);
      results.push(await item.tryDecreaseQuantity(1), await item.tryDecreaseQuantity(100));
      return results;
    },
  ],
  [
    "server app: listProducts, listInvoices and grantProduct for each customer type",
    async ({ server }) => {
      const results = [await server.listProducts({ userId: UID }), await server.listProducts({ teamId: TID, limit: 3 }), await server.listProducts({ customCustomerId: "acme", cursor: "prod_a" })];
      results.push(await server.listInvoices({ userId: UID }), await server.listInvoices({ teamId: TID, limit: 1 }));
      await server.grantProduct({ userId: UID, productId: "prod_premium" });
      await server.grantProduct({ teamId: TID, productId: "prod_team", quantity: 3 });
      await server.grantProduct({ customCustomerId: "acme", product: { ...inline, customer_type: "custom" } });
      return results;
    },
  ],
  ["server app: cancelSubscription of the signed-in user", async ({ server }) => server.cancelSubscription({ productId: "prod_premium", subscriptionId: "sub_1" })],
  ["server app: every customer method of a user", async ({ server }) => customerCalls((await server.getUser(UID))!, true)],
  ["server app: every customer method of a team", async ({ server }) => customerCalls((await server.getTeam(TID))!, true)],
];

describe("payments calls match the official SDK's, in order", () => {
  it.each(scenarios)("%s", async (_, scenario) => {
    const { ours, official } = await runBoth(scenario);
    const payments = (calls: ReturnType<typeof callOf>[]) => calls.filter((c) => c.path.startsWith("/api/v1/payments/"));
    expect(payments(official.calls).length).toBeGreaterThan(0);
    expect(payments(ours.calls)).toEqual(payments(official.calls));
    // Same answers give the same results.
    const plain = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
    expect(plain(ours.result)).toEqual(plain(official.result));
  });

  it("the docs' consume path (getUser(id) -> getItem -> tryDecreaseQuantity): the same requests, one per operation", async () => {
    const perOperation = {} as Record<Sdk, number[]>;
    const remaining = {} as Record<Sdk, number>;
    const { ours, official } = await runBoth(async ({ server }) => {
      const counts: number[] = [];
      let before = wire.seen.length;
      const step = async <T>(run: () => Promise<T>): Promise<T> => {
        const value = await run();
        counts.push(wire.seen.length - before);
        before = wire.seen.length;
        return value;
      };
      const user = await step(() => server.getUser(UID));
      const credits = await step(() => user!.getItem("credits"));
      const ok = await step(() => credits.tryDecreaseQuantity(2));
      return { counts, ok, remaining: credits.quantity };
    }).then((r) => {
      for (const sdk of ["ours", "official"] as const) {
        const result = r[sdk].result as { counts: number[]; remaining: number };
        perOperation[sdk] = result.counts;
        remaining[sdk] = result.remaining;
      }
      return r;
    });
    // Every request, not only payments ones.
    expect(ours.calls).toEqual(official.calls);
    expect(perOperation.ours).toEqual(perOperation.official);
    expect(official.calls).toHaveLength(3);
    // What the docs' snippet returns as `remaining`: the official SDK shows the read quantity
    // (5), this SDK the read quantity plus the object's own change (5 - 2).
    expect(remaining).toEqual({ official: 5, ours: 3 });
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
