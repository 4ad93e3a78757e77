/**
 * `StackAdminApp` signed in as a project owner (`projectOwnerSession`, the official option's
 * function form): it sends the owner's admin access token in place of keys, as `@stackframe/js`
 * 2.8.108 does; it may run in a browser without keys, and a key in a browser is still refused.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { HttpResponse } from "msw";
import { StackAdminApp as OfficialAdminApp } from "@stackframe/js";
import { createWireRecorder } from "../fixtures/wire-recorder.js";
import { StackAdminApp } from "../../src/server.js";

const BASE = "http://owner-session.test";
const PID = "11111111-2222-4333-8444-555555555555";

const wire = createWireRecorder(BASE);
beforeAll(() => wire.server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  wire.reset();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});
afterAll(() => wire.server.close());

const page = { transactions: [], next_cursor: null };

/** An unsigned JWT of the shape of an access token (the official SDK drops strings that are not one). */
function jwtLike(sub: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const payload = {
    iss: "http://owner-session.test/api/v1/projects/internal",
    aud: "internal",
    sub,
    iat: 1_700_000_000,
    exp: 4_000_000_000,
    project_id: "internal",
    branch_id: "main",
    refresh_token_id: "rt",
    role: "authenticated",
    name: null,
    email: null,
    email_verified: false,
    selected_team_id: null,
    signed_up_at: 1_700_000_000,
    is_anonymous: false,
    is_restricted: false,
    restricted_reason: null,
    requires_totp_mfa: false,
  };
  return `${part({ alg: "ES256", typ: "JWT" })}.${part(payload)}.c2ln`;
}

function stubBrowser() {
  vi.stubGlobal("window", {});
  vi.stubGlobal("document", { cookie: "" });
}

/** The credential headers of a request, in our spelling (the official SDK sends `x-hexclave-*`). */
function credentials(headers: Record<string, string>) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const n = name.replace(/^x-hexclave-/, "x-stack-");
    if (/^x-stack-(access-type|admin-access-token|super-secret-admin-key|secret-server-key|publishable-client-key|project-id)$/.test(n) && value !== "") out[n] = value;
  }
  return out;
}

describe("projectOwnerSession", () => {
  it("sends the owner's admin access token and no key, with the same credential headers as the official SDK", async () => {
    wire.answer = () => HttpResponse.json(page);
    const token = jwtLike("owner");
    await new StackAdminApp({ baseUrl: BASE, projectId: PID, projectOwnerSession: async () => token, retry: false }).listTransactions({ limit: 5 });
    await new OfficialAdminApp({ baseUrl: BASE, projectId: PID, tokenStore: null, projectOwnerSession: async () => token, noAutomaticPrefetch: true } as never).listTransactions({
      limit: 5,
    });
    expect(wire.seen).toHaveLength(2);
    const [ours, official] = wire.seen.map((r) => credentials(r.headers));
    expect(ours).toEqual({ "x-stack-access-type": "admin", "x-stack-project-id": PID, "x-stack-admin-access-token": token });
    expect(ours).toEqual(official);
    expect(wire.seen[0]!.path).toBe(wire.seen[1]!.path);
    // No key, and no Idempotency-Key (not in the hosted API's CORS allow-list for browsers).
    expect(wire.seen[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("asks the session before every request, so a refreshed token is used at once", async () => {
    wire.answer = () => HttpResponse.json(page);
    const tokens = ["first", "second"];
    const admin = new StackAdminApp({ baseUrl: BASE, projectId: PID, projectOwnerSession: async () => tokens.shift() ?? null, retry: false });
    await admin.listTransactions();
    await admin.listTransactions();
    await admin.listTransactions();
    expect(wire.seen.map((r) => r.headers["x-stack-admin-access-token"] ?? null)).toEqual(["first", "second", null]);
  });

  it("server-access calls of the admin app carry the token too (users, items, grants)", async () => {
    wire.answer = () => HttpResponse.json({ id: "credits", display_name: "Credits", quantity: 3 });
    const admin = new StackAdminApp({ baseUrl: BASE, projectId: PID, projectOwnerSession: async () => "owner-token", retry: false });
    await admin.getItem({ customCustomerId: "acme", itemId: "credits" });
    expect(credentials(wire.seen[0]!.headers)).toEqual({ "x-stack-access-type": "server", "x-stack-project-id": PID, "x-stack-admin-access-token": "owner-token" });
  });

  it("runs in a browser without keys, and ignores keys in the environment there", async () => {
    stubBrowser();
    vi.stubEnv("STACK_SUPER_SECRET_ADMIN_KEY", "sak_env");
    wire.answer = () => HttpResponse.json(page);
    const admin = new StackAdminApp({ baseUrl: BASE, projectId: PID, projectOwnerSession: async () => "owner-token", retry: false });
    await admin.listTransactions();
    expect(credentials(wire.seen[0]!.headers)).toEqual({ "x-stack-access-type": "admin", "x-stack-project-id": PID, "x-stack-admin-access-token": "owner-token" });
  });

  it("in a browser, still refuses any key (with or without a session), before sending anything", () => {
    stubBrowser();
    const session = async () => "owner-token";
    const cases: object[] = [
      { projectId: PID, superSecretAdminKey: "sak_x" },
      { projectId: PID, secretServerKey: "ssk_x", superSecretAdminKey: "sak_x" },
      { projectId: PID, projectOwnerSession: session, superSecretAdminKey: "sak_x" },
      { projectId: PID, projectOwnerSession: session, secretServerKey: "ssk_x" },
      {},
    ];
    for (const options of cases) {
      expect(() => new StackAdminApp({ baseUrl: BASE, ...options })).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR", message: expect.stringMatching(/browser/) }));
    }
    expect(() => new StackAdminApp({ baseUrl: BASE, projectId: PID, projectOwnerSession: session, superSecretAdminKey: "sak_x" })).toThrow(/pass only projectOwnerSession/);
    expect(wire.seen).toHaveLength(0);
  });

  it("refuses a session that is not a function, and a session together with an admin key", () => {
    expect(() => new StackAdminApp({ baseUrl: BASE, projectId: PID, projectOwnerSession: "token" as never })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("projectOwnerSession") }),
    );
    expect(() => new StackAdminApp({ baseUrl: BASE, projectId: PID, projectOwnerSession: async () => "t", superSecretAdminKey: "sak_x" })).toThrow(
      expect.objectContaining({ code: "CONFIGURATION_ERROR", message: expect.stringContaining("not both") }),
    );
  });

  it("passes the session's own failure through unchanged, sending nothing", async () => {
    const failure = new Error("signed out");
    const admin = new StackAdminApp({ baseUrl: BASE, projectId: PID, projectOwnerSession: () => Promise.reject(failure), retry: false });
    await expect(admin.listTransactions()).rejects.toBe(failure);
    expect(wire.seen).toHaveLength(0);
  });
});
