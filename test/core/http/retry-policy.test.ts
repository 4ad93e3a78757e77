/**
 * The retry policy: what is repeated, with which key, within which time, and what a call that ran
 * out of attempts says about its write. Faulty servers are injected fetches; the idempotency-key
 * behaviour also runs against the real emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransport, parseRetryAfter, type TransportOptions } from "../../../src/core/transport.js";
import { itemResponseShape } from "../../../src/core/wire-shapes.js";
import type { Shape } from "../../../src/core/wire-shape.js";
import { setupEmulator } from "../../fixtures/emulator-app.js";
import { StackServerApp } from "../../../src/server.js";

function fakeFetch(handler: (request: Request, n: number) => Response | Promise<Response>) {
  const requests: Request[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request.clone());
    if (request.signal.aborted) throw request.signal.reason;
    return handler(request, requests.length);
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const SUPPORTED = { "x-stack-idempotency-supported": "true" };
const json = (body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json", ...headers } });
/** What Node's fetch throws for a refused connection. */
const refused = () => new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" }) });
/** What it throws for a connection dropped after the request went out. */
const reset = () => new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
const inProgress = () => new Response('A request with Idempotency-Key "k" is still being processed; retry once it has finished.', { status: 409, headers: SUPPORTED });

const base = (fetch: typeof globalThis.fetch, extra: Partial<TransportOptions> = {}): TransportOptions => ({
  baseUrl: "https://api.example.test",
  projectId: "proj",
  secretServerKey: "ssk",
  idempotencyKeys: true,
  fetch,
  retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
  ...extra,
});
const get = { method: "GET" as const, path: "/payments/items/user/u1/credits", accessType: "server" as const, schema: itemResponseShape };
const post = { method: "POST" as const, path: "/payments/products/user/u1", body: { product_id: "p" }, accessType: "server" as const, schema: ["o", {}] as Shape<object> };
const item = { id: "credits", display_name: "Credits", quantity: 3 };

/** A transport that has already seen the server announce idempotency support. */
async function keyed(handler: (request: Request, n: number) => Response | Promise<Response>, extra: Partial<TransportOptions> = {}) {
  let calls = 0;
  const f = fakeFetch((request) => (calls++ === 0 ? json(item, SUPPORTED) : handler(request, calls - 1)));
  const t = createTransport(base(f.fetch, extra));
  await t.request(get);
  expect(t.idempotencySupported).toBe(true);
  f.requests.length = 0;
  return { t, requests: f.requests };
}

describe("a refused connection (nothing was sent)", () => {
  it("is NETWORK_ERROR for a write too, retried within the policy; no emulator hint for a remote URL", async () => {
    const f = fakeFetch(() => {
      throw refused();
    });
    const error = await createTransport(base(f.fetch, { idempotencyKeys: false })).request(post).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NETWORK_ERROR", message: expect.stringContaining("https://api.example.test/api/v1/payments/products/user/u1 could not be reached (ECONNREFUSED)") });
    expect((error as Error).message).not.toContain("emulator");
    expect(f.requests).toHaveLength(4);
  });

  it("after an attempt that may have applied, a later refusal leaves the write OUTCOME_UNKNOWN", async () => {
    const { t, requests } = await keyed((_, n) => {
      throw n === 1 ? reset() : refused();
    });
    await expect(t.request(post)).rejects.toMatchObject({ code: "OUTCOME_UNKNOWN", details: { outcomeUnknown: true } });
    expect(requests).toHaveLength(4);
  });

  it("a lost answer to a write the server does not deduplicate is OUTCOME_UNKNOWN at once", async () => {
    const f = fakeFetch(() => {
      throw reset();
    });
    await expect(createTransport(base(f.fetch)).request(post)).rejects.toMatchObject({ code: "OUTCOME_UNKNOWN", message: expect.stringContaining("may or may not have been applied") });
    expect(f.requests).toHaveLength(1);
  });
});

describe("an idempotency key still in progress (409)", () => {
  it("is retried with the same key until the server answers", async () => {
    const { t, requests } = await keyed((_, n) => (n === 1 ? Promise.reject(reset()) : n <= 3 ? inProgress() : json({ ok: true }, { ...SUPPORTED, "x-stack-idempotency": "replayed" })));
    expect(await t.request(post)).toEqual({ ok: true });
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((r) => r.headers.get("idempotency-key"))).size).toBe(1);
  });

  it("is OUTCOME_UNKNOWN when it persists past the attempts", async () => {
    const { t, requests } = await keyed(() => inProgress());
    await expect(t.request(post)).rejects.toMatchObject({ code: "OUTCOME_UNKNOWN", status: 409, message: expect.stringContaining("still in progress") });
    expect(requests).toHaveLength(4);
  });

  it("a known-error 409, or a plain 409 to a request without a key, is the answer: never retried", async () => {
    const { t, requests } = await keyed(() =>
      json({ code: "USER_EMAIL_ALREADY_EXISTS", details: { email: "a@b.c" }, error: "taken" }, { "x-stack-actual-status": "409", "x-stack-known-error": "USER_EMAIL_ALREADY_EXISTS" }),
    );
    await expect(t.request(post)).rejects.toMatchObject({ code: "USER_EMAIL_ALREADY_EXISTS", status: 409 });
    expect(requests).toHaveLength(1);
    const f = fakeFetch(() => new Response("conflict", { status: 409 }));
    await expect(createTransport(base(f.fetch, { idempotencyKeys: false })).request(post)).rejects.toMatchObject({ code: "HTTP_ERROR", status: 409, message: "conflict" });
    expect(f.requests).toHaveLength(1);
  });
});

describe("rate limits and the deadline", () => {
  it("fails a 429 at once when its Retry-After is past the call's deadline", async () => {
    const f = fakeFetch(() => new Response("slow down", { status: 429, headers: { "retry-after": "3600" } }));
    const started = Date.now();
    await expect(createTransport(base(f.fetch, { timeoutMs: 5000 })).request(get)).rejects.toMatchObject({ code: "HTTP_ERROR", status: 429 });
    expect(f.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(parseRetryAfter("3600")).toBe(3_600_000);
  });

  it("a 429 after an attempt that may have applied leaves the write OUTCOME_UNKNOWN", async () => {
    const { t } = await keyed((_, n) => (n === 1 ? new Response("boom", { status: 502, headers: SUPPORTED }) : new Response("slow down", { status: 429 })));
    await expect(t.request(post)).rejects.toMatchObject({ code: "OUTCOME_UNKNOWN", status: 429 });
  });

  it("stops retrying at the deadline: TIMEOUT, not the attempts' sum", async () => {
    const f = fakeFetch(() => new Response("down", { status: 503 }));
    const t = createTransport(base(f.fetch, { timeoutMs: 150, retry: { attempts: 10, baseDelayMs: 100, maxDelayMs: 10_000 } }));
    await expect(t.request(get)).rejects.toMatchObject({ code: "TIMEOUT", details: { timeoutMs: 150 } });
    expect(f.requests.length).toBeLessThan(4);
  });

  it("an abort while a write is on the wire says its outcome is unknown", async () => {
    const f = fakeFetch((request) => new Promise<Response>((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason))));
    const controller = new AbortController();
    const pending = createTransport(base(f.fetch)).request({ ...post, options: { signal: controller.signal } });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: "ABORTED", details: { outcomeUnknown: true } });
  });
});

describe("against the emulator: a write whose answer was lost while its key is still in progress", () => {
  const env = setupEmulator();
  const server = env.serverApp();
  beforeAll(async () => {
    await env.emulator.ready;
  });
  afterAll(async () => {
    await env.emulator.close();
  });

  /**
   * A server app whose first grant reaches the emulator and is applied, but whose answer is lost;
   * the emulator's record of that key is then shown as still in progress for `busyAnswers`
   * repeats (as if the first request were still running), then restored.
   */
  function lossyApp(busyAnswers: number) {
    const statuses: number[] = [];
    const keys: string[] = [];
    let lost = false;
    const setStatus = (key: string, status: number | null) =>
      env.emulator.db.query("UPDATE idempotency_keys SET status = $2 WHERE key = $1", [key, status]);
    const lossy = new StackServerApp({
      baseUrl: "http://emulator.local",
      projectId: env.emulator.project.id,
      secretServerKey: env.emulator.project.secretServerKey,
      retry: { attempts: 4, baseDelayMs: 1 },
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const key = request.headers.get("idempotency-key");
        const response = await env.fetch(request);
        if (!key || !request.url.includes("/payments/products/")) return response;
        keys.push(key);
        statuses.push(Number(response.headers.get("x-stack-actual-status") ?? response.status));
        if (!lost) {
          lost = true;
          await setStatus(key, null);
          throw new TypeError("fetch failed", { cause: { code: "UND_ERR_SOCKET", message: "other side closed" } });
        }
        if (statuses.length === busyAnswers + 1) await setStatus(key, 200);
        return response;
      },
    });
    return { lossy, statuses, keys };
  }

  it("is retried with the same key through the emulator's 409s and applied exactly once", async () => {
    const user = await server.createUser({});
    const { lossy, statuses, keys } = lossyApp(2);
    await lossy.getItem({ userId: user.id, itemId: "credits" }); // learns that the emulator honours keys
    await lossy.grantProduct({ userId: user.id, productId: "prod_starter" });
    expect(statuses).toEqual([200, 409, 409, 200]);
    expect(new Set(keys).size).toBe(1);
    expect((await server.getItem({ userId: user.id, itemId: "credits" })).quantity).toBe(10);
  });

  it("is OUTCOME_UNKNOWN when the key stays in progress, and still applied once", async () => {
    const user = await server.createUser({});
    const { lossy, statuses } = lossyApp(99);
    await lossy.getItem({ userId: user.id, itemId: "credits" });
    await expect(lossy.grantProduct({ userId: user.id, productId: "prod_starter" })).rejects.toMatchObject({ code: "OUTCOME_UNKNOWN", status: 409 });
    expect(statuses).toEqual([200, 409, 409, 409]);
    expect((await server.getItem({ userId: user.id, itemId: "credits" })).quantity).toBe(10);
  });
});
