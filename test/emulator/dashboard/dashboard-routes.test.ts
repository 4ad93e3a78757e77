/**
 * The dashboard's emulator routes over the emulator's fetch handler: the admin-session exchange
 * (an internal-project user who manages the project, whose admin access token stands in for the
 * key), the activity log (no secrets), the admin event stream, the custom customers listing, the
 * refusal of client and server keys with the hosted API's errors, and the page and its assets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../../src/emulator/create-emulator.js";
import type { EmulatorProject } from "../../../src/emulator/defaults.js";
import { INTERNAL_PROJECT } from "../../../src/emulator/projects/store.js";
import { createProjectEmulator } from "../../../src/testing.js";

const BASE = "http://dashboard.test";

let emulator: Emulator;
let project: EmulatorProject;
let other: EmulatorProject;

beforeAll(async () => {
  emulator = createProjectEmulator({
    config: { items: { credits: { customerType: "user" }, calls: { displayName: "API calls", customerType: "custom" } } },
  });
  await emulator.ready;
  project = emulator.project;
  other = await emulator.createProject({ displayName: "Other" });
});
afterAll(async () => {
  await emulator.deleteProject(other.id);
  await emulator.close();
});

type Headers = Record<string, string>;
const admin = (p: EmulatorProject = project): Headers => ({ "x-stack-access-type": "admin", "x-stack-project-id": p.id, "x-stack-super-secret-admin-key": p.superSecretAdminKey });
const server = (p: EmulatorProject = project): Headers => ({ "x-stack-access-type": "server", "x-stack-project-id": p.id, "x-stack-secret-server-key": p.secretServerKey });
const client = (p: EmulatorProject = project): Headers => ({ "x-stack-access-type": "client", "x-stack-project-id": p.id, "x-stack-publishable-client-key": p.publishableClientKey });
const owner = (token: string, p: EmulatorProject = project, accessType = "admin"): Headers => ({ "x-stack-access-type": accessType, "x-stack-project-id": p.id, "x-stack-admin-access-token": token });

async function call(method: string, path: string, headers: Headers, body?: unknown, init: { root?: boolean } = {}) {
  const h: Headers = { ...headers };
  if (body !== undefined) h["content-type"] = "application/json";
  const res = await emulator.fetch(new Request(`${BASE}${init.root ? "" : "/api/v1"}${path}`, { method, headers: h, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

async function signIn(p: EmulatorProject = project) {
  const res = await call("POST", "/internal/emulator/admin-session", admin(p), {});
  expect(res.status, res.text).toBe(200);
  return res.json as { access_token: string; refresh_token: string; user_id: string; internal_project_id: string; project: { id: string; display_name: string } };
}

async function dashboardUsersOf(projectId: string): Promise<number> {
  const rows = await emulator.db.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE project_id = $1 AND server_metadata->>'emulator_dashboard_for' = $2", [INTERNAL_PROJECT.id, projectId]);
  return Number(rows[0]!.n);
}

describe("POST /internal/emulator/admin-session", () => {
  it("exchanges the admin key for a session whose admin access token works in place of the key, for admin and server calls", async () => {
    const session = await signIn();
    expect(session.internal_project_id).toBe(INTERNAL_PROJECT.id);
    expect(session.project).toEqual({ id: project.id, display_name: project.displayName });
    const config = await call("GET", "/internal/config", owner(session.access_token));
    expect(config.status, config.text).toBe(200);
    const users = await call("GET", "/users", owner(session.access_token, project, "server"));
    expect(users.status, users.text).toBe(200);
    // No key anywhere in those requests: the token alone authorized them.
  });

  it("signs in as an internal-project user who manages the project, the same one every time", async () => {
    const first = await signIn();
    const second = await signIn();
    expect(second.user_id).toBe(first.user_id);
    const internalClient = { "x-stack-access-type": "client", "x-stack-project-id": INTERNAL_PROJECT.id, "x-stack-publishable-client-key": INTERNAL_PROJECT.publishableClientKey };
    const projects = await call("GET", "/internal/projects", { ...internalClient, "x-stack-access-token": first.access_token });
    expect(projects.status, projects.text).toBe(200);
    expect(projects.json.items.map((p: { id: string }) => p.id)).toContain(project.id);
    const current = await call("GET", "/internal/projects/current", admin());
    expect(current.json.owner_team_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await dashboardUsersOf(project.id)).toBe(1);
  });

  it("renews the access token with the refresh token, through the internal project's OAuth route, until signed out", async () => {
    const session = await signIn();
    const form = (refreshToken: string) =>
      new Request(`${BASE}/api/v1/auth/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: INTERNAL_PROJECT.id, client_secret: "__stack_public_client__" }).toString(),
      });
    const renewed = await emulator.fetch(form(session.refresh_token));
    expect(renewed.status).toBe(200);
    const { access_token } = (await renewed.json()) as { access_token: string };
    expect((await call("GET", "/internal/config", owner(access_token))).status).toBe(200);
    const signOut = await call("DELETE", "/auth/sessions/current", {
      "x-stack-access-type": "client",
      "x-stack-project-id": INTERNAL_PROJECT.id,
      "x-stack-access-token": access_token,
    });
    expect(signOut.status, signOut.text).toBe(200);
    expect((await emulator.fetch(form(session.refresh_token))).status).not.toBe(200);
  });

  it("an owner of one project is not an admin of another", async () => {
    const session = await signIn();
    const refused = await call("GET", "/internal/config", owner(session.access_token, other));
    expect(refused.status).toBe(401);
    expect(refused.json.code).toBe("ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN");
  });

  it("refuses other credentials and bad bodies with the hosted API's errors, and makes no user or owner team", async () => {
    const fresh = await emulator.createProject({ displayName: "Fresh" });
    try {
      const path = "/internal/emulator/admin-session";
      const cases: Array<[Headers, unknown, number, string]> = [
        [client(fresh), {}, 401, "INSUFFICIENT_ACCESS_TYPE"],
        [server(fresh), {}, 401, "INSUFFICIENT_ACCESS_TYPE"],
        [{ ...admin(fresh), "x-stack-super-secret-admin-key": fresh.secretServerKey }, {}, 401, "INVALID_SUPER_SECRET_ADMIN_KEY"],
        [{ "x-stack-access-type": "admin", "x-stack-project-id": fresh.id }, {}, 401, "ADMIN_AUTHENTICATION_REQUIRED"],
        [admin(fresh), { super_secret_admin_key: "x" }, 400, "SCHEMA_ERROR"],
      ];
      for (const [headers, body, status, code] of cases) {
        const res = await call("POST", path, headers, body);
        expect([res.status, res.json?.code], res.text).toEqual([status, code]);
      }
      const token = (await signIn(project)).access_token;
      const withToken = await call("POST", path, owner(token, fresh));
      expect(withToken.status).toBe(401);
      expect(withToken.json.code).toBe("ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN");
      const own = await signIn(project);
      const minted = await call("POST", path, owner(own.access_token));
      expect(minted.status).toBe(400);
      expect(minted.text).toContain("super secret admin key");
      expect(await dashboardUsersOf(fresh.id)).toBe(0);
      expect((await call("GET", "/internal/projects/current", admin(fresh))).json.owner_team_id).toBeNull();
    } finally {
      await emulator.deleteProject(fresh.id);
    }
  });
});

describe("GET /internal/emulator/activity", () => {
  it("lists the project's answered requests (method, path, access type, status, known error), never a key, token, query or body", async () => {
    const session = await signIn();
    const userId = (await call("POST", "/users", server(), { display_name: "Activity" })).json.id as string;
    await call("GET", `/payments/items/user/${userId}/nope?cursor=query-secret`, server());
    await call("GET", "/projects/current", { ...client(), "x-stack-publishable-client-key": "pck_wrong_key_for_activity" });
    await call("GET", `/payments/items/user/${userId}/nope`, { ...server(), "x-stack-override-error-status": "true" });
    await call("POST", `/payments/items/user/${userId}/credits/update-quantity?allow_negative=true`, { ...owner(session.access_token), "x-stack-emulator-dashboard": "1" }, { delta: 5, description: "body-secret" });
    const res = await call("GET", "/internal/emulator/activity", admin());
    expect(res.status, res.text).toBe(200);
    const requests = res.json.requests as Array<Record<string, unknown>>;
    const mine = requests.filter((r) => String(r.path).includes(userId));
    expect(mine.map((r) => [r.method, r.path, r.access_type, r.status, r.known_error, r.source])).toEqual([
      ["GET", `/api/v1/payments/items/user/${userId}/nope`, "server", 404, "ITEM_NOT_FOUND", "app"],
      // The override turned the 404 into a 200 for the caller; the log keeps the real status.
      ["GET", `/api/v1/payments/items/user/${userId}/nope`, "server", 404, "ITEM_NOT_FOUND", "app"],
      ["POST", `/api/v1/payments/items/user/${userId}/credits/update-quantity`, "admin", 200, null, "dashboard"],
    ]);
    const refusedKey = requests.find((r) => r.path === "/api/v1/projects/current" && r.status === 401);
    expect(refusedKey?.known_error).toBe("INVALID_PUBLISHABLE_CLIENT_KEY");
    const text = JSON.stringify(res.json);
    for (const secret of [project.secretServerKey, project.superSecretAdminKey, "pck_wrong_key_for_activity", session.access_token, "query-secret", "body-secret"]) {
      expect(text).not.toContain(secret);
    }
    expect(res.json.resume_id).toMatch(/^\d+\.\d+$/);
  });

  it("keeps each project's log to itself", async () => {
    await call("GET", "/payments/items/user/00000000-0000-4000-8000-000000000000/other-project-item", server(other));
    const mine = await call("GET", "/internal/emulator/activity", admin());
    expect(JSON.stringify(mine.json)).not.toContain("other-project-item");
    const theirs = await call("GET", "/internal/emulator/activity", admin(other));
    expect(JSON.stringify(theirs.json)).toContain("other-project-item");
  });
});

/** Opens the admin event stream and collects its events. */
async function openAdminStream(headers: Headers) {
  const controller = new AbortController();
  const res = await emulator.fetch(new Request(`${BASE}/api/v1/internal/emulator/admin-events`, { headers, signal: controller.signal }));
  const events: Array<{ id: string; event: string; data: any }> = [];
  let buffer = "";
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      buffer += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const data = field("data");
        if (data !== undefined) events.push({ id: field("id") ?? "", event: field("event") ?? "message", data: JSON.parse(data) });
      }
    }
  })().catch(() => {});
  const waitFor = async (predicate: () => boolean) => {
    for (let t = 0; t < 200 && !predicate(); t++) await new Promise((r) => setTimeout(r, 25));
  };
  const close = async () => {
    await reader.cancel().catch(() => {});
    controller.abort();
    await done;
  };
  return { res, events, waitFor, close };
}

describe("GET /internal/emulator/admin-events", () => {
  it("pushes the project's payments events (with the new quantity) and its activity, resumable by id", async () => {
    const session = await signIn();
    const stream = await openAdminStream(owner(session.access_token));
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const customer = `cust-${crypto.randomUUID()}`;
    await call("POST", `/payments/items/custom/${customer}/calls/update-quantity?allow_negative=false`, server(), { delta: 7 });
    await stream.waitFor(() => stream.events.some((e) => e.event === "payments") && stream.events.some((e) => e.event === "activity" && String(e.data.path).includes(customer)));
    await stream.close();
    const payments = stream.events.find((e) => e.event === "payments")!;
    expect(payments.data).toMatchObject({ customer_type: "custom", customer_id: customer, kind: "item", item_id: "calls", item: { display_name: "API calls", quantity: 7 } });
    const activity = stream.events.find((e) => e.event === "activity" && String(e.data.path).includes(customer))!;
    expect(activity.data).toMatchObject({ method: "POST", access_type: "server", status: 200, source: "app" });
    for (const e of stream.events) expect(e.id).toMatch(/^\d+\.\d+$/);

    // Resuming after the payments event replays what came after it, not it.
    const resumed = await openAdminStream({ ...owner(session.access_token), "last-event-id": payments.id });
    await call("POST", `/payments/items/custom/${customer}/calls/update-quantity?allow_negative=false`, server(), { delta: 1 });
    await resumed.waitFor(() => resumed.events.some((e) => e.event === "payments"));
    await resumed.close();
    expect(resumed.events.filter((e) => e.event === "payments").map((e) => e.data.item.quantity)).toEqual([8]);
  });

  it("refuses a Last-Event-ID it did not send, naming it", async () => {
    const res = await call("GET", "/internal/emulator/admin-events", { ...admin(), "last-event-id": "abc" });
    expect(res.status).toBe(400);
    expect(res.text).toContain("Last-Event-ID");
  });
});

describe("GET /internal/emulator/custom-customers", () => {
  it("lists the custom customers the project's ledger knows, newest activity first, by part of the id", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await call("POST", `/payments/items/custom/acme-${tag}/calls/update-quantity?allow_negative=false`, server(), { delta: 1 });
    await call("POST", `/payments/items/custom/beta-${tag}/calls/update-quantity?allow_negative=false`, server(), { delta: 1 });
    await call("POST", `/payments/items/custom/elsewhere-${tag}/calls/update-quantity?allow_negative=true`, server(other), { delta: 1 }).catch(() => {});
    const all = await call("GET", `/internal/emulator/custom-customers?query=${tag}`, admin());
    expect(all.status, all.text).toBe(200);
    expect(all.json.items.map((c: { id: string }) => c.id)).toEqual([`beta-${tag}`, `acme-${tag}`]);
    const some = await call("GET", `/internal/emulator/custom-customers?query=ACME-${tag}`, admin());
    expect(some.json.items.map((c: { id: string }) => c.id)).toEqual([`acme-${tag}`]);
    const bad = await call("GET", "/internal/emulator/custom-customers?limit=0", admin());
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("SCHEMA_ERROR");
    expect(bad.json.details.message).toContain("query.limit");
  });
});

describe("access", () => {
  const routes: Array<[string, string]> = [
    ["GET", "/internal/emulator/activity"],
    ["GET", "/internal/emulator/admin-events"],
    ["GET", "/internal/emulator/custom-customers"],
    ["POST", "/internal/emulator/admin-session"],
  ];
  it("every dashboard route refuses client and server keys with INSUFFICIENT_ACCESS_TYPE, and no access type with ACCESS_TYPE_REQUIRED", async () => {
    for (const [method, path] of routes) {
      for (const [headers, actual] of [
        [client(), "client"],
        [server(), "server"],
      ] as const) {
        const res = await call(method, path, headers, method === "POST" ? {} : undefined);
        expect([path, res.status, res.json?.code, res.json?.details?.actual_access_type], res.text).toEqual([path, 401, "INSUFFICIENT_ACCESS_TYPE", actual]);
      }
      const none = await call(method, path, {}, method === "POST" ? {} : undefined);
      expect([path, none.json?.code]).toEqual([path, "ACCESS_TYPE_REQUIRED"]);
    }
  });
});

describe("GET /dashboard", () => {
  it("serves the page with its security headers, and its assets by content hash with long caching", async () => {
    const page = await call("GET", "/dashboard", {}, undefined, { root: true });
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const config = JSON.parse(/<script type="application\/json" id="dashboard-config">(.*?)<\/script>/.exec(page.text)![1]!);
    // The worker's emulator serves the documented development project: its documented key is pre-filled.
    expect(config).toEqual({ defaultProjectId: "00000000-0000-4000-8000-00000000e001", documentedAdminKey: "sak_devkeysak000000000000000000000000000000000001" });
    const js = /src="(\/dashboard\/assets\/app\.js\?v=([0-9a-f]+))"/.exec(page.text)!;
    const asset = await emulator.fetch(new Request(`${BASE}${js[1]}`));
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await asset.text()).length).toBeGreaterThan(1000);
    const etag = asset.headers.get("etag")!;
    expect((await emulator.fetch(new Request(`${BASE}${js[1]}`, { headers: { "if-none-match": etag } }))).status).toBe(304);
    const unversioned = await emulator.fetch(new Request(`${BASE}/dashboard/assets/app.js`));
    expect(unversioned.headers.get("cache-control")).toBe("no-cache");
    const css = await emulator.fetch(new Request(`${BASE}/dashboard/assets/app.css`));
    expect(css.headers.get("content-type")).toContain("text/css");
    expect((await emulator.fetch(new Request(`${BASE}/dashboard/assets/../../package.json`))).status).toBe(404);
    expect((await emulator.fetch(new Request(`${BASE}/dashboard/assets/secrets.js`))).status).toBe(404);
  }, 60_000);
});
