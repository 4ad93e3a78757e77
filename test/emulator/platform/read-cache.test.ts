// The read cache of projects, keys, config and clocks (PGlite): whatever changes them is seen by
// the very next read, inside a transaction its own uncommitted change is seen, and a change that
// commits while a read is loading never leaves that read's value behind.
import { afterAll, describe, expect, test } from "vitest";
import { advanceEmulatorClock, emulatorNow } from "../../../src/emulator/clock.js";
import { readThrough } from "../../../src/emulator/read-cache.js";
import { createProjectEmulator, getWorkerEmulator } from "../../../src/testing.js";
import { createApi } from "./api.js";

const emulator = createProjectEmulator({ config: { items: { credits: { customerType: "custom" } } } });
const api = createApi(emulator);
afterAll(() => emulator.close());

const serverWith = (key: string) => ({ access: null, headers: { "x-stack-access-type": "server", "x-stack-project-id": emulator.project.id, "x-stack-secret-server-key": key } });

async function newServerKey(expiresAtMillis: number): Promise<{ id: string; key: string }> {
  const res = await api.call("POST", "/internal/api-keys", {
    access: "admin",
    body: { description: "cache test", has_publishable_client_key: false, has_secret_server_key: true, has_super_secret_admin_key: false, expires_at_millis: expiresAtMillis },
  });
  expect(res.status).toBe(200);
  return { id: res.json.id, key: res.json.secret_server_key };
}

describe("the read cache", () => {
  test("a revoked key is refused by the next request, though it was just accepted", async () => {
    const { id, key } = await newServerKey(Date.now() + 3_600_000);
    expect((await api.call("GET", "/internal/emulator/clock", serverWith(key))).status).toBe(200);
    expect((await api.call("GET", "/internal/emulator/clock", serverWith(key))).status).toBe(200);
    expect((await api.call("PATCH", `/internal/api-keys/${id}`, { access: "admin", body: { revoked: true } })).status).toBe(200);
    const refused = await api.call("GET", "/internal/emulator/clock", serverWith(key));
    expect(refused.status).toBe(401);
    expect(refused.json.code).toBe("INVALID_SECRET_SERVER_KEY");
  });

  test("a key is refused from its expiry on, though it was accepted (and cached) before", async () => {
    const expiresAt = Date.now() + 1500;
    const { key } = await newServerKey(expiresAt);
    expect((await api.call("GET", "/internal/emulator/clock", serverWith(key))).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 20));
    expect((await api.call("GET", "/internal/emulator/clock", serverWith(key))).json.code).toBe("INVALID_SECRET_SERVER_KEY");
  });

  test("config and clock changes reach the next request", async () => {
    const path = "/payments/items/custom/cache-c/gems/update-quantity?allow_negative=true";
    expect((await api.call("POST", path, { access: "server", body: { delta: 1 } })).json.code).toBe("ITEM_NOT_FOUND");
    await api.updateConfig({ "payments.items.gems": { customerType: "custom" } });
    expect((await api.call("POST", path, { access: "server", body: { delta: 1 } })).status).toBe(200);
    const before = (await api.call("GET", "/internal/emulator/clock", { access: "server" })).json.now_millis;
    await api.call("POST", "/internal/emulator/clock/advance", { access: "server", body: { advance_millis: 86_400_000 } });
    const after = (await api.call("GET", "/internal/emulator/clock", { access: "server" })).json.now_millis;
    expect(after - before).toBeGreaterThanOrEqual(86_400_000);
  });

  test("inside an idempotent request's transaction, its own clock change is seen before it commits, and by the next request after", async () => {
    const before = (await api.call("GET", "/internal/emulator/clock", { access: "server" })).json.now_millis;
    const advanced = await api.call("POST", "/internal/emulator/clock/advance", {
      access: "server",
      body: { advance_millis: 3_600_000 },
      headers: { "idempotency-key": `cache-clock-${Date.now()}` },
    });
    expect(advanced.status).toBe(200);
    expect(advanced.json.now_millis - before).toBeGreaterThanOrEqual(3_600_000);
    const after = (await api.call("GET", "/internal/emulator/clock", { access: "server" })).json.now_millis;
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);
  });

  test("a change inside a savepoint that rolls back leaves the committed value in force", async () => {
    const db = getWorkerEmulator().db;
    const projectId = emulator.project.id;
    const committed = await emulatorNow(db, projectId, () => 0);
    await db.transaction(async () => {
      await expect(
        db.transaction(async (tx) => {
          await advanceEmulatorClock(tx, projectId, 9000);
          expect(await emulatorNow(db, projectId, () => 0)).toBe(committed + 9000);
          throw new Error("roll back the savepoint");
        }),
      ).rejects.toThrow("roll back the savepoint");
      expect(await emulatorNow(db, projectId, () => 0)).toBe(committed);
    });
    expect(await emulatorNow(db, projectId, () => 0)).toBe(committed);
  });

  test("a deleted project is not found by the next request", async () => {
    const other = createProjectEmulator();
    const otherApi = createApi(other);
    expect((await otherApi.call("GET", "/projects/current")).status).toBe(200);
    await other.close();
    expect((await otherApi.call("GET", "/projects/current")).json.code).toBe("CURRENT_PROJECT_NOT_FOUND");
  });

  test("a transaction sees its own uncommitted change; after a rollback the committed value is read again", async () => {
    const db = getWorkerEmulator().db;
    const projectId = emulator.project.id;
    const committed = await emulatorNow(db, projectId, () => 0);
    expect(await emulatorNow(db, projectId, () => 0)).toBe(committed);
    await expect(
      db.transaction(async (tx) => {
        await advanceEmulatorClock(tx, projectId, 5000);
        expect(await emulatorNow(tx, projectId, () => 0)).toBe(committed + 5000);
        expect(await emulatorNow(db, projectId, () => 0)).toBe(committed + 5000);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await emulatorNow(db, projectId, () => 0)).toBe(committed);
  });

  test("reads are answered from the cache until a change of their table commits", async () => {
    const db = getWorkerEmulator().db;
    const projectId = emulator.project.id;
    let loads = 0;
    const read = () =>
      readThrough(db, `test-clock\u0000${projectId}`, ["emulator_clock"], async () => {
        loads++;
        return (await db.query<{ offset_millis: number }>("SELECT offset_millis FROM emulator_clock WHERE project_id = $1", [projectId]))[0]?.offset_millis;
      });
    const first = await read();
    expect(await read()).toBe(first);
    expect(loads).toBe(1);
    await advanceEmulatorClock(db, projectId, 1);
    expect(await read()).toBe(Number(first ?? 0) + 1);
    expect(loads).toBe(2);
    // A table without change triggers is never cached.
    let uncached = 0;
    for (let i = 0; i < 2; i++) await readThrough(db, "test-users", ["users" as never], async () => ++uncached);
    expect(uncached).toBe(2);
  });

  test("a value loaded while a change commits is returned but not kept", async () => {
    const db = getWorkerEmulator().db;
    const projectId = emulator.project.id;
    const key = `test-race\u0000${projectId}`;
    const load = async () => (await db.query<{ offset_millis: number }>("SELECT offset_millis FROM emulator_clock WHERE project_id = $1", [projectId]))[0]?.offset_millis;
    const stale = await readThrough(db, key, ["emulator_clock"], async () => {
      const value = await load();
      await advanceEmulatorClock(db, projectId, 7);
      return value;
    });
    expect(await readThrough(db, key, ["emulator_clock"], load)).toBe(Number(stale) + 7);
  });
});
