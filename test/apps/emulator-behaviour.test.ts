/** Behaviour of the two apps against the real emulator, in process. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isStackPaymentsError } from "../../src/index.js";
import { StackServerApp } from "../../src/server.js";
import { setupEmulator } from "../fixtures/emulator-app.js";

const env = setupEmulator();
const server = env.serverApp();

beforeAll(async () => {
  await env.emulator.ready;
});
afterAll(async () => {
  await env.emulator.close();
});

/** A fresh user with a session, and a client app signed in as them. */
async function signedInUser() {
  const user = await server.createUser({ displayName: "Test user" });
  const tokens = await (await user.createSession()).getTokens();
  const client = env.clientApp({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
  return { user, tokens, client };
}

describe("client app", () => {
  it("anonymous sign-up -> getUser -> getItem -> createCheckoutUrl", async () => {
    const client = env.clientApp();
    expect(await client.getUser()).toBeNull();
    const user = await client.getUser({ or: "anonymous" });
    expect(user.isAnonymous).toBe(true);
    // Anonymous users count as absent unless asked for.
    expect(await client.getUser()).toBeNull();
    expect((await client.getUser({ or: "anonymous" })).id).toBe(user.id);
    const credits = await user.getItem("credits");
    expect(credits).toEqual({ displayName: "Credits", quantity: 0, nonNegativeQuantity: 0 });
    const url = await user.createCheckoutUrl({ productId: "prod_premium_monthly" });
    expect(url).toMatch(/\/purchase\/[a-z0-9-_]+/);
  });

  it("reads the signed-in user's items and products, and refuses another user's", async () => {
    const { user, client } = await signedInUser();
    const other = await server.createUser({});
    const me = await client.getUser({ or: "throw" });
    expect(me.id).toBe(user.id);
    await server.grantProduct({ userId: user.id, productId: "prod_starter", quantity: 2 });
    expect((await client.getItem({ userId: user.id, itemId: "credits" })).quantity).toBe(20);
    const products = await me.listProducts();
    expect(products.map((p) => [p.id, p.quantity, p.displayName])).toEqual([["prod_starter", 2, "Starter"]]);
    expect(products.nextCursor).toBeNull();
    const refused = await client.getItem({ userId: other.id, itemId: "credits" }).catch((e: unknown) => e);
    expect(isStackPaymentsError(refused, "HTTP_ERROR")).toBe(true);
    expect(refused).toMatchObject({ status: 403, message: "Clients can only access their own user or team items." });
    const custom = await client.getItem({ customCustomerId: "acme", itemId: "api_calls" }).catch((e: unknown) => e);
    expect(custom).toMatchObject({ code: "HTTP_ERROR", status: 403 });
  });

  it("'anonymous-if-exists[deprecated]' returns an existing anonymous user and never signs one up", async () => {
    const client = env.clientApp();
    expect(await client.getUser({ or: "anonymous-if-exists[deprecated]" })).toBeNull();
    // Still nobody: the call above must not have created a user.
    expect(await client.getUser({ or: "anonymous-if-exists[deprecated]" })).toBeNull();
    const anon = await client.getUser({ or: "anonymous" });
    expect((await client.getUser({ or: "anonymous-if-exists[deprecated]" }))?.id).toBe(anon.id);
  });

  it("getUser({ or: 'throw' }) and 'return-null' without a session", async () => {
    const client = env.clientApp();
    await expect(client.getUser({ or: "throw" })).rejects.toMatchObject({ code: "USER_NOT_SIGNED_IN" });
    await expect(client.getUser({ or: "redirect" })).rejects.toMatchObject({ code: "USER_NOT_SIGNED_IN" });
  });

  it("refreshes from a refresh token alone, then signs out", async () => {
    const { user, tokens } = await signedInUser();
    const client = env.clientApp({ refreshToken: tokens.refreshToken });
    const changes: string[] = [];
    client.onSessionChange(() => changes.push(client.queryKeyScope()));
    expect((await client.getUser())?.id).toBe(user.id);
    expect(await client.getAccessToken()).toMatch(/^ey/);
    await client.signOut();
    expect(await client.getUser()).toBeNull();
    expect(changes.length).toBeGreaterThan(0);
    // The refresh token is revoked server-side.
    const again = env.clientApp({ refreshToken: tokens.refreshToken });
    expect(await again.getUser()).toBeNull();
  });

  it("signs up and in with a password", async () => {
    const client = env.clientApp();
    const email = `u${Date.now()}@example.com`;
    expect(await client.signUpWithCredential({ email, password: "correct-horse", noRedirect: true })).toEqual({ status: "ok", data: undefined });
    expect((await client.getUser())?.primaryEmail).toBe(email);
    const second = env.clientApp();
    const wrong = await second.signInWithCredential({ email, password: "wrong-password", noRedirect: true });
    expect(wrong.status === "error" && wrong.error.code).toBe("EMAIL_PASSWORD_MISMATCH");
    expect((await second.signInWithCredential({ email, password: "correct-horse", noRedirect: true })).status).toBe("ok");
    expect((await second.getUser())?.primaryEmail).toBe(email);
  });
});

describe("server app", () => {
  it("getUser(id) returns null for an unknown user", async () => {
    expect(await server.getUser("3f1c5a3e-7a59-4b0e-9f1e-2f3a4b5c6d7e")).toBeNull();
  });

  it("grants by id and inline (as the seed does), and the item shows it", async () => {
    const created = await server.createUser({});
    const user = (await server.getUser(created.id))!;
    await user.grantProduct({ productId: "prod_premium_monthly", quantity: 1 });
    expect((await user.getItem("credits")).quantity).toBe(50);
    const bonusCreditsProduct = {
      display_name: "Bonus Credits",
      customer_type: "user",
      server_only: true,
      stackable: false,
      prices: { manual: { USD: "0" } },
      included_items: { credits: { quantity: 100 } },
    } as const;
    await user.grantProduct({ product: bonusCreditsProduct });
    expect((await user.getItem("credits")).quantity).toBe(150);
    const products = await user.listProducts();
    expect(products.map((p) => p.id).sort()).toEqual([null, "prod_premium_monthly"].sort());
    const premium = products.find((p) => p.id === "prod_premium_monthly")!;
    expect(premium.subscription?.isCancelable).toBe(true);
    expect(premium.subscription?.currentPeriodEnd).toBeInstanceOf(Date);
    await expect(user.grantProduct({ productId: "prod_premium_monthly" })).rejects.toMatchObject({ code: "PRODUCT_ALREADY_GRANTED", status: 400 });
  });

  it("tryDecreaseQuantity: true then false, and the item object shows the new quantity", async () => {
    const user = await server.createUser({});
    const credits = await user.getItem("credits");
    await credits.increaseQuantity(10);
    expect(credits.quantity).toBe(10);
    expect(await credits.tryDecreaseQuantity(4)).toBe(true);
    expect(credits.quantity).toBe(6);
    expect(await credits.tryDecreaseQuantity(7)).toBe(false);
    expect(credits.quantity).toBe(6);
    await credits.decreaseQuantity(8);
    expect(credits.quantity).toBe(-2);
    expect(credits.nonNegativeQuantity).toBe(0);
    // allow_negative=false applies to increases too while in debt.
    await expect(credits.increaseQuantity(1)).rejects.toMatchObject({ code: "ITEM_QUANTITY_INSUFFICIENT_AMOUNT" });
    expect((await user.getItem("credits")).quantity).toBe(-2);
  });

  it("publishes what it learns on the live bus: the read, the object's own value after a change, then the server's", async () => {
    const user = await server.createUser({});
    const seen: unknown[] = [];
    const off = server.live.subscribe(`item:user:${user.id}:credits`, (v) => seen.push(v));
    const credits = await user.getItem("credits");
    // Another holder of the same item changes it; this object does not know.
    await (await user.getItem("credits")).increaseQuantity(10);
    seen.length = 0;
    await credits.increaseQuantity(3);
    expect(seen).toEqual([
      { id: "credits", display_name: "Credits", quantity: 3 },
      { id: "credits", display_name: "Credits", quantity: 13 },
    ]);
    expect(credits.quantity).toBe(3);
    off();
  });

  it("an item object shows its read quantity plus its own successful changes, one request each", async () => {
    const requests: string[] = [];
    const counting = new StackServerApp({
      baseUrl: "http://emulator.local",
      projectId: env.emulator.project.id,
      secretServerKey: env.emulator.project.secretServerKey,
      fetch: (input, init) => {
        const request = new Request(input, init);
        requests.push(`${request.method} ${new URL(request.url).pathname}`);
        return env.fetch(request);
      },
    });
    const user = (await counting.getUser((await server.createUser({})).id))!;
    const a = await user.getItem("credits");
    const b = await user.getItem("credits");
    requests.length = 0;
    await a.increaseQuantity(10);
    await b.decreaseQuantity(4);
    expect(await a.tryDecreaseQuantity(3)).toBe(true);
    expect(await b.tryDecreaseQuantity(10)).toBe(false);
    expect(requests).toEqual(Array.from({ length: 4 }, () => `POST /api/v1/payments/items/user/${user.id}/credits/update-quantity`));
    expect([a.quantity, b.quantity]).toEqual([7, -4]);
    expect((await user.getItem("credits")).quantity).toBe(3);
  });

  it("teams: create, list through the user, items and checkout", async () => {
    const { user, client } = await signedInUser();
    const team = await server.createTeam({ displayName: "Acme", creatorUserId: user.id });
    expect(team.customerRef).toEqual({ type: "team", id: team.id });
    expect((await server.getTeam(team.id))?.displayName).toBe("Acme");
    expect(await server.getTeam("3f1c5a3e-7a59-4b0e-9f1e-2f3a4b5c6d7e")).toBeNull();
    await team.grantProduct({ productId: "prod_team_seats" });
    const me = await client.getUser({ or: "throw" });
    const clientTeam = await me.getTeam(team.id);
    expect(clientTeam?.displayName).toBe("Acme");
    expect((await clientTeam!.getItem("team_credits")).quantity).toBe(5);
    expect(await clientTeam!.createCheckoutUrl({ productId: "prod_team_seats" }).catch((e: unknown) => (e as { code: string }).code)).toBe("PRODUCT_ALREADY_GRANTED");
    expect(await me.getTeam("3f1c5a3e-7a59-4b0e-9f1e-2f3a4b5c6d7e")).toBeNull();
    const serverUser = (await server.getUser(user.id))!;
    expect((await serverUser.listTeams()).map((t) => t.id)).toEqual([team.id]);
    // A plain member (no team_admin) is refused team payments on the client.
    const { user: member, client: memberClient } = await signedInUser();
    await team.addUser(member.id);
    const refused = await memberClient.getItem({ teamId: team.id, itemId: "team_credits" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "TEAM_PERMISSION_REQUIRED", status: 401 });
  });

  it("custom customers: items, grants, checkout", async () => {
    const id = `cust-${Date.now()}`;
    const item = await server.getItem({ customCustomerId: id, itemId: "api_calls" });
    expect(item.quantity).toBe(0);
    await server.grantProduct({ customCustomerId: id, productId: "prod_api" });
    expect((await server.getItem({ customCustomerId: id, itemId: "api_calls" })).quantity).toBe(1000);
    const products = await server.listProducts({ customCustomerId: id });
    expect(products.map((p) => p.id)).toEqual(["prod_api"]);
    const again = await server.createCheckoutUrl({ customCustomerId: `${id}-2`, productId: "prod_api" });
    expect(again).toMatch(/\/purchase\//);
  });

  it("getUser from a request's tokens (x-stack-auth, Authorization, cookies)", async () => {
    const { user, tokens } = await signedInUser();
    const json = JSON.stringify(tokens);
    const viaHeader = await server.getUser({ tokenStore: new Request("http://app.local/", { headers: { "x-stack-auth": json } }) });
    expect(viaHeader?.id).toBe(user.id);
    const viaBearer = await server.getUser({ tokenStore: { headers: { authorization: `Bearer stackauth_${btoa(json)}` } } });
    expect(viaBearer?.id).toBe(user.id);
    const pid = env.emulator.project.id;
    const cookie = `hexclave-refresh-${pid}--default=${encodeURIComponent(JSON.stringify({ refresh_token: tokens.refreshToken, updated_at_millis: 1 }))}`;
    const viaCookie = await server.getUser({ tokenStore: { headers: { cookie } }, or: "throw" });
    expect(viaCookie.id).toBe(user.id);
    expect(await server.getUser({ tokenStore: { headers: {} } })).toBeNull();
  });

  it("bad input fails before any request", async () => {
    let calls = 0;
    const counting = new StackServerApp({
      baseUrl: "http://emulator.local",
      projectId: env.emulator.project.id,
      secretServerKey: env.emulator.project.secretServerKey,
      fetch: (input, init) => {
        calls++;
        return env.fetch(input, init);
      },
    });
    const user = await server.createUser({});
    const credits = await user.getItem("credits");
    const before = credits.quantity;
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(credits.increaseQuantity(bad)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument: "amount" } });
      await expect(credits.tryDecreaseQuantity(bad)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    expect((await user.getItem("credits")).quantity).toBe(before);
    await expect(counting.getItem({ userId: "", itemId: "credits" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument: "userId" } });
    await expect(counting.getItem({ itemId: "credits" } as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(counting.grantProduct({ userId: user.id, productId: "prod_starter", quantity: 0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument: "quantity" } });
    await expect(counting.grantProduct({ userId: user.id, productId: "prod_starter", product: { display_name: "x" } } as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(counting.listProducts({ userId: user.id, limit: 0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument: "limit" } });
    await expect(counting.getItem({ customerType: "org", userId: undefined, itemId: "credits" } as never)).rejects.toThrow(/unknown customer type "org"/);
    expect(calls).toBe(0);
  });

  it("retries a write whose answer was lost, with the same Idempotency-Key, and the emulator applies it once", async () => {
    let dropped = 0;
    const keys: string[] = [];
    const lossy = new StackServerApp({
      baseUrl: "http://emulator.local",
      projectId: env.emulator.project.id,
      secretServerKey: env.emulator.project.secretServerKey,
      retry: { attempts: 3, baseDelayMs: 1 },
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const key = request.headers.get("idempotency-key");
        if (key) keys.push(key);
        const response = await env.fetch(request);
        // Lose the first answer to the grant: the server applied it, the client never hears.
        if (request.method === "POST" && request.url.includes("/payments/products/") && dropped++ === 0) throw new TypeError("connection reset");
        return response;
      },
    });
    const user = await server.createUser({});
    // Before the server has shown it honours keys, an unanswered write is OUTCOME_UNKNOWN.
    await expect(lossy.grantProduct({ userId: user.id, productId: "prod_starter" })).rejects.toMatchObject({ code: "OUTCOME_UNKNOWN" });
    expect((await server.getItem({ userId: user.id, itemId: "credits" })).quantity).toBe(10);
    // After any answer carrying x-stack-idempotency-supported, the write is retried and replayed.
    dropped = 0;
    await lossy.getItem({ userId: user.id, itemId: "credits" });
    await lossy.grantProduct({ userId: user.id, productId: "prod_starter" });
    expect(keys.slice(-2)[0]).toBe(keys.slice(-2)[1]);
    expect((await server.getItem({ userId: user.id, itemId: "credits" })).quantity).toBe(20);
  });

  it("many concurrent tryDecreaseQuantity calls never overdraw", async () => {
    const user = await server.createUser({});
    const credits = await user.getItem("credits");
    await credits.increaseQuantity(5);
    const results = await Promise.all(Array.from({ length: 8 }, async () => (await user.getItem("credits")).tryDecreaseQuantity(1)));
    expect(results.filter(Boolean)).toHaveLength(5);
    expect((await user.getItem("credits")).quantity).toBe(0);
  });

  it("opens the emulator's live event stream with the app's credentials", async () => {
    const { user, client } = await signedInUser();
    const controller = new AbortController();
    const response = await client.openLiveEventStream({ type: "user", id: user.id }, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    await (await server.getItem({ userId: user.id, itemId: "credits" })).increaseQuantity(4);
    let text = "";
    while (!text.includes('"quantity":4')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toMatch(/data: .*"kind":"item".*"quantity":4/);
    // Someone else's stream is refused with the real status (no status override on streams).
    const other = await server.createUser({});
    const refused = await client.openLiveEventStream({ type: "user", id: other.id }, { signal: new AbortController().signal });
    expect(refused.status).toBe(403);
  });

  it("pagination, cancel, switch, billing and invoices", async () => {
    const { user, client } = await signedInUser();
    const serverUser = (await server.getUser(user.id))!;
    await serverUser.grantProduct({ productId: "prod_starter" });
    await serverUser.grantProduct({ productId: "prod_premium_monthly" });
    const first = await serverUser.listProducts({ limit: 1 });
    expect(first.map((p) => p.id)).toEqual(["prod_premium_monthly"]);
    expect(first.nextCursor).toBe("prod_starter");
    const second = await serverUser.listProducts({ cursor: first.nextCursor!, limit: 1 });
    expect(second.map((p) => p.id)).toEqual(["prod_starter"]);
    expect(second.nextCursor).toBeNull();
    const me = await client.getUser({ or: "throw" });
    // A DB-only subscription cannot be switched: the API's plain-text 400 comes through verbatim.
    await expect(me.switchSubscription({ fromProductId: "prod_premium_monthly", toProductId: "prod_starter" })).rejects.toMatchObject({ code: "HTTP_ERROR", status: 400 });
    await client.cancelSubscription({ productId: "prod_premium_monthly" });
    const after = await me.listProducts();
    const premium = after.find((p) => p.id === "prod_premium_monthly")!;
    expect(premium.subscription).toBeNull();
    expect(premium.quantity).toBe(1); // kept until the period ends
    await expect(client.cancelSubscription({ productId: "prod_starter" })).rejects.toMatchObject({ code: "HTTP_ERROR", status: 400, message: "This product is a one time purchase and cannot be canceled." });
    expect(await me.getBilling()).toEqual({ hasCustomer: expect.any(Boolean), defaultPaymentMethod: null });
    const invoices = await me.listInvoices();
    expect(invoices).toEqual(Object.assign([], { nextCursor: null }));
  });

  it("per-call timeout and abort reach the request", async () => {
    // The in-process emulator answers within microtasks; a 200 ms delay in front of it stands in for the network.
    const slow = new StackServerApp({
      baseUrl: "http://emulator.local",
      projectId: env.emulator.project.id,
      secretServerKey: env.emulator.project.secretServerKey,
      fetch: async (input, init) => {
        await new Promise((r) => setTimeout(r, 200));
        return env.fetch(input, init);
      },
    });
    const user = await server.createUser({});
    const controller = new AbortController();
    controller.abort();
    await expect(slow.getItem({ userId: user.id, itemId: "credits" }, { signal: controller.signal })).rejects.toMatchObject({ code: "ABORTED" });
    await expect(slow.getItem({ userId: user.id, itemId: "credits" }, { timeoutMs: 50 })).rejects.toMatchObject({ code: "TIMEOUT" });
    expect((await slow.getItem({ userId: user.id, itemId: "credits" }, { timeoutMs: 10_000 })).quantity).toBe(0);
  });
});
