/**
 * Contract review: wire behaviour where the SDK once differed from the wire contract or from the
 * official SDK (@stackframe/js 2.8.108). Each describe names the section of docs/wire-contract.md
 * whose rule its tests pin.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { HttpResponse } from "msw";
import { clientUserWire, createWireRecorder, serverUserWire } from "../fixtures/wire-recorder.js";
import { StackClientApp } from "../../src/index.js";
import { StackServerApp } from "../../src/server.js";
import { knownErrorBody } from "../../src/core/known-errors.js";
import { readTokensFromCookies } from "../../src/core/session.js";
import { readTokensFromRequest } from "../../src/core/server-token-stores.js";

const BASE = "http://contract.test";
const PID = "11111111-2222-4333-8444-555555555555";
const UID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

const wire = createWireRecorder(BASE);
const server = wire.server;
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  wire.reset();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});
afterAll(() => server.close());

const clientUser = clientUserWire(UID, { primary_email_verified: false });
const serverUser = serverUserWire(UID, { primary_email_verified: false });
const restricted = { is_restricted: true, restricted_reason: { type: "email_not_verified" } };

/** A fetch that records each request and answers a known error (so calls end quickly). */
function recordingFetch() {
  const calls: Array<{ url: string; request: Request }> = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push({ url: request.url, request });
    return new Response(JSON.stringify({ code: "USER_NOT_FOUND", error: "User not found." }), {
      headers: { "x-stack-actual-status": "404", "x-stack-known-error": "USER_NOT_FOUND" },
    });
  };
  return { calls, fetch };
}

describe("Requests: how they are built", () => {
  it("Cloudflare Workers: no credentials/cache request fields where WebSocketPair exists", async () => {
    vi.stubGlobal("WebSocketPair", function WebSocketPair() {});
    const { calls, fetch } = recordingFetch();
    const app = new StackServerApp({ baseUrl: BASE, projectId: PID, secretServerKey: "ssk", tokenStore: "memory", fetch, retry: false });
    expect(await app.getUser(UID)).toBeNull();
    expect(calls).toHaveLength(1);
    // The Request defaults: neither field was given.
    expect(calls[0]!.request.credentials).toBe("same-origin");
    expect(calls[0]!.request.cache).toBe("default");
  });

  it("elsewhere: credentials omit and cache no-store", async () => {
    const { calls, fetch } = recordingFetch();
    const app = new StackServerApp({ baseUrl: BASE, projectId: PID, secretServerKey: "ssk", tokenStore: "memory", fetch, retry: false });
    await app.getUser(UID);
    expect(calls[0]!.request).toMatchObject({ credentials: "omit", cache: "no-store" });
  });

  it("header precedence: the server key and content-type (per-call headers) win over extraRequestHeaders", async () => {
    wire.answer = () => HttpResponse.json(serverUser);
    const app = new StackServerApp({
      baseUrl: BASE,
      projectId: PID,
      secretServerKey: "ssk_real",
      tokenStore: "memory",
      retry: false,
      extraRequestHeaders: { "x-stack-secret-server-key": "ssk_from_extra", "content-type": "text/plain", "x-extra": "1" },
    });
    await app.createUser({ displayName: "C" });
    expect(wire.seen[0]!.headers).toMatchObject({ "x-stack-secret-server-key": "ssk_real", "content-type": "application/json", "x-extra": "1" });
  });

  it("header precedence: extraRequestHeaders still override the SDK's base headers", async () => {
    wire.answer = () => HttpResponse.json(serverUser);
    const app = new StackServerApp({ baseUrl: BASE, projectId: PID, secretServerKey: "ssk", tokenStore: "memory", retry: false, extraRequestHeaders: { "x-stack-client-version": "custom" } });
    await app.getUser(UID);
    expect(wire.seen[0]!.headers["x-stack-client-version"]).toBe("custom");
  });
});

describe("Users and sessions: environment fallbacks (the official SDK's order)", () => {
  const projectOf = (env: Record<string, string>) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    return new StackClientApp({ tokenStore: "memory" }).projectId;
  };

  it("project id: NEXT_PUBLIC_{HEXCLAVE,STACK}_PROJECT_ID before {HEXCLAVE,STACK}_PROJECT_ID", () => {
    expect(projectOf({ NEXT_PUBLIC_STACK_PROJECT_ID: "np-stack", HEXCLAVE_PROJECT_ID: "hex", STACK_PROJECT_ID: "stack" })).toBe("np-stack");
    vi.unstubAllEnvs();
    expect(projectOf({ NEXT_PUBLIC_HEXCLAVE_PROJECT_ID: "np-hex", NEXT_PUBLIC_STACK_PROJECT_ID: "np-stack" })).toBe("np-hex");
    vi.unstubAllEnvs();
    expect(projectOf({ HEXCLAVE_PROJECT_ID: "hex", STACK_PROJECT_ID: "stack" })).toBe("hex");
  });

  it("publishable key and extra headers: NEXT_PUBLIC_STACK_* before HEXCLAVE_*", async () => {
    vi.stubEnv("NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY", "pck_np_stack");
    vi.stubEnv("HEXCLAVE_PUBLISHABLE_CLIENT_KEY", "pck_hex");
    vi.stubEnv("NEXT_PUBLIC_STACK_EXTRA_REQUEST_HEADERS", '{"x-from":"np-stack"}');
    vi.stubEnv("HEXCLAVE_EXTRA_REQUEST_HEADERS", '{"x-from":"hex"}');
    const { calls, fetch } = recordingFetch();
    await new StackServerApp({ projectId: PID, baseUrl: BASE, secretServerKey: "ssk", tokenStore: "memory", fetch, retry: false }).getUser(UID);
    const headers = calls[0]!.request.headers;
    expect(headers.get("x-stack-publishable-client-key")).toBe("pck_np_stack");
    expect(headers.get("x-from")).toBe("np-stack");
  });

  const baseOf = async (env: Record<string, string>) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const { calls, fetch } = recordingFetch();
    await new StackServerApp({ projectId: PID, secretServerKey: "ssk", tokenStore: "memory", fetch, retry: false }).getUser(UID);
    vi.unstubAllEnvs();
    return new URL(calls[0]!.url).origin;
  };

  it("base URL (server): *_API_URL_SERVER variants, then NEXT_PUBLIC_*_API_URL before *_API_URL, then NEXT_PUBLIC_*_URL", async () => {
    expect(await baseOf({ NEXT_PUBLIC_STACK_API_URL: "http://np-stack.test", HEXCLAVE_API_URL: "http://hex.test" })).toBe("http://np-stack.test");
    expect(await baseOf({ NEXT_PUBLIC_HEXCLAVE_URL: "http://np-hex-url.test", NEXT_PUBLIC_STACK_URL: "http://np-stack-url.test" })).toBe("http://np-hex-url.test");
    expect(await baseOf({ STACK_API_URL_SERVER: "http://server-suffix.test", NEXT_PUBLIC_STACK_API_URL: "http://np.test" })).toBe("http://server-suffix.test");
    expect(await baseOf({ NEXT_PUBLIC_HEXCLAVE_API_URL_SERVER: "http://np-hex-server.test", STACK_API_URL_SERVER: "http://s.test" })).toBe("http://np-hex-server.test");
    expect(await baseOf({ NEXT_PUBLIC_SERVER_STACK_API_URL: "http://np-server.test", NEXT_PUBLIC_STACK_API_URL_SERVER: "http://x.test" })).toBe("http://np-server.test");
    // Browser-only names are not read on a server.
    expect(await baseOf({ STACK_API_URL_BROWSER: "http://browser.test", STACK_API_URL: "http://plain.test" })).toBe("http://plain.test");
  });
});

describe("Users and sessions: cookie reading rules", () => {
  it("an empty legacy plain refresh cookie is skipped, not taken as the token", () => {
    const structured = JSON.stringify({ refresh_token: "rt-structured", updated_at_millis: 5 });
    expect(readTokensFromCookies({ [`stack-refresh-${PID}`]: "", "stack-refresh": "rt-plain" }, PID)).toEqual({ refreshToken: "rt-plain", accessToken: null });
    expect(readTokensFromCookies({ [`stack-refresh-${PID}`]: "", [`stack-refresh-${PID}--default`]: structured, "stack-access": '["rt-structured","at"]' }, PID)).toEqual({
      refreshToken: "rt-structured",
      accessToken: "at",
    });
  });
});

describe("Users and sessions: request-like token stores", () => {
  const cookie = `hexclave-refresh-${PID}--default=${encodeURIComponent(JSON.stringify({ refresh_token: "rt-cookie", updated_at_millis: 1 }))}; hexclave-access=${encodeURIComponent('["rt-cookie","at-cookie"]')}`;
  const none = { accessToken: null, refreshToken: null };

  it("a present x-stack-auth header decides, even when it says signed out (cookies are not consulted)", () => {
    expect(readTokensFromRequest({ headers: { "x-stack-auth": JSON.stringify(none), cookie } }, PID)).toEqual(none);
  });

  it("a present stackauth_ Authorization header decides, even when it says signed out", () => {
    const bearer = `Bearer stackauth_${btoa(JSON.stringify(none))}`;
    expect(readTokensFromRequest({ headers: { authorization: bearer, "x-stack-auth": JSON.stringify({ accessToken: "a", refreshToken: "r" }), cookie } }, PID)).toEqual(none);
  });

  it("a malformed x-stack-auth or stackauth_ header is refused with a clear error", async () => {
    expect(() => readTokensFromRequest({ headers: { "x-stack-auth": "{not json", cookie } }, PID)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("x-stack-auth") }));
    expect(() => readTokensFromRequest({ headers: { authorization: "Bearer stackauth_%%%" } }, PID)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("Authorization") }));
    const app = new StackServerApp({ baseUrl: BASE, projectId: PID, secretServerKey: "ssk", tokenStore: "memory", retry: false });
    await expect(app.getUser({ tokenStore: { headers: { "x-stack-auth": "null" } } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(wire.seen).toHaveLength(0);
  });

  it("other Authorization schemes still fall through to x-stack-auth and cookies", () => {
    expect(readTokensFromRequest({ headers: { authorization: "Bearer eyJhbGciOi.x.y", cookie } }, PID)).toEqual({ refreshToken: "rt-cookie", accessToken: "at-cookie" });
  });
});

describe("Users and sessions: getUser({ or: 'redirect' })", () => {
  it("a restricted (non-anonymous) user is sent to onboarding, not sign-in (client and server apps)", async () => {
    wire.answer = (req) => HttpResponse.json(req.headers.get("x-stack-access-type") === "server" ? { ...serverUser, ...restricted } : { ...clientUser, ...restricted });
    const navigated: string[] = [];
    const navigate = (to: string) => void navigated.push(to);
    const client = new StackClientApp({ baseUrl: BASE, projectId: PID, tokenStore: { accessToken: "at", refreshToken: "rt" }, redirectMethod: { navigate }, retry: false });
    void client.getUser({ or: "redirect" });
    const server = new StackServerApp({ baseUrl: BASE, projectId: PID, secretServerKey: "ssk", tokenStore: { accessToken: "at", refreshToken: "rt" }, redirectMethod: { navigate }, retry: false });
    void server.getUser({ or: "redirect" });
    await vi.waitFor(() => expect(navigated).toEqual(["/handler/onboarding", "/handler/onboarding"]));
    expect(client.urls.onboarding).toBe("/handler/onboarding");
  });

  it("nobody signed in still goes to sign-in; includeRestricted returns the restricted user", async () => {
    wire.answer = () => HttpResponse.json({ ...clientUser, ...restricted });
    const navigated: string[] = [];
    const app = new StackClientApp({ baseUrl: BASE, projectId: PID, tokenStore: "memory", redirectMethod: { navigate: (to) => void navigated.push(to) }, retry: false });
    void app.getUser({ or: "redirect" });
    await vi.waitFor(() => expect(navigated).toEqual(["/handler/sign-in"]));
    const withTokens = new StackClientApp({ baseUrl: BASE, projectId: PID, tokenStore: { accessToken: "at", refreshToken: "rt" }, retry: false });
    expect((await withTokens.getUser({ or: "redirect", includeRestricted: true })).isRestricted).toBe(true);
  });
});

describe("Users and sessions: sign-out", () => {
  it("with a refresh token the server no longer knows: no DELETE is sent, tokens are cleared", async () => {
    wire.answer = (req) => {
      if (new URL(req.url).pathname === "/api/v1/auth/oauth/token") {
        const e = knownErrorBody("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
        return HttpResponse.json(e.body, { status: e.status, headers: { "x-stack-known-error": e.body.code } });
      }
      return HttpResponse.json({ success: true });
    };
    const app = new StackClientApp({ baseUrl: BASE, projectId: PID, tokenStore: { refreshToken: "rt-dead" }, retry: false });
    await app.signOut();
    expect(wire.seen.map((s) => `${s.method} ${s.path}`)).toEqual(["POST /api/v1/auth/oauth/token"]);
    expect(await app.getAccessToken()).toBeNull();
  });

  it("with a live session: DELETE /auth/sessions/current with the tokens, then signed out", async () => {
    wire.answer = () => HttpResponse.json({ success: true });
    const app = new StackClientApp({ baseUrl: BASE, projectId: PID, tokenStore: { accessToken: "at", refreshToken: "rt" }, retry: false });
    await app.signOut();
    expect(wire.seen).toMatchObject([{ method: "DELETE", path: "/api/v1/auth/sessions/current", headers: { "x-stack-access-token": "at", "x-stack-refresh-token": "rt" } }]);
    expect(await app.getAccessToken()).toBeNull();
  });
});

describe("Users and sessions: sign-out from a server app (inherited by StackServerApp in the official SDK)", () => {
  it("the user of a request can sign out: DELETE with client access and that request's tokens", async () => {
    wire.answer = (req) => HttpResponse.json(req.method === "DELETE" ? { success: true } : serverUser);
    const app = new StackServerApp({ baseUrl: BASE, projectId: PID, secretServerKey: "ssk", tokenStore: "memory", retry: false });
    const request = { headers: { "x-stack-auth": JSON.stringify({ accessToken: "at_req", refreshToken: "rt_req" }) } };
    const user = await app.getUser({ tokenStore: request, or: "throw" });
    await user.signOut!();
    expect(wire.seen[1]).toMatchObject({ method: "DELETE", path: "/api/v1/auth/sessions/current", headers: { "x-stack-access-type": "client", "x-stack-access-token": "at_req" } });
    expect(wire.seen[1]!.headers).not.toHaveProperty("x-stack-secret-server-key");
    // That request's session is now signed out: no further request is made for it.
    expect(await app.getUser({ tokenStore: request })).toBeNull();
    expect(wire.seen).toHaveLength(2);
    // Users looked up by id have no session to sign out.
    expect((await app.getUser(UID))!.signOut).toBeUndefined();
  });

  it("app.signOut() signs the app's own session out", async () => {
    wire.answer = () => HttpResponse.json({ success: true });
    const app = new StackServerApp({ baseUrl: BASE, projectId: PID, secretServerKey: "ssk", tokenStore: { accessToken: "at", refreshToken: "rt" }, retry: false });
    await app.signOut();
    expect(wire.seen.map((s) => `${s.method} ${s.path}`)).toEqual(["DELETE /api/v1/auth/sessions/current"]);
    expect(await app.getUser()).toBeNull();
    expect(wire.seen).toHaveLength(1);
  });
});
