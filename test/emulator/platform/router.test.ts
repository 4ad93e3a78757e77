import * as z from "zod/mini";
import { afterAll, describe, expect, test } from "vitest";
import { createProjectEmulator } from "../../../src/testing.js";
import { ApiError, defineRoute, type Route } from "../../../src/emulator/http.js";
import { parseWith } from "../../../src/emulator/validate.js";
import { createApi } from "./api.js";

const echoSchema = z.strictObject({ delta: z.number(), note: z.optional(z.string()), id: z.optional(z.string().check(z.uuid())) });

const extraRoutes: Route[] = [
  { method: "POST", path: "/test/echo", access: "client", handler: async (ctx) => ({ body: ctx.body ?? null, access: ctx.accessType }) },
  { method: "POST", path: "/test/validate", access: "client", handler: async (ctx) => parseWith(ctx, echoSchema, ctx.body, "body") },
  {
    method: "GET",
    path: "/test/crash",
    access: "client",
    handler: async () => {
      throw new Error("kaboom");
    },
  },
  { method: "GET", path: "/test/server-only", access: "server", handler: async () => ({ ok: true }) },
  { method: "GET", path: "/test/admin-only", access: "admin", handler: async () => ({ ok: true }) },
  { method: "GET", path: "/test/open", access: "none", handler: async (ctx) => ({ access: ctx.accessType }) },
  { method: "GET", path: "/test/text-error", access: "client", handler: async () => Promise.reject(ApiError.text(403, "Nope, not yours.")) },
  { method: "GET", path: "/test/params/:a/:b", access: "client", handler: async (ctx) => ctx.params },
  { method: "GET", path: "/test/headers", access: "client", handler: async (ctx) => ({ nonce: ctx.header("x-stack-random-nonce"), version: ctx.apiVersion }) },
  defineRoute({
    method: "GET",
    path: "/test/typed/:n",
    access: "client",
    params: z.strictObject({ n: z.string().check(z.regex(/^\d+$/)) }),
    response: z.object({ doubled: z.number() }),
    // A wrong answer for n = 13, to show the answer check.
    handler: async (_ctx, { params }) => (params.n === "13" ? ({ doubled: "26" } as never) : { doubled: Number(params.n) * 2 }),
  }),
];

// Unexpected errors are reported here (the emulator's log), never in the answer.
const reported: { error: unknown; requestId: string; method: string; path: string }[] = [];
const emulator = createProjectEmulator({ extraRoutes, onUnexpectedError: (error, request) => reported.push({ error, ...request }) });
const { call, project } = createApi(emulator);
afterAll(() => emulator.close());

describe("response headers and format", () => {
  test("every answer carries request ids in both prefixes, no-store and the idempotency flag", async () => {
    const res = await call("GET", "/projects/current");
    expect(res.status).toBe(200);
    const id = res.headers.get("x-stack-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-hexclave-request-id")).toBe(id);
    expect(res.headers.get("cache-control")).toBe("no-store, max-age=0");
    expect(res.headers.get("x-stack-idempotency-supported")).toBe("true");
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const other = await call("GET", "/projects/current");
    expect(other.headers.get("x-stack-request-id")).not.toBe(id);
  });

  test("known errors: pretty JSON in code, details, error order with both known-error headers", async () => {
    const res = await call("GET", "/test/server-only", { access: "client" });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-stack-known-error")).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect(res.headers.get("x-hexclave-known-error")).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect(Object.keys(res.json)).toEqual(["code", "details", "error"]);
    expect(res.text).toBe(JSON.stringify(res.json, null, 2));
    expect(res.json.details).toEqual({ actual_access_type: "client", allowed_access_types: ["server", "admin"] });
    expect(res.json.error).toBe("The x-stack-access-type header must be 'server' or 'admin', but was 'client'.");
  });

  test("admin-only routes name the single allowed type", async () => {
    const res = await call("GET", "/test/admin-only", { access: "server" });
    expect(res.json.details).toEqual({ actual_access_type: "server", allowed_access_types: ["admin"] });
    expect((await call("GET", "/test/admin-only", { access: "admin" })).json).toEqual({ ok: true });
  });

  test("plain-text errors have no known-error header", async () => {
    const res = await call("GET", "/test/text-error");
    expect(res.status).toBe(403);
    expect(res.text).toBe("Nope, not yours.");
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("x-stack-known-error")).toBeNull();
  });

  test("override-error-status turns 4xx into 200 with the actual status in both headers", async () => {
    const res = await call("GET", "/test/server-only", { headers: { "x-stack-override-error-status": "true" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-stack-actual-status")).toBe("401");
    expect(res.headers.get("x-hexclave-actual-status")).toBe("401");
    expect(res.json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    const ok = await call("GET", "/projects/current", { headers: { "x-hexclave-override-error-status": "true" } });
    expect(ok.headers.get("x-stack-actual-status")).toBeNull();
  });

  test("5xx is never overridden; unexpected exceptions become 500 text with only the request id, details go to the log", async () => {
    const res = await call("GET", "/test/crash?q=1", { headers: { "x-stack-override-error-status": "true" } });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const requestId = res.headers.get("x-stack-request-id")!;
    expect(res.text).toBe(`Something went wrong. Please make sure the data you entered is correct.\n\nRequest ID: ${requestId}`);
    expect(res.text).not.toContain("kaboom");
    expect(res.text).not.toMatch(/\bat .*:\d+:\d+/);
    const logged = reported.find((r) => r.requestId === requestId)!;
    expect(logged).toMatchObject({ method: "GET", path: "/api/v1/test/crash?q=1" });
    expect((logged.error as Error).message).toBe("kaboom");
    // The emulator keeps serving.
    expect((await call("GET", "/projects/current")).status).toBe(200);
  });

  test("unknown routes are 404 text; a known path with another method is 405", async () => {
    const res = await call("GET", "/does/not/exist");
    expect(res.status).toBe(404);
    expect(res.text).toContain("/api/v1/does/not/exist");
    expect(res.headers.get("x-stack-request-id")).toBeTruthy();
    expect((await call("PUT", "/projects/current")).status).toBe(405);
    expect((await emulator.fetch(new Request("http://localhost/nothing"))).status).toBe(404);
    const health = await emulator.fetch(new Request("http://localhost/health"));
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
  });

  test("HEAD answers as GET would, headers and status, without a body", async () => {
    const headers = { "x-stack-access-type": "client", "x-stack-project-id": project.id };
    const get = await emulator.fetch(new Request("http://localhost/api/latest/projects/current", { headers }));
    const head = await emulator.fetch(new Request("http://localhost/api/latest/projects/current", { method: "HEAD", headers }));
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
    expect(head.headers.get("x-stack-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await head.text()).toBe("");
    const refused = await emulator.fetch(new Request("http://localhost/api/v1/test/server-only", { method: "HEAD", headers }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-stack-known-error")).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect(await refused.text()).toBe("");
    expect((await emulator.fetch(new Request("http://localhost/api/v1/test/echo", { method: "HEAD", headers }))).status).toBe(405);
  });

  test("declared routes get typed, validated input; answers are checked against their schema in tests", async () => {
    expect((await call("GET", "/test/typed/21")).json).toEqual({ doubled: 42 });
    const bad = await call("GET", "/test/typed/abc");
    expect(bad.status).toBe(400);
    expect(bad.json.details.message).toContain("params.n must match");
    const wrong = await call("GET", "/test/typed/13");
    expect(wrong.status).toBe(500);
    expect(wrong.text).not.toContain("answer.doubled");
    const logged = (reported.find((r) => r.requestId === wrong.headers.get("x-stack-request-id"))!.error as Error).message;
    expect(logged).toContain("The answer of GET /test/typed/:n does not match its schema");
    expect(logged).toContain("answer.doubled must be a `number` type");
  });

  test("both version prefixes serve the same routes; params are decoded", async () => {
    const v1 = await call("GET", "/test/headers", { version: "v1" });
    const latest = await call("GET", "/test/headers", { version: "latest" });
    expect(v1.json.version).toBe("v1");
    expect(latest.json.version).toBe("latest");
    const params = await call("GET", "/test/params/a%20b/%E2%9C%93");
    expect(params.json).toEqual({ a: "a b", b: "✓" });
  });
});

describe("CORS", () => {
  test("OPTIONS preflight allows both header prefixes and exposes the protocol headers", async () => {
    const res = await emulator.fetch(
      new Request("http://localhost/api/v1/payments/items/user/me/credits", {
        method: "OPTIONS",
        headers: { origin: "http://example.com", "access-control-request-method": "POST" },
      }),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
    const allowed = res.headers.get("access-control-allow-headers")!.split(/,\s*/);
    for (const h of ["x-stack-access-token", "x-hexclave-access-token", "x-hexclave-project-id", "content-type", "idempotency-key", "x-stack-override-error-status"])
      expect(allowed).toContain(h);
    const exposed = res.headers.get("access-control-expose-headers")!.split(/,\s*/);
    for (const h of ["content-type", "x-stack-actual-status", "x-hexclave-actual-status", "x-stack-known-error", "x-hexclave-known-error", "x-stack-request-id", "x-hexclave-request-id", "x-stack-idempotency", "x-stack-idempotency-supported"])
      expect(exposed).toContain(h);
  });
});

describe("header prefixes", () => {
  test("x-hexclave-* headers are read as x-stack-*", async () => {
    const res = await call("GET", "/test/headers", { prefix: "hexclave", headers: { "x-hexclave-random-nonce": "n1" } });
    expect(res.status).toBe(200);
    expect(res.json.nonce).toBe("n1");
    const server = await call("GET", "/test/server-only", { prefix: "hexclave", access: "server" });
    expect(server.json).toEqual({ ok: true });
  });
});

describe("bodies", () => {
  test("JSON, form-encoded, text and no body", async () => {
    expect((await call("POST", "/test/echo", { body: { a: 1 } })).json.body).toEqual({ a: 1 });
    const form = await call("POST", "/test/echo", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: undefined });
    expect(form.json.body).toBeNull();
    const res = await emulator.fetch(
      new Request("http://localhost/api/v1/test/echo", {
        method: "POST",
        headers: { "x-stack-access-type": "client", "x-stack-project-id": project.id, "content-type": "application/x-www-form-urlencoded" },
        body: "a=1&b=two",
      }),
    );
    expect((await res.json()).body).toEqual({ a: "1", b: "two" });
    const text = await emulator.fetch(
      new Request("http://localhost/api/v1/test/echo", {
        method: "POST",
        headers: { "x-stack-access-type": "client", "x-stack-project-id": project.id, "content-type": "text/plain" },
        body: "hello",
      }),
    );
    expect((await text.json()).body).toBe("hello");
  });

  test("invalid JSON is BODY_PARSING_ERROR 400", async () => {
    const res = await call("POST", "/test/echo", { headers: { "content-type": "application/json" }, body: undefined });
    expect(res.status).toBe(200);
    const bad = await emulator.fetch(
      new Request("http://localhost/api/v1/test/echo", {
        method: "POST",
        headers: { "x-stack-access-type": "client", "x-stack-project-id": project.id, "content-type": "application/json" },
        body: "{not json",
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-stack-known-error")).toBe("BODY_PARSING_ERROR");
    expect((await bad.json()).details.message).toContain("not valid JSON");
  });

  test("bodies over 1 MB are refused with 413 text", async () => {
    const big = JSON.stringify({ delta: 1, note: "x".repeat(1024 * 1024) });
    const res = await emulator.fetch(
      new Request("http://localhost/api/v1/test/echo", {
        method: "POST",
        headers: { "x-stack-access-type": "client", "x-stack-project-id": project.id, "content-type": "application/json" },
        body: big,
      }),
    );
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toContain("1048576");
  });

  test("schema errors list every problem naming the field", async () => {
    const res = await call("POST", "/test/validate", { body: { delta: "abc", foo: 1, id: "nope" } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("SCHEMA_ERROR");
    const message: string = res.json.details.message;
    expect(res.json.error).toBe(message);
    expect(message.split("\n")[0]).toBe("Request validation failed on POST /api/v1/test/validate:");
    expect(message).toContain("  - body contains unknown properties: foo");
    expect(message).toContain('  - body.delta must be a `number` type, but the final value was: `"abc"`.');
    expect(message).toContain("  - body.id must be a valid UUID");
    const missing = await call("POST", "/test/validate", { body: {} });
    expect(missing.json.details.message).toContain("body.delta must be defined");
    expect((await call("POST", "/test/validate", { body: { delta: 2 } })).json).toEqual({ delta: 2 });
  });
});

describe("project authentication", () => {
  const raw = (headers: Record<string, string>) => emulator.fetch(new Request("http://localhost/api/v1/projects/current", { headers }));

  test("no access type on a client route is ACCESS_TYPE_REQUIRED", async () => {
    const res = await call("GET", "/projects/current", { access: null });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("ACCESS_TYPE_REQUIRED");
  });

  test("each header problem gets its own known error", async () => {
    const cases: Array<[Record<string, string>, number, string, unknown]> = [
      [{ "x-stack-access-type": "root", "x-stack-project-id": project.id }, 400, "INVALID_ACCESS_TYPE", undefined],
      [{ "x-stack-access-type": "client" }, 400, "ACCESS_TYPE_WITHOUT_PROJECT_ID", { request_type: "client" }],
      [{ "x-stack-access-type": "client", "x-stack-project-id": "nope" }, 400, "CURRENT_PROJECT_NOT_FOUND", { project_id: "nope" }],
      [{ "x-stack-project-id": project.id, "x-stack-secret-server-key": project.secretServerKey }, 400, "PROJECT_KEY_WITHOUT_ACCESS_TYPE", undefined],
      [{ "x-stack-access-type": "client", "x-stack-project-id": project.id, "x-stack-publishable-client-key": "pck_wrong" }, 401, "INVALID_PUBLISHABLE_CLIENT_KEY", { project_id: project.id }],
      [{ "x-stack-access-type": "server", "x-stack-project-id": project.id }, 401, "SERVER_AUTHENTICATION_REQUIRED", undefined],
      [{ "x-stack-access-type": "server", "x-stack-project-id": project.id, "x-stack-secret-server-key": "" }, 401, "SERVER_AUTHENTICATION_REQUIRED", undefined],
      [{ "x-stack-access-type": "server", "x-stack-project-id": project.id, "x-stack-secret-server-key": project.publishableClientKey }, 401, "INVALID_SECRET_SERVER_KEY", { project_id: project.id }],
      [{ "x-stack-access-type": "admin", "x-stack-project-id": project.id }, 401, "ADMIN_AUTHENTICATION_REQUIRED", undefined],
      [{ "x-stack-access-type": "admin", "x-stack-project-id": project.id, "x-stack-super-secret-admin-key": project.secretServerKey }, 401, "INVALID_SUPER_SECRET_ADMIN_KEY", { project_id: project.id }],
    ];
    for (const [headers, status, code, details] of cases) {
      const res = await raw(headers);
      const body = await res.json();
      expect({ status: res.status, code: body.code }).toEqual({ status, code });
      expect(res.headers.get("x-stack-known-error")).toBe(code);
      if (details !== undefined) expect(body.details).toEqual(details);
    }
  });

  test("the publishable key is optional for clients unless the project requires it", async () => {
    const headers = { "x-stack-access-type": "client", "x-stack-project-id": project.id };
    expect((await raw(headers)).status).toBe(200);
    const set = (v: boolean) =>
      call("PATCH", "/internal/config/override/project", { access: "admin", body: { config_override_string: JSON.stringify({ "project.requirePublishableClientKey": v }) } });
    expect((await set(true)).status).toBe(200);
    try {
      const res = await raw(headers);
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe("PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT");
      expect((await raw({ ...headers, "x-stack-publishable-client-key": project.publishableClientKey })).status).toBe(200);
    } finally {
      await set(false);
    }
  });

  test("routes without project auth ignore bad auth headers", async () => {
    const res = await call("GET", "/test/open", { access: null, headers: { "x-stack-access-type": "bogus" } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ access: null });
  });
});
