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
];

const emulator = createProjectEmulator({ extraRoutes });
const { call, signedInUser } = createApi(emulator);
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
    await call("POST", `/test/counter/${name}`, { token: a.accessToken, body: { by: 1 }, headers: { "idempotency-key": key } });
    const other = await call("POST", `/test/counter/${name}`, { token: b.accessToken, body: { by: 1 }, headers: { "idempotency-key": key } });
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
});
