/**
 * The transport against hostile and broken servers on 127.0.0.1, over real sockets and Node's own
 * fetch: redirects to another port, HTML instead of JSON, a 300 MB body, headers that never end,
 * nothing listening at all.
 */
import { afterEach, describe, expect, it } from "vitest";
import http from "node:http";
import net from "node:net";
import { createTransport, MAX_RESPONSE_BYTES, type TransportOptions } from "../../../src/core/transport.js";
import { Session, createMemoryStore } from "../../../src/core/session.js";
import { createEventStream } from "../../../src/core/live/event-stream.js";
import { itemResponseShape } from "../../../src/core/wire-shapes.js";
import type { Shape } from "../../../src/core/wire-shape.js";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An HTTP server on 127.0.0.1 (port 0) that records every request, body included. */
async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(entry);
      handler(req, res, entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  closers.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { seen, port, origin: `http://127.0.0.1:${port}` };
}

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const jwt = (expSeconds: number) => `h.${btoa(JSON.stringify({ exp: expSeconds })).replace(/=+$/, "")}.s`;
const now = () => Math.floor(Date.now() / 1000);

const serverTransport = (baseUrl: string, extra: Partial<TransportOptions> = {}) =>
  createTransport({
    baseUrl,
    projectId: "proj",
    publishableClientKey: "pck_1",
    secretServerKey: "ssk_secret",
    idempotencyKeys: true,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
const get = { method: "GET" as const, path: "/payments/items/user/u1/credits", accessType: "server" as const, schema: itemResponseShape };
const post = {
  method: "POST" as const,
  path: "/payments/items/user/u1/credits/update-quantity",
  query: { allow_negative: "false" },
  body: { delta: 5 },
  accessType: "server" as const,
  schema: ["o", {}] as Shape<object>,
};

describe("redirects", () => {
  it("never follows a redirect to another port: no key, token or body reaches it, nothing is resent", async () => {
    const other = await listen((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "evil", id: "credits", display_name: "x", quantity: 1 }));
    });
    for (const status of [301, 302, 303, 307, 308]) {
      const api = await listen((req, res) => res.writeHead(status, { location: `${other.origin}${req.url}` }).end());
      const t = serverTransport(api.origin);
      const session = new Session(createMemoryStore({ accessToken: jwt(now() + 600), refreshToken: "rt_secret" }), (rt, o) => t.refreshAccessToken(rt, o));
      for (const call of [post, get]) {
        const error = await t.request({ ...call, session }).catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: "UNEXPECTED_REDIRECT",
          status,
          details: { location: `${other.origin}/api/v1${call.path}${call === post ? "?allow_negative=false" : ""}`, sameOrigin: false },
          message: expect.stringContaining(`If ${other.origin} is your API, set baseUrl to it.`),
        });
      }
      // The API got each request once (with our key and tokens, as it should); the other port nothing.
      expect(api.seen.map((s) => s.method)).toEqual(["POST", "GET"]);
      expect(api.seen[0]).toMatchObject({ headers: { "x-stack-secret-server-key": "ssk_secret", "x-stack-refresh-token": "rt_secret" }, body: '{"delta":5}' });
    }
    expect(other.seen).toEqual([]);
  });

  it("a redirected refresh grant does not accept the other host's access_token", async () => {
    const other = await listen((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "evil" })));
    const api = await listen((req, res) => res.writeHead(307, { location: `${other.origin}${req.url}` }).end());
    const t = serverTransport(api.origin);
    const store = createMemoryStore({ accessToken: jwt(now() - 5), refreshToken: "rt_secret" });
    const session = new Session(store, (rt, o) => t.refreshAccessToken(rt, o));
    await expect(t.refreshAccessToken("rt_secret")).rejects.toMatchObject({ code: "UNEXPECTED_REDIRECT" });
    // Through a session: the expired token triggers the refresh, which is refused; no request follows.
    await expect(t.request({ ...get, session })).rejects.toMatchObject({ code: "UNEXPECTED_REDIRECT" });
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual(["POST /api/v1/auth/oauth/token", "POST /api/v1/auth/oauth/token"]);
    expect(api.seen[0]!.body).toContain("refresh_token=rt_secret");
    expect(other.seen).toEqual([]);
    expect((await store.read()).accessToken).not.toBe("evil");
  });

  it("refuses a same-origin redirect too, naming it: the API never redirects, so the baseUrl or a proxy is wrong", async () => {
    const api = await listen((req, res) => (req.url!.endsWith("/") ? res.writeHead(200).end("{}") : res.writeHead(308, { location: `${req.url}/` }).end()));
    const error = await serverTransport(api.origin).request(post).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "UNEXPECTED_REDIRECT", status: 308, details: { sameOrigin: true } });
    expect(api.seen).toHaveLength(1);
  });
  it("the live event stream is refused too, and falls back (state unsupported) instead of reconnecting", async () => {
    const other = await listen((_req, res) => res.writeHead(200, { "content-type": "text/event-stream" }).end("data: {}\n\n"));
    const api = await listen((req, res) => res.writeHead(302, { location: `${other.origin}${req.url}` }).end());
    const t = serverTransport(api.origin);
    const states: string[] = [];
    const stream = createEventStream({
      open: ({ signal }) => t.openStream({ path: "/payments/events/user/u1", accessType: "server" }, signal),
      onEvent: () => {},
      onStateChange: (state) => states.push(state),
      initialDelayMs: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    stream.close();
    expect(states).toEqual(["unsupported", "closed"]);
    expect(api.seen).toHaveLength(1);
    expect(other.seen).toEqual([]);
  });
});

describe("answers that are not the API's", () => {
  it("200 with an HTML page is RESPONSE_VALIDATION_ERROR saying what came instead", async () => {
    const api = await listen((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!doctype html><html><body>Welcome to my app</body></html>"));
    const error = await serverTransport(api.origin).request(get).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "RESPONSE_VALIDATION_ERROR",
      details: { contentType: "text/html; charset=utf-8" },
      message: expect.stringMatching(/GET \/payments\/items\/user\/u1\/credits is not JSON \(content-type text\/html.*baseUrl.*<!doctype html>/),
    });
  });

  it("refuses a 300 MB body without reading it: streamed, or announced by content-length", async () => {
    const total = 300 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, "a");
    let written = 0;
    let finished: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const api = await listen((req, res) => {
      res.writeHead(200, { "content-type": "application/json", ...(req.url!.includes("announced") ? { "content-length": String(total) } : {}) });
      res.on("close", () => finished());
      // Write only as fast as the client reads (backpressure), so `written` shows what it took in.
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    const t = serverTransport(api.origin);
    await expect(t.request(get)).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE", details: { limit: MAX_RESPONSE_BYTES } });
    await done;
    // The SDK stopped at its 10 MiB limit; socket buffers account for the rest.
    expect(written).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);

    written = 0;
    const announced = new Promise<void>((resolve) => (finished = resolve));
    await expect(t.request({ ...get, path: "/announced" })).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE" });
    await announced;
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });
});

describe("servers that never answer", () => {
  /** A TCP server that reads a request, starts the response and never finishes its headers. */
  async function silent() {
    let requests = 0;
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      // Counted per request, not per connection: undici's pool may open spare connections.
      socket.once("data", () => {
        requests++;
        socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const sockets = new Set<net.Socket>();
    server.on("connection", (s) => sockets.add(s));
    closers.push(() => new Promise((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))));
    return { origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests: () => requests };
  }

  it("times out as configured (TIMEOUT, the call's total budget)", async () => {
    const s = await silent();
    await expect(serverTransport(s.origin, { timeoutMs: 300 }).request(get)).rejects.toMatchObject({ code: "TIMEOUT", details: { timeoutMs: 300 } });
    await expect(serverTransport(s.origin).request({ ...get, options: { timeoutMs: 200 } })).rejects.toMatchObject({ code: "TIMEOUT", details: { timeoutMs: 200 } });
  });

  it("with an attempt timeout, retries a read, and not a write it cannot repeat", async () => {
    const s = await silent();
    const t = serverTransport(s.origin, { timeoutMs: 10_000, retry: { attempts: 3, baseDelayMs: 1, attemptTimeoutMs: 150 } });
    await expect(t.request(get)).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(s.requests()).toBe(3);
    const error = await t.request(post).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "TIMEOUT", details: { outcomeUnknown: true } });
    expect(s.requests()).toBe(4);
  });
});

describe("nothing listening", () => {
  it("a refused connection is NETWORK_ERROR even for a write, retried by the policy, naming the URL and the emulator", async () => {
    const port = await deadPort();
    for (const host of ["127.0.0.1", "localhost"]) {
      let attempts = 0;
      const t = serverTransport(`http://${host}:${port}`, {
        timeoutMs: 20_000,
        fetch: (input, init) => (attempts++, globalThis.fetch(input, init)),
      });
      const error = await t.request(post).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "NETWORK_ERROR",
        details: { method: "POST", url: `http://${host}:${port}/api/v1/payments/items/user/u1/credits/update-quantity?allow_negative=false` },
        message: expect.stringContaining(`http://${host}:${port}/api/v1/payments/items/user/u1/credits/update-quantity`),
      });
      expect((error as Error).message).toContain("npx stack-payments emulator");
      expect((error as Error).message).toContain("ECONNREFUSED");
      // Nothing was sent, so even the write was tried again, as many times as the policy allows.
      expect(attempts).toBe(3);
    }
  });
});
