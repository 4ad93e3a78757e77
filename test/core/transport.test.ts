/** Retry, timeout, abort, refresh, idempotency and error mapping of the transport, with an injected fetch. */
import { describe, expect, it, vi } from "vitest";
import { itemResponseShape } from "../../src/core/wire-shapes.js";
import type { Shape } from "../../src/core/wire-shape.js";
import { createTransport, parseRetryAfter, SDK_VERSION, type TransportOptions } from "../../src/core/transport.js";
import { Session, createMemoryStore } from "../../src/core/session.js";
import { isStackPaymentsError } from "../../src/core/errors.js";
import pkg from "../../package.json" with { type: "json" };

type Handler = (request: Request, attempt: number) => Response | Promise<Response>;

/** An injected fetch that records requests and answers from `handler`. */
function fakeFetch(handler: Handler) {
  const requests: Request[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request.clone());
    if (request.signal.aborted) throw request.signal.reason;
    return handler(request, requests.length);
  });
  return { fetch: fn as unknown as typeof fetch, requests };
}

const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), { ...init, headers: { "content-type": "application/json", ...init.headers } });
const known = (code: string, status: number, details?: Record<string, unknown>) =>
  json({ code, ...(details ? { details } : {}), error: `message of ${code}` }, { status: 200, headers: { "x-stack-actual-status": String(status), "x-stack-known-error": code } });

const base = (fetch: typeof globalThis.fetch, extra: Partial<TransportOptions> = {}): TransportOptions => ({
  baseUrl: "http://api.test/",
  projectId: "proj",
  publishableClientKey: "pck_1",
  fetch,
  retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
  ...extra,
});
const get = { method: "GET" as const, path: "/payments/items/user/u1/credits", accessType: "client" as const, schema: itemResponseShape };
const post = { method: "POST" as const, path: "/payments/products/user/u1", body: { product_id: "p" }, accessType: "server" as const, schema: ["o", {}] as Shape<object> };
const item = { id: "credits", display_name: "Credits", quantity: 3 };

describe("request construction", () => {
  it("sends the contract's headers, credentials omit and cache no-store", async () => {
    const f = fakeFetch(() => json(item));
    const seen: Request[] = [];
    const wrapped = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(new Request(input, init));
      return f.fetch(input, init);
    }) as typeof fetch;
    const t = createTransport(base(wrapped, { extraRequestHeaders: { "x-extra": "1" } }));
    expect(await t.request(get)).toEqual(item);
    const r = f.requests[0]!;
    expect(r.url).toBe("http://api.test/api/v1/payments/items/user/u1/credits");
    expect(Object.fromEntries(r.headers)).toMatchObject({
      "x-stack-override-error-status": "true",
      "x-stack-project-id": "proj",
      "x-stack-access-type": "client",
      "x-stack-client-version": `js stack-payments@${SDK_VERSION}`,
      "x-stack-allow-anonymous-user": "true",
      "x-stack-publishable-client-key": "pck_1",
      "x-extra": "1",
    });
    expect(r.headers.get("x-stack-random-nonce")).toBeTruthy();
    expect(r.headers.has("x-stack-secret-server-key")).toBe(false);
    expect(r.headers.has("idempotency-key")).toBe(false);
    expect(seen[0]).toMatchObject({ credentials: "omit", cache: "no-store", redirect: "manual" });
    await t.request(get);
    expect(f.requests[1]!.headers.get("x-stack-random-nonce")).not.toBe(r.headers.get("x-stack-random-nonce"));
  });

  it("keeps SDK_VERSION equal to package.json", () => {
    expect(SDK_VERSION).toBe(pkg.version);
  });
});

describe("response mapping", () => {
  it("maps a known error with its code, details, status and message", async () => {
    const f = fakeFetch(() => known("ITEM_NOT_FOUND", 404, { item_id: "credits" }));
    const error = await createTransport(base(f.fetch)).request(get).catch((e: unknown) => e);
    expect(isStackPaymentsError(error, "ITEM_NOT_FOUND")).toBe(true);
    expect(error).toMatchObject({ status: 404, details: { item_id: "credits" }, message: "message of ITEM_NOT_FOUND" });
    expect(f.requests).toHaveLength(1); // known errors are never retried
  });

  it("maps a plain-text 4xx to HTTP_ERROR carrying the server's text", async () => {
    const f = fakeFetch(() => new Response("Clients can only access their own user or team items.", { status: 200, headers: { "x-stack-actual-status": "403" } }));
    await expect(createTransport(base(f.fetch)).request(get)).rejects.toMatchObject({
      code: "HTTP_ERROR",
      status: 403,
      message: "Clients can only access their own user or team items.",
    });
  });

  it("names the field of a response that breaks the contract", async () => {
    const f = fakeFetch(() => json({ id: "credits", display_name: "Credits", quantity: "3" }));
    await expect(createTransport(base(f.fetch)).request(get)).rejects.toMatchObject({
      code: "RESPONSE_VALIDATION_ERROR",
      details: { path: "quantity" },
      message: expect.stringContaining("`quantity`"),
    });
  });

  it("reads x-hexclave-* response headers too", async () => {
    const f = fakeFetch(() => json({ code: "ITEM_NOT_FOUND", details: {}, error: "nope" }, { headers: { "x-hexclave-actual-status": "404", "x-hexclave-known-error": "ITEM_NOT_FOUND" } }));
    await expect(createTransport(base(f.fetch)).request(get)).rejects.toMatchObject({ code: "ITEM_NOT_FOUND", status: 404 });
  });
});

describe("retries", () => {
  it("retries GET on 5xx and network failures, then succeeds", async () => {
    const f = fakeFetch((_, n) => {
      if (n === 1) throw new TypeError("fetch failed");
      if (n === 2) return new Response("bad gateway", { status: 502 });
      return json(item);
    });
    expect(await createTransport(base(f.fetch)).request(get)).toEqual(item);
    expect(f.requests).toHaveLength(3);
  });

  it("gives up after the attempt limit with NETWORK_ERROR / HTTP_ERROR", async () => {
    const down = fakeFetch(() => {
      throw new TypeError("fetch failed");
    });
    await expect(createTransport(base(down.fetch)).request(get)).rejects.toMatchObject({ code: "NETWORK_ERROR" });
    expect(down.requests).toHaveLength(4);
    const failing = fakeFetch(() => new Response("oops", { status: 503 }));
    await expect(createTransport(base(failing.fetch)).request(get)).rejects.toMatchObject({ code: "HTTP_ERROR", status: 503 });
  });

  it("honours Retry-After on 429, even for writes", async () => {
    const times: number[] = [];
    const f = fakeFetch((_, n) => {
      times.push(Date.now());
      return n === 1 ? new Response("slow down", { status: 429, headers: { "retry-after": "0.2" } }) : json({ success: true });
    });
    await createTransport(base(f.fetch, { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5000 } })).request(post);
    expect(f.requests).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(180);
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });

  it("never repeats an unanswered write blindly: OUTCOME_UNKNOWN", async () => {
    const f = fakeFetch(() => {
      throw new TypeError("socket hang up");
    });
    const error = await createTransport(base(f.fetch, { idempotencyKeys: true })).request(post).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OUTCOME_UNKNOWN", message: expect.stringContaining("may or may not have been applied") });
    expect(f.requests).toHaveLength(1);
    const five = fakeFetch(() => new Response("boom", { status: 500 }));
    await expect(createTransport(base(five.fetch)).request(post)).rejects.toMatchObject({ code: "OUTCOME_UNKNOWN", status: 500 });
    expect(five.requests).toHaveLength(1);
  });

  it("retries a server write with the same Idempotency-Key once the server has shown it honours keys", async () => {
    const f = fakeFetch((request, n) => {
      if (n === 1) return json(item, { headers: { "x-stack-idempotency-supported": "true" } });
      if (n === 2) throw new TypeError("reset");
      return json({ success: true }, { headers: { "x-stack-idempotency-supported": "true" } });
    });
    const t = createTransport(base(f.fetch, { idempotencyKeys: true }));
    expect(t.idempotencySupported).toBe(false);
    await t.request(get);
    expect(t.idempotencySupported).toBe(true);
    await t.request(post);
    expect(f.requests).toHaveLength(3);
    const key = f.requests[1]!.headers.get("idempotency-key");
    expect(key).toBeTruthy();
    expect(f.requests[2]!.headers.get("idempotency-key")).toBe(key);
    await t.request({ ...post, body: { product_id: "q" } });
    expect(f.requests[3]!.headers.get("idempotency-key")).not.toBe(key);
  });

  it("does not send Idempotency-Key from client apps (CORS)", async () => {
    const f = fakeFetch(() => json({}));
    await createTransport(base(f.fetch)).request({ ...post, accessType: "client" });
    expect(f.requests[0]!.headers.has("idempotency-key")).toBe(false);
  });
});

describe("timeouts and aborts", () => {
  const hanging = () =>
    fakeFetch(
      (request) =>
        new Promise<Response>((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason))),
    );

  it("times out with TIMEOUT (per-call and app default)", async () => {
    const f = hanging();
    const started = Date.now();
    await expect(createTransport(base(f.fetch)).request({ ...get, options: { timeoutMs: 50 } })).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(createTransport(base(hanging().fetch, { timeoutMs: 30 })).request(get)).rejects.toMatchObject({ code: "TIMEOUT", details: { timeoutMs: 30 } });
  });

  it("aborts with ABORTED, before or during the request and during a backoff wait", async () => {
    const pre = new AbortController();
    pre.abort();
    const f = hanging();
    await expect(createTransport(base(f.fetch)).request({ ...get, options: { signal: pre.signal } })).rejects.toMatchObject({ code: "ABORTED" });
    expect(f.requests).toHaveLength(0);
    const during = new AbortController();
    const p = createTransport(base(hanging().fetch)).request({ ...get, options: { signal: during.signal } });
    setTimeout(() => during.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: "ABORTED" });
    const waiting = new AbortController();
    const slowRetry = fakeFetch(() => new Response("x", { status: 503 }));
    const q = createTransport(base(slowRetry.fetch, { retry: { attempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 } })).request({ ...get, options: { signal: waiting.signal } });
    setTimeout(() => waiting.abort(), 30);
    await expect(q).rejects.toMatchObject({ code: "ABORTED" });
    expect(slowRetry.requests).toHaveLength(1);
  });
});

describe("tokens and refresh", () => {
  const jwt = (expSeconds: number) => `h.${btoa(JSON.stringify({ exp: expSeconds })).replace(/=+$/, "")}.s`;

  it("refreshes an expired token exactly once for 100 concurrent calls", async () => {
    const fresh = jwt(Math.floor(Date.now() / 1000) + 600);
    let refreshes = 0;
    const f = fakeFetch(async (request) => {
      if (request.url.endsWith("/auth/oauth/token")) {
        refreshes++;
        expect(request.headers.get("content-type")).toContain("application/x-www-form-urlencoded");
        expect(request.headers.has("x-stack-project-id")).toBe(false);
        const form = new URLSearchParams(await request.text());
        expect(Object.fromEntries(form)).toEqual({ grant_type: "refresh_token", refresh_token: "rt", client_id: "proj", client_secret: "pck_1" });
        await new Promise((r) => setTimeout(r, 20));
        return json({ access_token: fresh, token_type: "Bearer", expires_in: 3600 });
      }
      expect(request.headers.get("x-stack-access-token")).toBe(fresh);
      expect(request.headers.get("x-stack-refresh-token")).toBe("rt");
      return json(item);
    });
    const t = createTransport(base(f.fetch));
    const session = new Session(createMemoryStore({ accessToken: jwt(Math.floor(Date.now() / 1000) - 5), refreshToken: "rt" }), (rt, o) => t.refreshAccessToken(rt, o));
    await Promise.all(Array.from({ length: 100 }, () => t.request({ ...get, session })));
    expect(refreshes).toBe(1);
    expect(f.requests).toHaveLength(101);
  });

  it("on INVALID_ACCESS_TOKEN drops the token, refreshes and retries once", async () => {
    const good = jwt(Math.floor(Date.now() / 1000) + 600);
    const bad = jwt(Math.floor(Date.now() / 1000) + 600) + "x";
    const f = fakeFetch((request) => {
      if (request.url.endsWith("/auth/oauth/token")) return json({ access_token: good, token_type: "Bearer" });
      return request.headers.get("x-stack-access-token") === good ? json(item) : known("ACCESS_TOKEN_EXPIRED", 401, {});
    });
    const t = createTransport(base(f.fetch));
    const session = new Session(createMemoryStore({ accessToken: bad, refreshToken: "rt" }), (rt, o) => t.refreshAccessToken(rt, o));
    expect(await t.request({ ...get, session })).toEqual(item);
    expect(f.requests.map((r) => new URL(r.url).pathname)).toEqual([
      "/api/v1/payments/items/user/u1/credits",
      "/api/v1/auth/oauth/token",
      "/api/v1/payments/items/user/u1/credits",
    ]);
  });

  it("treats a refused refresh token as signed out", async () => {
    const f = fakeFetch((request) =>
      request.url.endsWith("/auth/oauth/token")
        ? json({ code: "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED", error: "gone" }, { status: 401, headers: { "x-stack-known-error": "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED" } })
        : known("USER_AUTHENTICATION_REQUIRED", 401),
    );
    const t = createTransport(base(f.fetch));
    const store = createMemoryStore({ accessToken: null, refreshToken: "dead" });
    const session = new Session(store, (rt, o) => t.refreshAccessToken(rt, o));
    const changes: string[] = [];
    await session.peek();
    session.onChange(() => changes.push(session.key));
    await expect(t.request({ ...get, session })).rejects.toMatchObject({ code: "USER_AUTHENTICATION_REQUIRED" });
    expect(f.requests[1]!.headers.has("x-stack-access-token")).toBe(false);
    expect(await store.read()).toEqual({ accessToken: null, refreshToken: null });
    expect(changes).toHaveLength(1);
  });
});

describe("tokens without a refresh token", () => {
  it("drops a rejected access token and retries once without it", async () => {
    const f = fakeFetch((request) => (request.headers.has("x-stack-access-token") ? known("UNPARSABLE_ACCESS_TOKEN", 401) : known("USER_AUTHENTICATION_REQUIRED", 401)));
    const t = createTransport(base(f.fetch));
    const session = new Session(createMemoryStore({ accessToken: "garbage", refreshToken: null }), () => Promise.reject(new Error("no refresh expected")));
    await expect(t.request({ ...get, session })).rejects.toMatchObject({ code: "USER_AUTHENTICATION_REQUIRED" });
    expect(f.requests.map((r) => r.headers.get("x-stack-access-token"))).toEqual(["garbage", null]);
  });
});

describe("call options", () => {
  it("refuses a bad timeoutMs before any request", async () => {
    const f = fakeFetch(() => json(item));
    for (const bad of [-1, Number.NaN]) {
      await expect(createTransport(base(f.fetch)).request({ ...get, options: { timeoutMs: bad } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument: "timeoutMs" } });
    }
    expect(f.requests).toHaveLength(0);
  });
});

describe("exhausted 429 on a write", () => {
  it("is HTTP_ERROR 429, not OUTCOME_UNKNOWN (the server refused it)", async () => {
    const f = fakeFetch(() => new Response("Too many requests", { status: 429 }));
    await expect(createTransport(base(f.fetch)).request(post)).rejects.toMatchObject({ code: "HTTP_ERROR", status: 429, message: "Too many requests" });
    expect(f.requests).toHaveLength(4);
  });
});
