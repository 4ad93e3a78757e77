import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEmulator } from "../../../src/emulator/create-emulator.js";
import type { Db } from "../../../src/emulator/db.js";
import { migrate } from "../../../src/emulator/migrate.js";
import { createPgliteDb } from "../../../src/emulator/pglite-db.js";
import { createPostgresDb } from "../../../src/emulator/postgres-db.js";
import { findPostgresBinaries, startTestPostgres, type TestPostgres } from "../pg/postgres-server.js";
import { createApi } from "./api.js";

/** Behaviour both adapters must share. */
function adapterContract(name: string, open: () => Promise<Db>, skip: () => boolean) {
  describe(name, () => {
    let db: Db;
    beforeAll(async () => {
      if (skip()) return;
      db = await open();
      await db.query("CREATE TABLE IF NOT EXISTS contract_t (id text PRIMARY KEY, n bigint NOT NULL, doc jsonb)");
    });
    afterAll(async () => {
      if (!skip()) await db.close();
    });

    test.skipIf(skip())("parameterised queries, int8 as numbers, jsonb as objects, multi-statement SQL without params", async () => {
      await db.query("INSERT INTO contract_t (id, n, doc) VALUES ($1, $2, $3::jsonb)", ["a", 9_007_199_254_740, JSON.stringify({ x: [1] })]);
      const rows = await db.query<{ n: number; doc: unknown }>("SELECT n, doc FROM contract_t WHERE id = $1", ["a"]);
      expect(rows).toEqual([{ n: 9_007_199_254_740, doc: { x: [1] } }]);
      const last = await db.query<{ v: number }>("CREATE TEMP TABLE IF NOT EXISTS tmp_x (v int); INSERT INTO tmp_x VALUES (1); SELECT count(*)::int AS v FROM tmp_x");
      expect(last[0]!.v).toBeGreaterThanOrEqual(1);
    });

    test.skipIf(skip())("a failing transaction rolls back; queries inside a transaction join it", async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", ["rolled-back"]);
          await db.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", ["rolled-back-too"]);
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      const rows = await db.query("SELECT id FROM contract_t WHERE id LIKE 'rolled-back%'");
      expect(rows).toEqual([]);
    });

    test.skipIf(skip())("serializable read-modify-write under contention loses no update (retries on 40001)", async () => {
      await db.query("INSERT INTO contract_t (id, n) VALUES ('counter', 0) ON CONFLICT (id) DO UPDATE SET n = 0");
      let attempts = 0;
      await Promise.all(
        Array.from({ length: 40 }, () =>
          db.transaction(
            async (tx) => {
              attempts++;
              const [row] = await tx.query<{ n: number }>("SELECT n FROM contract_t WHERE id = 'counter'");
              await new Promise((r) => setTimeout(r, 1));
              await tx.query("UPDATE contract_t SET n = $1 WHERE id = 'counter'", [row!.n + 1]);
            },
            { isolation: "serializable" },
          ),
        ),
      );
      const [row] = await db.query<{ n: number }>("SELECT n FROM contract_t WHERE id = 'counter'");
      expect(row!.n).toBe(40);
      expect(attempts).toBeGreaterThanOrEqual(40);
    });

    test.skipIf(skip())("a transaction inside a transaction is a savepoint: its failure undoes only its own work", async () => {
      const id = `sp-${Math.random().toString(36).slice(2, 8)}`;
      await db.transaction(async () => {
        await db.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-outer`]);
        await expect(
          db.transaction(async (tx) => {
            await tx.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-inner`]);
            // A failing statement too: the outer transaction must stay usable after the rollback.
            await tx.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-outer`]);
          }),
        ).rejects.toMatchObject({ code: "23505" });
        await db.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-after`]);
      });
      const rows = await db.query<{ id: string }>("SELECT id FROM contract_t WHERE id LIKE $1 ORDER BY id", [`${id}-%`]);
      expect(rows.map((r) => r.id)).toEqual([`${id}-after`, `${id}-outer`]);
    });

    test.skipIf(skip())("a deferred transaction begins at its first query, runs onBegin first, and commits or rolls back as a whole", async () => {
      const id = `dt-${Math.random().toString(36).slice(2, 8)}`;
      const seen: string[] = [];
      const kept = db.deferredTransaction(async (tx) => {
        seen.push("begin");
        await tx.query("INSERT INTO contract_t (id, n) VALUES ($1, 0)", [`${id}-claim`]);
      });
      await kept.run(async () => {
        expect(kept.begun).toBe(false);
        await new Promise((r) => setTimeout(r, 1));
        expect(kept.begun).toBe(false);
        seen.push("work");
        // Helpers that only know the Db join it, concurrently too; nested transactions are savepoints.
        await Promise.all([db.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-a`]), db.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-b`])]);
        await db.transaction((tx) => tx.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-c`]));
        expect(kept.begun).toBe(true);
      });
      expect(seen).toEqual(["work", "begin"]);
      // Not visible outside before COMMIT (PGlite serialises: check from inside instead).
      if (db.kind === "postgres") expect(await db.query("SELECT id FROM contract_t WHERE id LIKE $1", [`${id}-%`])).toEqual([]);
      await kept.commit();
      expect((await db.query("SELECT id FROM contract_t WHERE id LIKE $1", [`${id}-%`])).length).toBe(4);

      const dropped = db.deferredTransaction();
      await dropped.run(() => db.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-dropped`]));
      await dropped.rollback();
      // After its end, queries from its context run on their own again.
      await dropped.run(() => db.query("INSERT INTO contract_t (id, n) VALUES ($1, 1)", [`${id}-later`]));
      const rows = await db.query<{ id: string }>("SELECT id FROM contract_t WHERE id IN ($1, $2)", [`${id}-dropped`, `${id}-later`]);
      expect(rows).toEqual([{ id: `${id}-later` }]);

      // Never begun: commit and rollback have nothing to do, and onBegin never runs.
      let began = false;
      const idle = db.deferredTransaction(async () => {
        began = true;
      });
      await idle.run(async () => {});
      await idle.commit();
      expect(began).toBe(false);
      await expect(db.transaction(async () => db.deferredTransaction())).rejects.toThrow("cannot be opened inside another transaction");
    });

    test.skipIf(skip())("migrations apply once each, in order, and concurrent runs do not collide", async () => {
      const prefix = `m${Math.random().toString(36).slice(2, 8)}`;
      const migrations = [
        { id: `${prefix}_1`, sql: `CREATE TABLE ${prefix}_a (id int); INSERT INTO ${prefix}_a VALUES (1);` },
        { id: `${prefix}_2`, sql: `INSERT INTO ${prefix}_a SELECT max(id) + 1 FROM ${prefix}_a;` },
      ];
      const [first, second] = await Promise.all([migrate(db, migrations), migrate(db, migrations)]);
      expect([...first!, ...second!].sort()).toEqual([`${prefix}_1`, `${prefix}_2`]);
      expect(await migrate(db, migrations)).toEqual([]);
      expect(await db.query(`SELECT id FROM ${prefix}_a ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
      await expect(migrate(db, [migrations[0]!, migrations[0]!])).rejects.toThrow("Duplicate migration id");
    });
  });
}

const pgBin = findPostgresBinaries();
let pg: TestPostgres | undefined;
beforeAll(async () => {
  if (pgBin) pg = await startTestPostgres(pgBin);
}, 120_000);
afterAll(() => pg?.stop());
if (!pgBin) console.warn("Skipping PostgreSQL adapter tests: no initdb/pg_ctl under /usr/lib/postgresql/*/bin.");

adapterContract("PGlite adapter", () => createPgliteDb(), () => false);
adapterContract("PostgreSQL adapter", () => createPostgresDb(pg!.url), () => pgBin === null);

describe("emulator storage", () => {
  test("a PGlite data folder keeps users, sessions and signing keys across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stack-payments-data-"));
    try {
      const first = createEmulator({ storage: { dataDir: dir } });
      const api = createApi(first);
      const { userId, accessToken } = await api.signedInUser({ display_name: "Persistent" });
      // While the first holds the folder, another open is refused rather than corrupting it.
      const clash = createEmulator({ storage: { dataDir: dir } });
      await expect(clash.ready).rejects.toThrow("is in use by another emulator");
      await first.close();
      const second = createEmulator({ storage: { dataDir: dir } });
      const again = createApi(second);
      const me = await again.call("GET", "/users/me", { token: accessToken });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ id: userId, display_name: "Persistent" });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.skipIf(pgBin === null)("two emulators on one PostgreSQL share users and verify each other's tokens", async () => {
    const a = createEmulator({ storage: { databaseUrl: pg!.url } });
    const b = createEmulator({ storage: { databaseUrl: pg!.url } });
    try {
      await Promise.all([a.ready, b.ready]);
      const { userId, accessToken } = await createApi(a).signedInUser();
      const me = await createApi(b).call("GET", "/users/me", { token: accessToken });
      expect(me.json.id).toBe(userId);
      expect(a.db.kind).toBe("postgres");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("an invalid config file makes ready reject and fetch answer 500 text naming the problem", async () => {
    const bad = createEmulator({ config: { items: { x: { customerType: "alien" } } } as never });
    await expect(bad.ready).rejects.toThrow("payments.items.x.customerType");
    const res = await bad.fetch(new Request("http://localhost/api/v1/projects/current"));
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("payments.items.x.customerType");
    await bad.close();
  });
});
