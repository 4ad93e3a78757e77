/**
 * The emulator's admin payments routes over HTTP: every admin route refuses client and server
 * keys (and missing or wrong admin keys) with the hosted API's errors, changing nothing; the
 * payment-method configuration per project; the widget account session; and the config override
 * routes' access rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../../src/emulator/create-emulator.js";
import type { EmulatorProject } from "../../../src/emulator/defaults.js";
import type { Route } from "../../../src/emulator/http.js";
import { authRoutes } from "../../../src/emulator/auth/routes.js";
import { clockRoutes } from "../../../src/emulator/clock.js";
import { adminPaymentsRoutes } from "../../../src/emulator/payments/admin-routes.js";
import { paymentsRoutes } from "../../../src/emulator/payments/routes.js";
import { projectRoutes } from "../../../src/emulator/projects/routes.js";
import { PAYMENT_METHOD_IDS } from "../../../src/core/schemas/index.js";
import { createProjectEmulator } from "../../../src/testing.js";

const BASE = "http://emulator.test";

let emulator: Emulator;
/** Set up (Stripe account onboarded), as `createProject` makes them by default. */
let project: EmulatorProject;
/** A project before `POST /internal/payments/setup`. */
let bare: EmulatorProject;
let userToken: string;

beforeAll(async () => {
  emulator = createProjectEmulator({ config: { items: { credits: { customerType: "user" } } } });
  await emulator.ready;
  project = emulator.project;
  bare = await emulator.createProject({ payments: "not-set-up", displayName: "Bare" });
  const signUp = await call("POST", "/auth/anonymous/sign-up", { access: "client" });
  userToken = signUp.json.access_token;
});
afterAll(async () => {
  await emulator.deleteProject(bare.id);
  await emulator.close();
});

type Access = "client" | "client-user" | "server" | "admin" | "admin-no-key" | "admin-wrong-key" | "none";

function headersFor(access: Access, p: EmulatorProject): Record<string, string> {
  const base = { "x-stack-project-id": p.id };
  switch (access) {
    case "none":
      return {};
    case "client":
      return { ...base, "x-stack-access-type": "client", "x-stack-publishable-client-key": p.publishableClientKey, "x-stack-allow-anonymous-user": "true" };
    case "client-user":
      return { ...headersFor("client", p), "x-stack-access-token": userToken };
    case "server":
      return { ...base, "x-stack-access-type": "server", "x-stack-secret-server-key": p.secretServerKey };
    case "admin":
      return { ...base, "x-stack-access-type": "admin", "x-stack-super-secret-admin-key": p.superSecretAdminKey };
    case "admin-no-key":
      return { ...base, "x-stack-access-type": "admin" };
    case "admin-wrong-key":
      return { ...base, "x-stack-access-type": "admin", "x-stack-super-secret-admin-key": p.secretServerKey };
  }
}

async function call(method: string, path: string, o: { access?: Access; project?: EmulatorProject; body?: unknown } = {}) {
  const headers = headersFor(o.access ?? "admin", o.project ?? project);
  if (o.body !== undefined) headers["content-type"] = "application/json";
  const res = await emulator.fetch(new Request(`${BASE}/api/v1${path}`, { method, headers, ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }) }));
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

/** Every route of the emulator that only admins may call (whatever module declares it). */
const adminOnly: Route[] = [...authRoutes, ...projectRoutes, ...clockRoutes, ...paymentsRoutes, ...adminPaymentsRoutes].filter((r) => r.access === "admin");
const pathOf = (route: Route) => route.path.replace(/:([a-z_]+)/g, (_, name: string) => (name === "api_key_id" ? "00000000-0000-4000-8000-000000000000" : name === "level" ? "environment" : `x_${name}`));

describe("every admin route refuses every other caller, with the hosted API's errors", () => {
  it("covers the admin payments routes", () => {
    const paths = adminOnly.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      "POST /internal/payments/setup",
      "GET /internal/payments/stripe/account-info",
      "GET /internal/payments/method-configs",
      "PATCH /internal/payments/method-configs",
      "POST /internal/payments/stripe-widgets/account-session",
      "GET /internal/payments/transactions",
      "GET /internal/config",
      "GET /internal/projects/current",
    ]) {
      expect(paths).toContain(expected);
    }
  });

  const cases = adminOnly.flatMap((route) =>
    (["client", "client-user", "server"] as const).map((access) => [`${route.method} ${route.path} with ${access} access`, route, access] as const),
  );
  it.each(cases)("%s: INSUFFICIENT_ACCESS_TYPE", async (_, route, access) => {
    const r = await call(route.method, pathOf(route), { access, body: route.method === "GET" || route.method === "DELETE" ? undefined : {} });
    const actual = access === "server" ? "server" : "client";
    expect(r.status).toBe(401);
    expect(r.headers.get("x-stack-known-error")).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect(r.json).toEqual({
      code: "INSUFFICIENT_ACCESS_TYPE",
      details: { actual_access_type: actual, allowed_access_types: ["admin"] },
      error: `The x-stack-access-type header must be 'admin', but was '${actual}'.`,
    });
  });

  const authCases = adminOnly.flatMap((route) =>
    ([
      ["none", "ACCESS_TYPE_REQUIRED", 400],
      ["admin-no-key", "ADMIN_AUTHENTICATION_REQUIRED", 401],
      ["admin-wrong-key", "INVALID_SUPER_SECRET_ADMIN_KEY", 401],
    ] as const).map(([access, code, status]) => [`${route.method} ${route.path} with ${access}`, route, access, code, status] as const),
  );
  it.each(authCases)("%s", async (_, route, access, code, status) => {
    const r = await call(route.method, pathOf(route), { access, body: route.method === "GET" || route.method === "DELETE" ? undefined : {} });
    expect(r.status).toBe(status);
    expect(r.json?.code).toBe(code);
  });

  it("a refused write changes nothing", async () => {
    const before = await call("GET", "/internal/payments/method-configs");
    const configId = before.json.config_id as string;
    for (const access of ["client", "client-user", "server"] as const) {
      const r = await call("PATCH", "/internal/payments/method-configs", { access, body: { config_id: configId, updates: { card: "off" } } });
      expect(r.status).toBe(401);
    }
    expect((await call("GET", "/internal/payments/method-configs")).json).toEqual(before.json);
    const setup = await call("POST", "/internal/payments/setup", { access: "server", project: bare, body: {} });
    expect(setup.json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect((await call("GET", "/internal/payments/stripe/account-info", { project: bare })).json.code).toBe("STRIPE_ACCOUNT_INFO_NOT_FOUND");
  });

  it("config overrides: the environment level is the admin's (server keys only manage the branch level, clients nothing)", async () => {
    const patch = { config_override_string: JSON.stringify({ "payments.blockNewPurchases": true }) };
    const asServer = await call("PATCH", "/internal/config/override/environment", { access: "server", body: patch });
    expect([asServer.status, asServer.text]).toEqual([403, "Server access can only manage branch config overrides."]);
    const asClient = await call("PATCH", "/internal/config/override/environment", { access: "client", body: patch });
    expect(asClient.json).toMatchObject({ code: "INSUFFICIENT_ACCESS_TYPE", details: { actual_access_type: "client", allowed_access_types: ["server", "admin"] } });
    const config = JSON.parse((await call("GET", "/internal/config")).json.config_string);
    expect(config.payments.blockNewPurchases).toBe(false);
  });
});

describe("GET/PATCH /internal/payments/method-configs", () => {
  it("before payments setup: STRIPE_ACCOUNT_INFO_NOT_FOUND (an empty update succeeds without looking, as hosted)", async () => {
    const get = await call("GET", "/internal/payments/method-configs", { project: bare });
    expect(get.status).toBe(404);
    expect(get.json).toEqual({ code: "STRIPE_ACCOUNT_INFO_NOT_FOUND", error: "Stripe account information not found. Please make sure the user has onboarded with Stripe." });
    const patch = await call("PATCH", "/internal/payments/method-configs", { project: bare, body: { config_id: "pmc_x", updates: { card: "on" } } });
    expect(patch.json.code).toBe("STRIPE_ACCOUNT_INFO_NOT_FOUND");
    expect((await call("PATCH", "/internal/payments/method-configs", { project: bare, body: { config_id: "pmc_x", updates: {} } })).json).toEqual({ success: true });
  });

  it("lists every method once: available ones first, each group by name; card, wallets and Link on", async () => {
    const r = await call("GET", "/internal/payments/method-configs");
    expect(r.status).toBe(200);
    const { config_id, methods } = r.json as { config_id: string; methods: { id: string; name: string; enabled: boolean; available: boolean; overridable: boolean }[] };
    expect(config_id).toMatch(/^pmc_/);
    expect(methods.map((m) => m.id).sort()).toEqual([...PAYMENT_METHOD_IDS].sort());
    const firstUnavailable = methods.findIndex((m) => !m.available);
    expect(methods.slice(firstUnavailable).every((m) => !m.available)).toBe(true);
    for (const group of [methods.slice(0, firstUnavailable), methods.slice(firstUnavailable)]) {
      expect(group.map((m) => m.name)).toEqual([...group.map((m) => m.name)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    expect(methods.find((m) => m.id === "card")).toEqual({ id: "card", name: "Credit/Debit Card", enabled: true, available: true, overridable: true });
    expect(methods.filter((m) => m.enabled).map((m) => m.id).sort()).toEqual(["apple_pay", "card", "google_pay", "link"]);
  });

  it("turns methods on and off, for this project only", async () => {
    const other = await emulator.createProject();
    try {
      const { config_id } = (await call("GET", "/internal/payments/method-configs")).json;
      const r = await call("PATCH", "/internal/payments/method-configs", { body: { config_id, updates: { link: "off", klarna: "on" } } });
      expect(r.json).toEqual({ success: true });
      const after = (await call("GET", "/internal/payments/method-configs")).json.methods as { id: string; enabled: boolean }[];
      expect(after.find((m) => m.id === "link")!.enabled).toBe(false);
      expect(after.find((m) => m.id === "klarna")!.enabled).toBe(true);
      const untouched = (await call("GET", "/internal/payments/method-configs", { project: other })).json.methods as { id: string; enabled: boolean }[];
      expect(untouched.find((m) => m.id === "link")!.enabled).toBe(true);
      expect(untouched.find((m) => m.id === "klarna")!.enabled).toBe(false);
      // Back on: a later change replaces the earlier one.
      await call("PATCH", "/internal/payments/method-configs", { body: { config_id, updates: { link: "on" } } });
      expect(((await call("GET", "/internal/payments/method-configs")).json.methods as { id: string; enabled: boolean }[]).find((m) => m.id === "link")!.enabled).toBe(true);
    } finally {
      await emulator.deleteProject(other.id);
    }
  });

  it("bad updates are refused with the hosted messages and change nothing", async () => {
    const before = (await call("GET", "/internal/payments/method-configs")).json;
    const bad = async (body: unknown) => call("PATCH", "/internal/payments/method-configs", { body });
    const unknownMethod = await bad({ config_id: before.config_id, updates: { card: "off", invalid_method: "on" } });
    expect(unknownMethod.json.code).toBe("SCHEMA_ERROR");
    expect(unknownMethod.json.error).toBe(
      `Request validation failed on PATCH /api/v1/internal/payments/method-configs:\n  - body.updates must be one of the following values: ${PAYMENT_METHOD_IDS.join(", ")}`,
    );
    const badValue = await bad({ config_id: before.config_id, updates: { card: "enabled" } });
    expect(badValue.json.code).toBe("SCHEMA_ERROR");
    expect(badValue.json.error).toContain("body.updates.card must be one of the following values: on, off");
    expect((await bad({ updates: { card: "off" } })).json.error).toContain("body.config_id must be defined");
    expect((await bad({ config_id: before.config_id, updates: {}, extra: 1 })).json.error).toContain("body contains unknown properties: extra");
    const wrongConfig = await bad({ config_id: "pmc_someone_else", updates: { card: "off" } });
    expect(wrongConfig.status).toBe(404);
    expect(wrongConfig.text).toContain("pmc_someone_else");
    expect((await call("GET", "/internal/payments/method-configs")).json).toEqual(before);
  });
});

describe("POST /internal/payments/stripe-widgets/account-session", () => {
  it("a fresh client secret per session once the project has a Stripe account; plain 400 before", async () => {
    const a = await call("POST", "/internal/payments/stripe-widgets/account-session", { body: {} });
    const b = await call("POST", "/internal/payments/stripe-widgets/account-session", { body: {} });
    expect(a.status).toBe(200);
    expect(a.json.client_secret).toMatch(/^accs_secret__/);
    expect(b.json.client_secret).not.toBe(a.json.client_secret);
    const none = await call("POST", "/internal/payments/stripe-widgets/account-session", { project: bare, body: {} });
    expect([none.status, none.text, none.headers.get("x-stack-known-error")]).toEqual([400, "Stripe account ID is not set", null]);
  });
});
