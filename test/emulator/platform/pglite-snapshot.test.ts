// New PGlite databases start from a prepared copy of a migrated database: made on first use,
// reused after, keyed by the migrations, never carrying one database's rows into the next, and
// replaced when damaged.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Migration } from "../../../src/emulator/migrate.js";
import { createPgliteDb } from "../../../src/emulator/pglite-db.js";
import { findSnapshot, snapshotKey } from "../../../src/emulator/pglite-snapshot.js";

const cacheDir = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-test-"));
const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of [cacheDir, ...dataDirs]) rmSync(dir, { recursive: true, force: true });
});

const migrations: Migration[] = [{ id: "0001_notes", sql: "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)" }];
const copies = () => readdirSync(cacheDir).filter((f) => f.endsWith(".tar"));

// Several tests make a database the slow way (initdb and migrations), which takes tens of seconds on a
// loaded machine: a longer limit than the usual test budget.
describe("prepared PGlite copies", { timeout: 150_000 }, () => {
  test("the first start makes the copy, later starts use it; each database starts empty", async () => {
    const first = await createPgliteDb({ migrations, cacheDir });
    await first.query("INSERT INTO notes (body) VALUES ($1)", ["only in the first"]);
    await first.close();
    expect(copies()).toHaveLength(1);
    const [copy] = copies();
    expect(copy).toContain(snapshotKey(migrations));
    const madeAt = statSync(join(cacheDir, copy!)).mtimeMs;

    const second = await createPgliteDb({ migrations, cacheDir });
    expect(await second.query("SELECT count(*)::int AS n FROM notes")).toEqual([{ n: 0 }]);
    expect(await second.query("SELECT id FROM _migrations")).toEqual([{ id: "0001_notes" }]);
    // PGlite's page cache is kept small (its files are in memory already).
    expect(await second.query("SHOW shared_buffers")).toEqual([{ shared_buffers: "16MB" }]);
    await second.close();
    expect(statSync(join(cacheDir, copy!)).mtimeMs).toBe(madeAt);

    // Other migrations (or the same id with other SQL), another copy.
    expect(snapshotKey([...migrations, { id: "0002_more", sql: "CREATE TABLE more (x int)" }])).not.toBe(snapshotKey(migrations));
    expect(snapshotKey([{ id: "0001_notes", sql: "CREATE TABLE notes (id int)" }])).not.toBe(snapshotKey(migrations));
  });

  test("a new data folder starts from the copy and keeps its rows across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-data-"));
    dataDirs.push(dataDir);
    const first = await createPgliteDb({ dataDir, migrations, cacheDir });
    await first.query("INSERT INTO notes (body) VALUES ($1)", ["kept"]);
    await first.close();
    const again = await createPgliteDb({ dataDir, migrations, cacheDir });
    expect(await again.query("SELECT body FROM notes")).toEqual([{ body: "kept" }]);
    await again.close();
    // The data folder's lock never went into a copy.
    expect(readdirSync(cacheDir).some((f) => f.includes("lock"))).toBe(false);
  });

  test("a damaged or cut-short copy is discarded, and the database starts all the same", async () => {
    const [copy] = copies().filter((f) => f.includes(snapshotKey(migrations)));
    const path = join(cacheDir, copy!);
    // Same length, garbage content: PGlite cannot start from it.
    writeFileSync(path, Buffer.alloc(statSync(path).size, 7));
    const afterGarbage = await createPgliteDb({ migrations, cacheDir });
    expect(await afterGarbage.query("SELECT count(*)::int AS n FROM notes")).toEqual([{ n: 0 }]);
    await afterGarbage.close();
    const [remade] = copies().filter((f) => f.includes(snapshotKey(migrations)));
    expect(statSync(join(cacheDir, remade!)).size).toBeGreaterThan(1_000_000);

    // Cut short: told apart by its length before PGlite reads it, and removed.
    const cut = join(cacheDir, remade!);
    writeFileSync(cut, Buffer.alloc(4096));
    expect(await findSnapshot(cacheDir, snapshotKey(migrations))).toBeNull();
    expect(copies().filter((f) => f.includes(snapshotKey(migrations)))).toEqual([]);
  });

  test("concurrent first starts all start, and leave one whole copy", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-race-"));
    dataDirs.push(fresh);
    const dbs = await Promise.all([1, 2].map(() => createPgliteDb({ migrations, cacheDir: fresh })));
    for (const db of dbs) {
      expect(await db.query("SELECT id FROM _migrations")).toEqual([{ id: "0001_notes" }]);
      await db.close();
    }
    const left = readdirSync(fresh);
    expect(left.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(left.filter((f) => f.endsWith(".tar")).length).toBeGreaterThanOrEqual(1);
    expect(await findSnapshot(fresh, snapshotKey(migrations))).not.toBeNull();
  });

  test("an unusable cache folder (a file in its place) only means no copy: the database starts migrated", async () => {
    const file = join(cacheDir, "not-a-folder");
    writeFileSync(file, "x");
    const db = await createPgliteDb({ migrations, cacheDir: file });
    expect(await db.query("SELECT id FROM _migrations")).toEqual([{ id: "0001_notes" }]);
    await db.close();
  });

  test("a copy for an earlier migration list is not used for a longer one", async () => {
    const longer: Migration[] = [...migrations, { id: "0002_tags", sql: "CREATE TABLE tags (name text)" }];
    const db = await createPgliteDb({ migrations: longer, cacheDir });
    expect(await db.query("SELECT id FROM _migrations ORDER BY id")).toEqual([{ id: "0001_notes" }, { id: "0002_tags" }]);
    expect(await db.query("SELECT count(*)::int AS n FROM tags")).toEqual([{ n: 0 }]);
    await db.close();
    expect(copies().some((f) => f.includes(snapshotKey(longer)))).toBe(true);
  });
});
