// Two projects of one emulator: every project has its own config, keys, users, teams, ledger,
// signing keys and clock, and no request of one may read or change another's data.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { EmulatorProject } from "../../../src/emulator/defaults.js";
import { getWorkerEmulator } from "../../../src/testing.js";
import { byKey, caller, type Auth } from "./hosted-flow.js";

const emulator = getWorkerEmulator();
const call = caller(emulator);
let a: EmulatorProject;
let b: EmulatorProject;

const CONFIG = {
  items: { credits: { displayName: "Credits", customerType: "user" as const }, seats: { displayName: "Seats", customerType: "custom" as const } },
  products: {
    pack: { displayName: "Pack", customerType: "user" as const, stackable: true, prices: { once: { USD: "5" } }, includedItems: { credits: { quantity: 10 } } },
  },
};

beforeAll(async () => {
  a = await emulator.createProject({ displayName: "A", config: CONFIG });
  // B has no `credits` item at all: its config is its own.
  b = await emulator.createProject({ displayName: "B", config: { items: { seats: { displayName: "Seats", customerType: "custom" } } } });
});
afterAll(async () => {
  await emulator.deleteProject(a.id);
  await emulator.deleteProject(b.id);
});

const server = (p: EmulatorProject): Auth => byKey(p.id, "server", p.secretServerKey);
const client = (p: EmulatorProject, token?: string): Auth => ({
  ...byKey(p.id, "client", p.publishableClientKey),
  "x-stack-allow-anonymous-user": "true",
  ...(token ? { "x-stack-access-token": token } : {}),
});

async function userOf(p: EmulatorProject) {
  const user = await call("POST", "/users", server(p), { display_name: `user of ${p.displayName}` });
  const session = await call("POST", "/auth/sessions", server(p), { user_id: user.json.id });
  return { id: user.json.id as string, accessToken: session.json.access_token as string, refreshToken: session.json.refresh_token as string };
}

describe("keys and tokens belong to one project", () => {
  test("one project's keys are refused by another", async () => {
    const cases: Array<[Auth, string]> = [
      [byKey(b.id, "client", a.publishableClientKey), "INVALID_PUBLISHABLE_CLIENT_KEY"],
      [byKey(b.id, "server", a.secretServerKey), "INVALID_SECRET_SERVER_KEY"],
      [byKey(b.id, "admin", a.superSecretAdminKey), "INVALID_SUPER_SECRET_ADMIN_KEY"],
    ];
    for (const [auth, code] of cases) {
      const res = await call("GET", "/projects/current", auth);
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ code, details: { project_id: b.id } });
    }
    expect((await call("GET", "/projects/current", client(a))).json.display_name).toBe("A");
    expect((await call("GET", "/projects/current", client(b))).json.display_name).toBe("B");
  });

  test("a user's tokens work only in their project; re-labelled tokens fail the other project's signing keys", async () => {
    const user = await userOf(a);
    const wrongProject = await call("GET", "/users/me", client(b, user.accessToken));
    expect(wrongProject.status).toBe(401);
    expect(wrongProject.json).toMatchObject({ code: "INVALID_PROJECT_FOR_ACCESS_TOKEN", details: { expected_project_id: b.id, actual_project_id: a.id } });
    const [header, payload, signature] = user.accessToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const relabelled = [header, Buffer.from(JSON.stringify({ ...claims, project_id: b.id, aud: b.id, iss: claims.iss.replace(a.id, b.id) })).toString("base64url"), signature].join(".");
    expect((await call("GET", "/users/me", client(b, relabelled))).json.code).toBe("UNPARSABLE_ACCESS_TOKEN");
    // Refresh tokens and the OAuth grant are looked up in the caller's project only.
    const refresh = await call("POST", "/auth/sessions/current/refresh", { ...client(b), "x-stack-refresh-token": user.refreshToken });
    expect(refresh.json.code).toBe("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    const grant = await call("POST", "/auth/oauth/token", {}, { grant_type: "refresh_token", refresh_token: user.refreshToken, client_id: b.id, client_secret: b.publishableClientKey });
    expect(grant.json.code).toBe("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    expect((await call("POST", "/auth/oauth/token", {}, { grant_type: "refresh_token", refresh_token: user.refreshToken, client_id: a.id, client_secret: a.publishableClientKey })).status).toBe(200);
    // Each project signs with its own keys.
    const jwksA = await call("GET", `/projects/${a.id}/.well-known/jwks.json`, {});
    const jwksB = await call("GET", `/projects/${b.id}/.well-known/jwks.json`, {});
    const kids = (j: { keys: Array<{ kid: string }> }) => j.keys.map((k) => k.kid);
    expect(kids(jwksA.json).some((k) => kids(jwksB.json).includes(k))).toBe(false);
  });
});

describe("users, teams and sessions", () => {
  test("another project's user cannot be read, changed, deleted, listed or signed in as", async () => {
    const user = await userOf(a);
    for (const [method, body] of [["GET", undefined], ["PATCH", { display_name: "taken over" }], ["DELETE", undefined]] as const) {
      const res = await call(method, `/users/${user.id}`, server(b), body);
      expect(res.status).toBe(404);
      expect(res.json.code).toBe("USER_NOT_FOUND");
    }
    expect((await call("GET", "/users", server(b))).json.items.map((u: { id: string }) => u.id)).not.toContain(user.id);
    expect((await call("POST", "/auth/sessions", server(b), { user_id: user.id })).json.code).toBe("USER_ID_DOES_NOT_EXIST");
    expect((await call("GET", `/auth/sessions?user_id=${user.id}`, server(b))).json.items).toEqual([]);
    // Untouched in its own project.
    expect((await call("GET", `/users/${user.id}`, server(a))).json.display_name).toBe("user of A");
    expect((await call("GET", `/auth/sessions?user_id=${user.id}`, server(a))).json.items).toHaveLength(1);
  });

  test("another project's team cannot be read, joined, changed or deleted", async () => {
    const team = await call("POST", "/teams", server(a), { display_name: "A team" });
    const userB = await userOf(b);
    expect((await call("GET", `/teams/${team.json.id}`, server(b))).json.code).toBe("TEAM_NOT_FOUND");
    expect((await call("PATCH", `/teams/${team.json.id}`, server(b), { display_name: "x" })).json.code).toBe("TEAM_NOT_FOUND");
    expect((await call("DELETE", `/teams/${team.json.id}`, server(b))).json.code).toBe("TEAM_NOT_FOUND");
    expect((await call("POST", `/team-memberships/${team.json.id}/${userB.id}`, server(b), {})).json.code).toBe("TEAM_NOT_FOUND");
    expect((await call("GET", "/teams", server(b))).json.items.map((t: { id: string }) => t.id)).not.toContain(team.json.id);
    expect((await call("GET", `/teams/${team.json.id}`, server(a))).json.display_name).toBe("A team");
  });
});

describe("payments", () => {
  test("ledgers are per project, even for the same custom customer id; config decides items per project", async () => {
    const customer = `shared-${crypto.randomUUID()}`;
    expect((await call("POST", `/payments/items/custom/${customer}/seats/update-quantity?allow_negative=false`, server(a), { delta: 7 })).status).toBe(200);
    expect((await call("GET", `/payments/items/custom/${customer}/seats`, server(b))).json.quantity).toBe(0);
    expect((await call("GET", `/payments/items/custom/${customer}/seats`, server(a))).json.quantity).toBe(7);
    const userA = await userOf(a);
    expect((await call("GET", `/payments/items/user/${userA.id}/credits`, server(b))).json.code).toBe("ITEM_NOT_FOUND");
    // B cannot write into A's customers.
    expect((await call("POST", `/payments/products/user/${userA.id}`, server(b), { product_inline: { display_name: "x", customer_type: "user", prices: {} } })).json.code).toBe("USER_NOT_FOUND");
    const bTransactions = await call("GET", "/internal/payments/transactions", byKey(b.id, "admin", b.superSecretAdminKey));
    expect(JSON.stringify(bTransactions.json)).not.toContain(customer);
  });

  test("a purchase code names its project: completing it grants in that project only", async () => {
    const userA = await userOf(a);
    const url = await call("POST", "/payments/purchases/create-purchase-url", server(a), { customer_type: "user", customer_id: userA.id, product_id: "pack" });
    const code = (url.json.url as string).split("/purchase/")[1]!;
    expect(code.startsWith(`${a.id}_`)).toBe(true);
    expect((await call("POST", "/payments/purchases/validate-code", {}, { full_code: code })).json.project_id).toBe(a.id);
    expect((await call("POST", "/internal/payments/test-mode-purchase-session", {}, { full_code: code, price_id: "once" })).status).toBe(200);
    expect((await call("GET", `/payments/items/user/${userA.id}/credits`, server(a))).json.quantity).toBe(10);
    expect(await emulator.db.query("SELECT 1 FROM payments_purchases WHERE project_id = $1", [b.id])).toEqual([]);
  });

  test("a live event stream cannot be opened on another project's customer", async () => {
    const userA = await userOf(a);
    const res = await call("GET", `/payments/events/user/${userA.id}`, server(b));
    expect(res.status).toBe(404);
    expect(res.json.code).toBe("USER_NOT_FOUND");
  });
});

describe("clock and idempotency", () => {
  test("each project has its own clock", async () => {
    const before = (await call("GET", "/internal/emulator/clock", server(b))).json.now_millis as number;
    await call("POST", "/internal/emulator/clock/advance", server(a), { advance_millis: 30 * 86_400_000 });
    const aNow = (await call("GET", "/internal/emulator/clock", server(a))).json.now_millis as number;
    const bNow = (await call("GET", "/internal/emulator/clock", server(b))).json.now_millis as number;
    expect(aNow - bNow).toBeGreaterThan(29 * 86_400_000);
    expect(bNow - before).toBeLessThan(60_000);
  });

  test("the same idempotency key in two projects is two writes", async () => {
    const key = crypto.randomUUID();
    const customer = `idem-${crypto.randomUUID()}`;
    for (const p of [a, b]) {
      const res = await call("POST", `/payments/items/custom/${customer}/seats/update-quantity?allow_negative=false`, server(p), { delta: 2 }, { "idempotency-key": key });
      expect(res.headers.get("x-stack-idempotency")).toBe("applied");
    }
    expect((await call("GET", `/payments/items/custom/${customer}/seats`, server(a))).json.quantity).toBe(2);
    expect((await call("GET", `/payments/items/custom/${customer}/seats`, server(b))).json.quantity).toBe(2);
  });
});
