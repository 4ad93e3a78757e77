// New PGlite databases start from a prepared copy of a migrated database: made on first use,
// reused after, keyed by the migrations, never carrying one database's rows into the next, and
// replaced when damaged. A database with no data folder lives in a temp folder of its own, gone
// when it closes.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Migration } from "../../../src/emulator/migrate.js";
import { createPgliteDb } from "../../../src/emulator/pglite-db.js";
import {
  copySnapshot,
  defaultSnapshotCacheDir,
  keepSnapshot,
  makeRunDir,
  removeRunDir,
  snapshotCacheDir,
  snapshotKey,
  snapshotPath,
  snapshotWorkDir,
} from "../../../src/emulator/pglite-snapshot.js";

const cacheDir = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-test-"));
const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of [cacheDir, ...dataDirs]) rmSync(dir, { recursive: true, force: true });
});

const migrations: Migration[] = [{ id: "0001_notes", sql: "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)" }];
const bareKey = snapshotKey([]);
// The prepared copies in a cache folder, the bare one (initdb only) left out.
const copiesIn = (dir: string) => readdirSync(dir).filter((f) => /^pglite-[0-9a-f]{24}$/.test(f) && f !== `pglite-${bareKey}`);
const copies = () => copiesIn(cacheDir);
// The folders of databases running with no data folder of their own.
const runDirs = (dir: string) => readdirSync(dir).filter((f) => f.startsWith("stack-payments-db-"));
// The id of a process that has exited.
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;
// What this process's folders are named after: its id and its process table (`<pid>-<machine>`).
async function ownTag(dir: string): Promise<{ pid: number; machine: string }> {
  const made = makeRunDir(dir);
  await removeRunDir(made);
  const [, pid, machine] = /^stack-payments-db-(\d+)-([0-9a-f]{8})-/.exec(made.slice(dir.length + 1))!;
  return { pid: Number(pid), machine: machine! };
}

// Several tests make a database the slow way (initdb and migrations), which takes tens of seconds on a
// loaded machine: a longer limit than the usual test budget.
describe("prepared PGlite copies", { timeout: 150_000 }, () => {
  test("the first start makes the copy, later starts use it; each database starts empty", async () => {
    const first = await createPgliteDb({ migrations, cacheDir });
    await first.query("INSERT INTO notes (body) VALUES ($1)", ["only in the first"]);
    // Its files are in a folder of its own next to the copies, removed on close.
    expect(runDirs(cacheDir)).toHaveLength(1);
    await first.close();
    expect(runDirs(cacheDir)).toEqual([]);
    expect(copies()).toHaveLength(1);
    const [copy] = copies();
    expect(copy).toContain(snapshotKey(migrations));
    // The bare copy, for other migration lists, was kept too; neither has initdb's template databases.
    expect(existsSync(snapshotPath(cacheDir, bareKey))).toBe(true);
    expect(readdirSync(join(cacheDir, copy!, "base"))).toHaveLength(1);
    const madeAt = statSync(join(cacheDir, copy!)).mtimeMs;

    const second = await createPgliteDb({ migrations, cacheDir });
    expect(await second.query("SELECT count(*)::int AS n FROM notes")).toEqual([{ n: 0 }]);
    expect(await second.query("SELECT id FROM _migrations")).toEqual([{ id: "0001_notes" }]);
    // PGlite's page cache is kept small (its files are in memory already).
    expect(await second.query("SHOW shared_buffers")).toEqual([{ shared_buffers: "16MB" }]);
    expect(await second.query("SELECT datname FROM pg_database")).toEqual([{ datname: "postgres" }]);
    await second.close();
    expect(statSync(join(cacheDir, copy!)).mtimeMs).toBe(madeAt);

    // Other migrations (or the same id with other SQL), another copy.
    expect(snapshotKey([...migrations, { id: "0002_more", sql: "CREATE TABLE more (x int)" }])).not.toBe(snapshotKey(migrations));
    expect(snapshotKey([{ id: "0001_notes", sql: "CREATE TABLE notes (id int)" }])).not.toBe(snapshotKey(migrations));
  });

  test("the folders of a process that died without closing (kill -9, Ctrl-C while preparing) are removed by the next start", async () => {
    const { pid, machine } = await ownTag(cacheDir);
    expect(pid).toBe(process.pid);
    const dead = deadPid();
    const left = join(cacheDir, `stack-payments-db-${dead}-${machine}-abcdef`);
    mkdirSync(join(left, "base"), { recursive: true });
    // A copy being made when its process died: it was only ever removed an hour later, and only
    // when another copy was kept, so each first start cut short left tens of megabytes for good.
    const work = join(cacheDir, `pglite-${snapshotKey(migrations)}.${dead}-${machine}.0123456789ab.tmp`);
    mkdirSync(join(work, "base"), { recursive: true });
    // A process that numbers its processes apart (another container on the same folder) may well be
    // running with an id that is dead here: its database folder stays.
    const other = join(cacheDir, `stack-payments-db-${dead}-${machine === "00000000" ? "11111111" : "00000000"}-abcdef`);
    mkdirSync(join(other, "base"), { recursive: true });
    const db = await createPgliteDb({ migrations, cacheDir });
    expect(existsSync(left)).toBe(false);
    expect(existsSync(work)).toBe(false);
    expect(existsSync(join(other, "base"))).toBe(true);
    expect(runDirs(cacheDir)).toHaveLength(2);
    await db.close();
    expect(runDirs(cacheDir)).toEqual([other.slice(cacheDir.length + 1)]);
    rmSync(other, { recursive: true });
  });

  test("a new data folder starts from the copy and keeps its rows across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-data-"));
    dataDirs.push(dataDir);
    // Opened to everyone (as a user's mkdir leaves it): closed to the owner, as PostgreSQL requires.
    chmodSync(dataDir, 0o755);
    const first = await createPgliteDb({ dataDir, migrations, cacheDir });
    await first.query("INSERT INTO notes (body) VALUES ($1)", ["kept"]);
    await first.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const again = await createPgliteDb({ dataDir, migrations, cacheDir });
    expect(await again.query("SELECT body FROM notes")).toEqual([{ body: "kept" }]);
    await again.close();
    // The data folder's lock never went into a copy.
    expect(readdirSync(cacheDir).some((f) => f.includes("lock"))).toBe(false);
  });

  test("a damaged or cut-short copy is discarded, and the database starts all the same", async () => {
    const copy = snapshotPath(cacheDir, snapshotKey(migrations));
    const control = join(copy, "global", "pg_control");
    // Same length, garbage content: PGlite cannot start from it.
    writeFileSync(control, Buffer.alloc(statSync(control).size, 7));
    const afterGarbage = await createPgliteDb({ migrations, cacheDir });
    expect(await afterGarbage.query("SELECT count(*)::int AS n FROM notes")).toEqual([{ n: 0 }]);
    await afterGarbage.close();
    // Made again (from the bare copy, not by initdb) and whole.
    expect(statSync(control).size).toBeGreaterThan(0);
    const target = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-copy-"));
    dataDirs.push(target);
    expect(await copySnapshot(cacheDir, snapshotKey(migrations), target)).toBe(true);

    // Cut short: a file of another length than its list says is told apart before PGlite reads
    // it; the copy is removed, and so is what was copied of it.
    writeFileSync(join(copy, "PG_VERSION"), "1");
    const second = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-copy-"));
    dataDirs.push(second);
    expect(await copySnapshot(cacheDir, snapshotKey(migrations), second)).toBe(false);
    expect(readdirSync(second)).toEqual([]);
    expect(copies()).toEqual([]);
    // With its list missing (a copy cut short before it was kept), the same.
    const cut = await createPgliteDb({ migrations, cacheDir });
    await cut.close();
    rmSync(join(copy, "stack-payments-copy.json"));
    const third = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-copy-"));
    dataDirs.push(third);
    expect(await copySnapshot(cacheDir, snapshotKey(migrations), third)).toBe(false);
    expect(copies()).toEqual([]);
  });

  test("concurrent first starts all start, and leave one whole copy", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-race-"));
    dataDirs.push(fresh);
    // With the bare copy already there (initdb twice at once would only make this test slower:
    // both copies are kept by the same rename-into-place), both race to make the migrated one.
    const work = snapshotWorkDir(fresh, bareKey);
    expect(await copySnapshot(cacheDir, bareKey, work)).toBe(true);
    keepSnapshot(work, fresh, bareKey);
    const dbs = await Promise.all([1, 2].map(() => createPgliteDb({ migrations, cacheDir: fresh })));
    for (const db of dbs) {
      expect(await db.query("SELECT id FROM _migrations")).toEqual([{ id: "0001_notes" }]);
      await db.close();
    }
    const left = readdirSync(fresh);
    expect(left.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(copiesIn(fresh)).toEqual([`pglite-${snapshotKey(migrations)}`]);
    expect(runDirs(fresh)).toEqual([]);
    const target = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-copy-"));
    dataDirs.push(target);
    expect(await copySnapshot(fresh, snapshotKey(migrations), target)).toBe(true);
  });

  test("an unusable cache folder (a file in its place) only means no copy: the database starts migrated", async () => {
    const file = join(cacheDir, "not-a-folder");
    writeFileSync(file, "x");
    // This process's other databases there (the worker's own emulator, with STACK_PAYMENTS_CACHE_DIR=off).
    const mine = () => runDirs(tmpdir()).filter((f) => f.startsWith(`stack-payments-db-${process.pid}-`));
    const before = mine();
    const db = await createPgliteDb({ migrations, cacheDir: file });
    expect(await db.query("SELECT id FROM _migrations")).toEqual([{ id: "0001_notes" }]);
    expect(mine()).toHaveLength(before.length + 1);
    await db.close();
    // Its files went to the OS temp folder instead, and are gone.
    expect(mine()).toEqual(before);
  });

  test("a copy for an earlier migration list is not used for a longer one", async () => {
    const longer: Migration[] = [...migrations, { id: "0002_tags", sql: "CREATE TABLE tags (name text)" }];
    const db = await createPgliteDb({ migrations: longer, cacheDir });
    expect(await db.query("SELECT id FROM _migrations ORDER BY id")).toEqual([{ id: "0001_notes" }, { id: "0002_tags" }]);
    expect(await db.query("SELECT count(*)::int AS n FROM tags")).toEqual([{ n: 0 }]);
    await db.close();
    expect(copies().some((f) => f.includes(snapshotKey(longer)))).toBe(true);
  });

  test("the default cache goes with the package the running script belongs to, also when started through a link (npx)", () => {
    const root = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-link-"));
    dataDirs.push(root);
    const app = join(root, "checkout");
    mkdirSync(join(app, "node_modules"), { recursive: true });
    mkdirSync(join(app, "dist"));
    writeFileSync(join(app, "dist", "cli.js"), "");
    const bin = join(root, "npx-cache", "node_modules", ".bin");
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(app, "dist", "cli.js"), join(bin, "stack-payments"));
    const [script, env] = [process.argv[1], process.env.STACK_PAYMENTS_CACHE_DIR];
    delete process.env.STACK_PAYMENTS_CACHE_DIR;
    process.argv[1] = join(bin, "stack-payments");
    try {
      expect(defaultSnapshotCacheDir()).toBe(join(app, "node_modules", ".cache", "stack-payments"));
    } finally {
      process.argv[1] = script!;
      if (env !== undefined) process.env.STACK_PAYMENTS_CACHE_DIR = env;
    }
  });

  test("two copies made at once in one process (or its worker threads) get folders of their own", () => {
    const key = snapshotKey(migrations);
    const names = new Set(Array.from({ length: 50 }, () => snapshotWorkDir(cacheDir, key)));
    expect(names.size).toBe(50);
  });

  test("a copy cut short into a data folder (kill -9) is not taken for a database: the next start copies again", async () => {
    const key = snapshotKey(migrations);
    const copy = snapshotPath(cacheDir, key);
    if (!existsSync(copy)) await (await createPgliteDb({ migrations, cacheDir })).close();
    // One file of the copy is a pipe no one writes to yet: its copy waits, the others go ahead.
    const control = join(copy, "global", "pg_control");
    rmSync(control);
    expect(spawnSync("mkfifo", [control]).status).toBe(0);
    const target = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-cut-"));
    const cut = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-cut-"));
    dataDirs.push(target, cut);
    const others = JSON.parse(readFileSync(join(copy, "stack-payments-copy.json"), "utf8")).files.filter(
      ([rel]: [string]) => !rel.endsWith("/") && rel !== "PG_VERSION" && rel !== "global/pg_control",
    ) as Array<[string, number]>;
    const copying = copySnapshot(cacheDir, key, target);
    try {
      const deadline = Date.now() + 30_000;
      while (!others.every(([rel, size]) => existsSync(join(target, rel)) && statSync(join(target, rel)).size === size)) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 20));
      }
      // What a kill -9 now would leave in a data folder.
      cpSync(target, cut, { recursive: true });
    } finally {
      // The pipe's end: the copy of it comes out empty, so that copy is not whole and is replaced.
      await writeFile(control, "");
    }
    expect(await copying).toBe(false);
    expect(existsSync(join(cut, "PG_VERSION"))).toBe(false);
    // The next start on that folder copies again (from a copy made anew) and starts migrated.
    const db = await createPgliteDb({ dataDir: cut, migrations, cacheDir });
    expect(await db.query("SELECT id FROM _migrations")).toEqual([{ id: "0001_notes" }]);
    await db.close();
    expect(statSync(join(copy, "global", "pg_control")).isFile()).toBe(true);
  });

  test("a copy that fails for the target's sake keeps the prepared copy, and the target's own folders", async () => {
    const key = snapshotKey(migrations);
    if (!existsSync(snapshotPath(cacheDir, key))) await (await createPgliteDb({ migrations, cacheDir })).close();
    const target = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-target-"));
    dataDirs.push(target);
    // A folder where a file must go (as a full disk or a read-only folder would): the copy fails.
    mkdirSync(join(target, "global", "pg_control"), { recursive: true });
    writeFileSync(join(target, "global", "pg_control", "mine"), "mine");
    expect(await copySnapshot(cacheDir, key, target)).toBe(false);
    // Nothing of the target's own went, nothing copied stayed, and the prepared copy is still there.
    expect(readFileSync(join(target, "global", "pg_control", "mine"), "utf8")).toBe("mine");
    expect(readdirSync(target)).toEqual(["global"]);
    expect(existsSync(snapshotPath(cacheDir, key))).toBe(true);
    const other = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-target-"));
    dataDirs.push(other);
    expect(await copySnapshot(cacheDir, key, other)).toBe(true);
  });

  test("a cache folder named through a symbolic link is used", () => {
    const real = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-real-"));
    const link = `${real}-link`;
    dataDirs.push(real, link);
    symlinkSync(real, link);
    expect(snapshotCacheDir(link)).toBe(link);
  });

  test("a STACK_PAYMENTS_CACHE_DIR others may write to is not used, and a warning says why (once)", () => {
    const shared = mkdtempSync(join(tmpdir(), "stack-payments-snapshot-shared-"));
    dataDirs.push(shared);
    chmodSync(shared, 0o775);
    const env = process.env.STACK_PAYMENTS_CACHE_DIR;
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => warning.code === "STACK_PAYMENTS_CACHE_DIR" && warnings.push(warning.message);
    process.on("warning", onWarning);
    process.env.STACK_PAYMENTS_CACHE_DIR = shared;
    try {
      expect(defaultSnapshotCacheDir()).toBeNull();
      expect(defaultSnapshotCacheDir()).toBeNull();
      chmodSync(shared, 0o700);
      expect(defaultSnapshotCacheDir()).toBe(shared);
    } finally {
      if (env === undefined) delete process.env.STACK_PAYMENTS_CACHE_DIR;
      else process.env.STACK_PAYMENTS_CACHE_DIR = env;
    }
    // Warnings are emitted on the next tick.
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      process.off("warning", onWarning);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`STACK_PAYMENTS_CACHE_DIR=${shared} is not used`);
      expect(warnings[0]).toContain("other users may write to it (mode 775; chmod go-w fixes that)");
    });
  });
});
