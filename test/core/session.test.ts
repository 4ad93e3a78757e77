/** Token stores: cookie formats (both name families), request-like stores, explicit stores. */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  cookiesForTokens,
  createTokenStore,
  parseCookieHeader,
  readTokensFromCookies,
  accessTokenExpiry,
} from "../../src/core/session.js";
import { readTokensFromRequest } from "../../src/core/server-token-stores.js";

const PID = "proj-1";
const enc = (v: unknown) => encodeURIComponent(JSON.stringify(v));

describe("cookie reading (official SDK rules)", () => {
  it("reads hexclave-* cookies, newest refresh cookie first, access only when it names that refresh token", () => {
    const cookies = parseCookieHeader(
      [
        `hexclave-refresh-${PID}--default=${enc({ refresh_token: "old", updated_at_millis: 1 })}`,
        `__Host-hexclave-refresh-${PID}--custom-ABC=${enc({ refresh_token: "new", updated_at_millis: 2 })}`,
        `hexclave-access=${enc(["new", "at-new"])}`,
        `stack-refresh-${PID}--default=${enc({ refresh_token: "stack-rt", updated_at_millis: 3 })}`,
      ].join("; "),
    );
    expect(readTokensFromCookies(cookies, PID)).toEqual({ refreshToken: "new", accessToken: "at-new" });
  });

  it("falls back to legacy and stack-* cookies, and ignores a mismatched access cookie", () => {
    expect(readTokensFromCookies({ [`stack-refresh-${PID}`]: "legacy", "stack-access": '["legacy","at"]' }, PID)).toEqual({ refreshToken: "legacy", accessToken: "at" });
    expect(readTokensFromCookies({ "stack-refresh": "plain" }, PID)).toEqual({ refreshToken: "plain", accessToken: null });
    expect(
      readTokensFromCookies({ [`stack-refresh-${PID}--default`]: JSON.stringify({ refresh_token: "s", updated_at_millis: 5 }), "hexclave-access": '["other","at"]' }, PID),
    ).toEqual({ refreshToken: "s", accessToken: null });
    expect(readTokensFromCookies({ "stack-refresh-other--default": JSON.stringify({ refresh_token: "x" }) }, PID)).toEqual({ refreshToken: null, accessToken: null });
  });

  it("writes both name families and deletes the project's other refresh cookies", () => {
    const out = cookiesForTokens({ accessToken: "at", refreshToken: "rt" }, PID, true, { [`stack-refresh-${PID}`]: "x", [`hexclave-refresh-${PID}--custom-Q`]: "{}", unrelated: "1" });
    const names = Object.fromEntries(out.map(([n, v]) => [n, v]));
    expect(JSON.parse(names[`__Host-hexclave-refresh-${PID}--default`]!)).toMatchObject({ refresh_token: "rt" });
    expect(JSON.parse(names[`__Host-stack-refresh-${PID}--default`]!)).toMatchObject({ refresh_token: "rt" });
    expect(names["hexclave-access"]).toBe('["rt","at"]');
    expect(names["stack-access"]).toBe('["rt","at"]');
    expect(names[`stack-refresh-${PID}`]).toBeNull();
    expect(names[`hexclave-refresh-${PID}--custom-Q`]).toBeNull();
    expect("unrelated" in names).toBe(false);
    // Round trip through the reader.
    const written = Object.fromEntries(out.filter(([, v]) => v !== null).map(([n, v]) => [n, v!]));
    expect(readTokensFromCookies(written, PID)).toEqual({ accessToken: "at", refreshToken: "rt" });
  });
});

describe("browser cookie store", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("reads and writes document.cookie", async () => {
    const jar = new Map<string, string>();
    vi.stubGlobal("location", { protocol: "http:" });
    vi.stubGlobal("document", {
      get cookie() {
        return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      },
      set cookie(line: string) {
        const [pair] = line.split(";");
        const eq = pair!.indexOf("=");
        const name = pair!.slice(0, eq);
        if (/max-age=0/.test(line)) jar.delete(name);
        else jar.set(name, pair!.slice(eq + 1));
      },
    });
    const store = createTokenStore("cookie", PID)!;
    expect(await store.read()).toEqual({ accessToken: null, refreshToken: null });
    await store.write({ accessToken: "a.b.c", refreshToken: "rt" });
    // js-cookie's encoding: quotes and commas escaped, braces and colons literal.
    expect(jar.get("hexclave-access")).toBe("[%22rt%22%2C%22a.b.c%22]");
    expect(jar.get(`hexclave-refresh-${PID}--default`)).toMatch(/^\{%22refresh_token%22:%22rt%22%2C%22updated_at_millis%22:\d+\}$/);
    expect(await store.read()).toEqual({ accessToken: "a.b.c", refreshToken: "rt" });
    await store.write({ accessToken: null, refreshToken: null });
    expect(jar.size).toBe(0);
  });

  it("refuses the cookie store outside a browser when used (constructing it stays safe for SSR imports)", () => {
    const store = createTokenStore("cookie", PID)!;
    expect(() => store.read()).toThrow(/only works in a browser/);
  });
});

describe("request-like stores", () => {
  const tokens = { accessToken: "at", refreshToken: "rt" };
  it("reads Authorization bearer (stackauth_ and hexclave_), x-stack-auth, then cookies", () => {
    const b64 = btoa(JSON.stringify(tokens));
    expect(readTokensFromRequest(new Request("http://x/", { headers: { Authorization: `Bearer stackauth_${b64}` } }), PID)).toEqual(tokens);
    expect(readTokensFromRequest({ headers: { authorization: `Bearer hexclave_${b64}` } }, PID)).toEqual(tokens);
    expect(readTokensFromRequest({ headers: { "X-Stack-Auth": JSON.stringify(tokens) } }, PID)).toEqual(tokens);
    const cookie = `hexclave-refresh-${PID}--default=${enc({ refresh_token: "rt", updated_at_millis: 1 })}; hexclave-access=${enc(["rt", "at"])}`;
    expect(readTokensFromRequest({ headers: { cookie } }, PID)).toEqual(tokens);
    expect(readTokensFromRequest({ headers: { authorization: "Bearer something-else" } }, PID)).toEqual({ accessToken: null, refreshToken: null });
  });

  it("explicit stores and null", async () => {
    expect(await createTokenStore({ refreshToken: "r" }, PID)!.read()).toEqual({ accessToken: null, refreshToken: "r" });
    expect(createTokenStore(null, PID)).toBeNull();
  });

  it("decodes a JWT's exp without verifying", () => {
    const token = `x.${btoa(JSON.stringify({ exp: 123 })).replace(/=+$/, "")}.y`;
    expect(accessTokenExpiry(token)).toBe(123);
    expect(accessTokenExpiry("opaque")).toBeUndefined();
  });
});

describe("Session", () => {
  it("reports sign-in (even before any read), sign-out, and no change for the same token", async () => {
    const { Session } = await import("../../src/core/session.js");
    const session = new Session(createTokenStore("memory", PID)!, async () => null);
    const keys: string[] = [];
    session.onChange(() => keys.push(session.key));
    const first = session.key;
    await session.set({ accessToken: "a", refreshToken: "r" });
    await session.set({ accessToken: "a2", refreshToken: "r" });
    await session.set({ accessToken: null, refreshToken: null });
    expect(keys).toHaveLength(2);
    expect(new Set([first, ...keys]).size).toBe(3);
  });
});
