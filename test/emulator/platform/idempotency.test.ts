import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createProjectEmulator } from "../../../src/testing.js";
import { ApiError, type Route } from "../../../src/emulator/http.js";
import { createApi } from "./api.js";

let release: (() => void) | undefined;

const extraRoutes: Route[] = [
  {
    method: "POST",
    path: "/test/counter/:name",
    access: "client",
    async handler(ctx) {
      const by = (ctx.body as { by?: number } | undefined)?.by ?? 1;
      const rows = await ctx.db.query<{ value: number }>(
        `INSERT INTO test_counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = test_counters.value + $2 RETURNING value`,
        [ctx.params.name, by],
      );
      return { value: rows[0]!.value };
    },
  },
  {
    method: "POST",
    path: "/test/slow",
    access: "client",
    async handler() {
      await new Promise<void>((r) => (release = r));
      return { done: true };
    },
  },
  {
    method: "POST",
    path: "/test/fails/:name",
    access: "client",
    async handler(ctx) {
      await ctx.db.query(`INSERT INTO test_counters (name, value) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET value = test_counters.value + 1`, [ctx.params.name]);
      throw ApiError.known("ITEM_NOT_FOUND", { item_id: "x" });
    },
  },
  {
    // Fails with a server error after its write the first time it is called for a name.
    method: "POST",
    path: "/test/crashes-once/:name",
    access: "client",
    async handler(ctx) {
      const rows = await ctx.db.query<{ value: number }>(
        `INSERT INTO test_counters (name, value) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET value = test_counters.value + 1 RETURNING value`,
        [ctx.params.name],
      );
      if (!crashed.has(ctx.params.name!)) {
        crashed.add(ctx.params.name!);
        throw new Error("the process failed after the write");
      }
      return { value: rows[0]!.value };
    },
  },
  {
    // Writes, then a statement of its own fails and it answers a 4xx anyway.
    method: "POST",
    path: "/test/swallows/:name",
    access: "client",
    async handler(ctx) {
      await ctx.db.query(`INSERT INTO test_counters (name, value) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET value = test_counters.value + 1`, [ctx.params.name]);
      try {
        await ctx.db.query(`INSERT INTO test_counters (name, value) VALUES ($1, 1)`, [ctx.params.name]);
      } catch {
        throw ApiError.text(400, "duplicate");
      }
      return {};
    },
  },
];
const crashed = new Set<string>();

const emulator = createProjectEmulator({ extraRoutes });
const api = createApi(emulator);
const { signedInUser } = api;
// Keyed writes need a caller identity; the project's secret server key is one.
const call: typeof api.call = (method, path, options = {}) => api.call(method, path, { access: "server", ...options });
beforeAll(async () => {
  await emulator.db.query("CREATE TABLE IF NOT EXISTS test_counters (name text PRIMARY KEY, value integer NOT NULL)");
});
afterAll(() => emulator.close());

const counter = async (name: string) =>
  (await emulator.db.query<{ value: number }>("SELECT value FROM test_counters WHERE name = $1", [name]))[0]?.value ?? 0;

describe("Idempotency-Key", () => {
  test("a repeat is not applied again and gets the first answer, marked replayed", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    const first = await call("POST", `/test/counter/${name}`, { body: { by: 5 }, headers: { "idempotency-key": key } });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-stack-idempotency")).toBe("applied");
    const second = await call("POST", `/test/counter/${name}`, { body: { by: 5 }, headers: { "idempotency-key": key } });
    expect(second.headers.get("x-stack-idempotency")).toBe("replayed");
    expect(second.json).toEqual(first.json);
    expect(second.text).toBe(first.text);
    expect(second.headers.get("x-stack-request-id")).not.toBe(first.headers.get("x-stack-request-id"));
    expect(await counter(name)).toBe(5);
    // Without a key every call applies.
    await call("POST", `/test/counter/${name}`, { body: { by: 5 } });
    expect(await counter(name)).toBe(10);
  });

  test("keys are scoped per caller identity", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    const a = await signedInUser();
    const b = await signedInUser();
    await call("POST", `/test/counter/${name}`, { access: "client", token: a.accessToken, body: { by: 1 }, headers: { "idempotency-key": key } });
    const other = await call("POST", `/test/counter/${name}`, { access: "client", token: b.accessToken, body: { by: 1 }, headers: { "idempotency-key": key } });
    expect(other.headers.get("x-stack-idempotency")).toBe("applied");
    expect(await counter(name)).toBe(2);
  });

  test("the same key with another body or path is 422 text naming the conflict", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    await call("POST", `/test/counter/${name}`, { body: { by: 1 }, headers: { "idempotency-key": key } });
    const body = await call("POST", `/test/counter/${name}`, { body: { by: 2 }, headers: { "idempotency-key": key } });
    expect(body.status).toBe(422);
    expect(body.text).toContain(key);
    expect(body.text).toContain("different body");
    const path = await call("POST", `/test/counter/other-${name}`, { body: { by: 1 }, headers: { "idempotency-key": key } });
    expect(path.status).toBe(422);
    expect(path.text).toContain(`POST /api/v1/test/counter/${name}`);
    expect(await counter(name)).toBe(1);
  });

  test("a repeat while the first is still running is 409 text", async () => {
    const key = crypto.randomUUID();
    const first = call("POST", "/test/slow", { body: {}, headers: { "idempotency-key": key } });
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const concurrent = await call("POST", "/test/slow", { body: {}, headers: { "idempotency-key": key } });
    expect(concurrent.status).toBe(409);
    expect(concurrent.text).toContain("still being processed");
    release();
    expect((await first).json).toEqual({ done: true });
    const after = await call("POST", "/test/slow", { body: {}, headers: { "idempotency-key": key } });
    expect(after.headers.get("x-stack-idempotency")).toBe("replayed");
  });

  test("error answers are stored and replayed too, with their headers and status override", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    const first = await call("POST", `/test/fails/${name}`, { body: {}, headers: { "idempotency-key": key } });
    expect(first.status).toBe(404);
    const again = await call("POST", `/test/fails/${name}`, { body: {}, headers: { "idempotency-key": key, "x-stack-override-error-status": "true" } });
    expect(again.status).toBe(200);
    expect(again.headers.get("x-stack-actual-status")).toBe("404");
    expect(again.headers.get("x-stack-known-error")).toBe("ITEM_NOT_FOUND");
    expect(again.json).toEqual(first.json);
    expect(await counter(name)).toBe(1);
  });

  test("GET ignores the key; every answer advertises support", async () => {
    const res = await call("GET", "/projects/current", { headers: { "idempotency-key": "k" } });
    expect(res.headers.get("x-stack-idempotency")).toBeNull();
    expect(res.headers.get("x-stack-idempotency-supported")).toBe("true");
  });

  test("10 concurrent requests with one key apply once", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => call("POST", `/test/counter/${name}`, { body: { by: 1 }, headers: { "idempotency-key": key } })));
    expect(await counter(name)).toBe(1);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect([200, 409]).toContain(r.status);
  });

  test("a failure storing the answer after the write keeps neither; a repeat applies the write once", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    // Storage refuses this key's answer (a real SQL error inside the write's transaction).
    const fn = `fail_store_${name.replace(/-/g, "")}`;
    await emulator.db.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.key = '${key}' AND NEW.status IS NOT NULL THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER ${fn} BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
    );
    try {
      const failed = await call("POST", `/test/counter/${name}`, { body: { by: 3 }, headers: { "idempotency-key": key } });
      expect(failed.status).toBe(500);
      expect(await counter(name)).toBe(0);
      expect(await emulator.db.query("SELECT 1 FROM idempotency_keys WHERE key = $1", [key])).toEqual([]);
    } finally {
      await emulator.db.query(`DROP TRIGGER ${fn} ON idempotency_keys; DROP FUNCTION ${fn}();`);
    }
    const retried = await call("POST", `/test/counter/${name}`, { body: { by: 3 }, headers: { "idempotency-key": key } });
    expect(retried.status).toBe(200);
    expect(retried.headers.get("x-stack-idempotency")).toBe("applied");
    const again = await call("POST", `/test/counter/${name}`, { body: { by: 3 }, headers: { "idempotency-key": key } });
    expect(again.headers.get("x-stack-idempotency")).toBe("replayed");
    expect(again.json).toEqual({ value: 3 });
    expect(await counter(name)).toBe(3);
  });

  test("a server error rolls the write back and is not stored; the repeat applies it once", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    const first = await call("POST", `/test/crashes-once/${name}`, { body: {}, headers: { "idempotency-key": key } });
    expect(first.status).toBe(500);
    expect(await counter(name)).toBe(0);
    const second = await call("POST", `/test/crashes-once/${name}`, { body: {}, headers: { "idempotency-key": key } });
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ value: 1 });
    const third = await call("POST", `/test/crashes-once/${name}`, { body: {}, headers: { "idempotency-key": key } });
    expect(third.headers.get("x-stack-idempotency")).toBe("replayed");
    expect(await counter(name)).toBe(1);
  });

  test("a route whose statement failed but which answered 4xx: its answer is stored, its work rolled back", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    const first = await call("POST", `/test/swallows/${name}`, { body: {}, headers: { "idempotency-key": key } });
    expect(first.status).toBe(400);
    expect(first.text).toBe("duplicate");
    const again = await call("POST", `/test/swallows/${name}`, { body: {}, headers: { "idempotency-key": key } });
    expect(again.status).toBe(400);
    expect(again.headers.get("x-stack-idempotency")).toBe("replayed");
    expect(await counter(name)).toBe(0);
  });

  test("a keyed write from a caller with no identity runs as on the hosted API, key ignored and said so", async () => {
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    const anonymous = await call("POST", `/test/counter/${name}`, { access: "client", body: { by: 1 }, headers: { "idempotency-key": key } });
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get("x-stack-idempotency")).toBe("ignored");
    expect(await counter(name)).toBe(1);
    // Nothing was stored under the key: a repeat is a new write, not a replay.
    const again = await call("POST", `/test/counter/${name}`, { access: "client", body: { by: 1 }, headers: { "idempotency-key": key } });
    expect(again.headers.get("x-stack-idempotency")).toBe("ignored");
    expect(await counter(name)).toBe(2);
  });

  test("two anonymous sign-ups with one key never share a session: each caller gets its own", async () => {
    const key = crypto.randomUUID();
    const signUp = () => call("POST", "/auth/anonymous/sign-up", { access: "client", body: {}, headers: { "idempotency-key": key } });
    const [a, b] = [await signUp(), await signUp()];
    for (const r of [a, b]) {
      expect(r.status).toBe(200);
      expect(r.headers.get("x-stack-idempotency")).toBe("ignored");
    }
    expect(a.json.user_id).not.toBe(b.json.user_id);
    expect(a.json.refresh_token).not.toBe(b.json.refresh_token);
  });

  test("two secret server keys of one project are two callers", async () => {
    const created = await call("POST", "/internal/api-keys", {
      access: "admin",
      body: { description: "second backend", has_publishable_client_key: false, has_secret_server_key: true, has_super_secret_admin_key: false, expires_at_millis: Date.now() + 3_600_000 },
    });
    expect(created.status).toBe(200);
    const name = crypto.randomUUID();
    const key = crypto.randomUUID();
    const first = await call("POST", `/test/counter/${name}`, { body: { by: 1 }, headers: { "idempotency-key": key } });
    const second = await call("POST", `/test/counter/${name}`, {
      body: { by: 1 },
      headers: { "idempotency-key": key, "x-stack-secret-server-key": created.json.secret_server_key },
    });
    expect(first.headers.get("x-stack-idempotency")).toBe("applied");
    expect(second.headers.get("x-stack-idempotency")).toBe("applied");
    expect(await counter(name)).toBe(2);
  });
});
