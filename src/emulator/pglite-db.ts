/**
 * The default storage: embedded PostgreSQL (PGlite), in memory or in a data folder.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { Db, SqlExecutor } from "./db.js";
import { Mutex } from "./db-retry.js";
import { migrate, type Migration } from "./migrate.js";
import {
  copySnapshot,
  discardSnapshot,
  isAlive,
  keepSnapshot,
  makeRunDir,
  PGLITE_SETTINGS,
  removeRunDir,
  snapshotCacheDir,
  snapshotKey,
  snapshotPath,
  snapshotWorkDir,
  type SnapshotCache,
} from "./pglite-snapshot.js";
import { CHANGE_CHANNEL, noteStatement, ReadCache, type TransactionView } from "./read-cache.js";
import { createScopedDb, type TransactionConnection } from "./scoped-db.js";

/** Options of {@link createPgliteDb}. */
export interface PgliteDbOptions {
  /** Folder to keep the database in; omitted means none kept (a private temp folder, removed on close). */
  dataDir?: string;
  /**
   * Migrations to apply before the database is returned. A new database (in memory, or a data
   * folder without one yet) starts from a prepared copy of a new database with exactly these
   * migrations (default none) applied, made on first use and kept in `cacheDir`: no initdb and
   * no migrations at each start.
   */
  migrations?: readonly Migration[];
  /**
   * Folder for prepared copies, or `false` to make none. Default: `STACK_PAYMENTS_CACHE_DIR`,
   * else `node_modules/.cache/stack-payments` of the running project, else a private folder in
   * the OS temp folder.
   */
  cacheDir?: SnapshotCache;
}

/** What to do when PGlite is missing: it is an optional peer, so an SDK-only install leaves it out. */
const PGLITE_MISSING_MESSAGE =
  "The emulator's default database, PGlite, is not installed. Run `npm install -D @electric-sql/pglite`, or set DATABASE_URL to a PostgreSQL database (with `npm install -D pg`).";

/**
 * Loads PGlite on first use rather than at import: an app that installs only the SDK (no PGlite)
 * can still import the emulator to run it on PostgreSQL, and one without either learns what to install.
 */
async function loadPglite(): Promise<typeof import("@electric-sql/pglite")> {
  try {
    return await import("@electric-sql/pglite");
  } catch (error) {
    const e = error as { code?: string; message?: string };
    // Only a missing package gets the install hint; any other failure (a broken install) is its own.
    if ((e.code === "ERR_MODULE_NOT_FOUND" || e.code === "MODULE_NOT_FOUND") && String(e.message).includes("@electric-sql/pglite")) {
      throw new Error(PGLITE_MISSING_MESSAGE, { cause: error });
    }
    throw error;
  }
}

function executor(target: PGlite): SqlExecutor {
  return {
    async query<T>(text: string, params?: unknown[]): Promise<T[]> {
      // Without parameters use the simple protocol, as `pg` does, so multi-statement SQL
      // (migrations) behaves the same on both adapters.
      if (params === undefined || params.length === 0) {
        const results = await target.exec(text);
        return (results.at(-1)?.rows ?? []) as T[];
      }
      const result = await target.query<T>(text, params);
      return result.rows;
    },
  };
}

/**
 * Claims a data folder for this process. PGlite has no locking of its own, and two processes
 * writing one folder would corrupt it; a lock left by a process that died is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // PGlite writes its files readable and writable by everyone (0666): as PostgreSQL requires of its
  // data folders, only the owner may enter this one (an existing folder is closed too).
  if (process.platform !== "win32") {
    const mode = statSync(dataDir).mode & 0o777;
    if ((mode & 0o077) !== 0) chmodSync(dataDir, mode & 0o700);
  }
  const file = join(dataDir, "stack-payments.lock");
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
  } catch {
    const holder = Number(readFileSync(file, "utf8"));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder))
      throw new Error(`The data folder ${dataDir} is in use by another emulator (process ${holder}). Stop it or choose another --data folder.`);
    writeFileSync(file, String(process.pid));
  }
  return () => rmSync(file, { force: true });
}

async function openPglite(dataDir: string): Promise<PGlite> {
  const { PGlite } = await loadPglite();
  const create = () => PGlite.create({ dataDir, startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] });
  return existsSync(join(dataDir, "PG_VERSION")) ? create() : withNodeFileClasses(create);
}

/**
 * PGlite makes a new database (initdb) in memory and hands it to its folder as a tar `File`, which
 * it reads back with `arrayBuffer()`. Test environments that imitate a browser (jsdom) replace the
 * global `File` and `Blob` with classes that have no `arrayBuffer()`, and the start fails ("r.arrayBuffer
 * is not a function"). While PGlite makes a database there, Node's own classes are put back.
 */
async function withNodeFileClasses<T>(run: () => Promise<T>): Promise<T> {
  const scope = globalThis as { File?: unknown; Blob?: unknown };
  const readable = (c: unknown) => typeof c !== "function" || typeof (c as { prototype?: { arrayBuffer?: unknown } }).prototype?.arrayBuffer === "function";
  if (readable(scope.File) && readable(scope.Blob)) return run();
  const node = await import("node:buffer");
  const saved = { File: scope.File, Blob: scope.Blob };
  scope.File = node.File;
  scope.Blob = node.Blob;
  try {
    return await run();
  } finally {
    scope.File = saved.File;
    scope.Blob = saved.Blob;
  }
}

/**
 * Starts PGlite in `target` from the prepared copy for `key` (or from the copy into it already
 * under way, `copying`); null when there is none or PGlite cannot start from it (then the copy is
 * discarded, and what was copied into `target` removed).
 */
async function openFromSnapshot(cacheDir: string, key: string, target: string, copying?: Promise<boolean>): Promise<PGlite | null> {
  mkdirSync(target, { recursive: true });
  // What `target` held before the copy (nothing, when the copy was started by the caller).
  const before = new Set(copying ? [] : readdirSync(target));
  if (!(await (copying ?? copySnapshot(cacheDir, key, target)))) return null;
  try {
    return await openPglite(target);
  } catch {
    discardSnapshot(snapshotPath(cacheDir, key));
    for (const entry of readdirSync(target)) if (!before.has(entry)) rmSync(join(target, entry), { recursive: true, force: true });
    return null;
  }
}

/** Closes PGlite with its files all written (a checkpoint, then a clean shutdown), ready to be copied. */
async function closeForCopy(pg: PGlite): Promise<void> {
  await pg.exec("CHECKPOINT");
  await pg.close();
}

/**
 * Makes the prepared copy for `migrations` in `cacheDir`: the bare copy (initdb only, made first
 * if missing) migrated in a work folder, closed, and kept. Failing only means no copy.
 */
async function prepareSnapshot(cacheDir: string, key: string, migrations: readonly Migration[]): Promise<void> {
  const bareKey = snapshotKey([]);
  if (!existsSync(snapshotPath(cacheDir, bareKey))) {
    const bareWork = snapshotWorkDir(cacheDir, bareKey);
    try {
      const bare = await openPglite(bareWork);
      try {
        // PGlite opens the "postgres" database; initdb's template databases are never used (nothing
        // here creates databases) yet are more than half of the files every start would copy.
        await bare.exec("UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')");
        for (const name of ["template0", "template1"]) await bare.exec(`DROP DATABASE ${name}`);
      } finally {
        await closeForCopy(bare);
      }
      keepSnapshot(bareWork, cacheDir, bareKey);
    } finally {
      // Kept (renamed away) on success; whatever a failure left is not for anyone to use.
      rmSync(bareWork, { recursive: true, force: true });
    }
  }
  if (key === bareKey) return;
  const work = snapshotWorkDir(cacheDir, key);
  try {
    const pg = (await openFromSnapshot(cacheDir, bareKey, work)) ?? (await openPglite(work));
    try {
      await migrate(await wrapPglite(pg, () => {}), migrations);
    } finally {
      await closeForCopy(pg);
    }
    keepSnapshot(work, cacheDir, key);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Opens an embedded PostgreSQL. PGlite has a single connection, so a transaction holds it (an
 * in-process mutex) from BEGIN to COMMIT; a query issued by code inside a transaction joins that
 * transaction instead of waiting for it (which would deadlock). Transactions, savepoints and
 * deferred transactions behave as on PostgreSQL (see `createScopedDb`).
 *
 * Without `dataDir` the database lasts as long as the process: its files go to a private temp
 * folder (the OS keeps them in its cache), removed on close or exit.
 *
 * @example
 * const db = await createPgliteDb({ dataDir: ".stack-payments/data" });
 */
export async function createPgliteDb(options: PgliteDbOptions = {}): Promise<Db> {
  const { dataDir, migrations = [] } = options;
  const key = snapshotKey(migrations);
  const loading = loadPglite();
  // A database of its own folder (no data folder given) starts copying the prepared copy while
  // PGlite loads: the copy runs on libuv's threads, the load on this one.
  let cacheDir: string | null = null;
  let runDir: string | undefined;
  let copying: Promise<boolean> | undefined;
  if (dataDir === undefined) {
    cacheDir = snapshotCacheDir(options.cacheDir);
    runDir = makeRunDir(cacheDir);
    if (cacheDir) copying = copySnapshot(cacheDir, key, runDir);
  }
  try {
    await loading;
  } catch (error) {
    // A missing PGlite is reported before anything is kept (no lock taken, no folder left).
    await copying?.catch(() => {});
    if (runDir !== undefined) await removeRunDir(runDir);
    throw error;
  }
  const unlock = dataDir === undefined ? () => {} : lockDataDir(dataDir);
  const release = async () => {
    unlock();
    if (runDir !== undefined) await removeRunDir(runDir);
  };
  const dir = dataDir ?? runDir!;
  let pg: PGlite | null = null;
  // A database started from the copy for these migrations has them all already.
  let migrated = false;
  try {
    if (dataDir !== undefined && !existsSync(join(dataDir, "PG_VERSION"))) cacheDir = snapshotCacheDir(options.cacheDir);
    if (cacheDir) {
      pg = await openFromSnapshot(cacheDir, key, dir, copying);
      if (!pg) {
        await prepareSnapshot(cacheDir, key, migrations).catch(() => {});
        pg = await openFromSnapshot(cacheDir, key, dir);
      }
      migrated = pg !== null;
    }
    pg ??= await openPglite(dir);
  } catch (error) {
    await release();
    throw error;
  }
  let db: Db;
  try {
    db = await wrapPglite(pg, release);
  } catch (error) {
    await pg.close().catch(() => {});
    await release();
    throw error;
  }
  try {
    if (migrations.length > 0 && !migrated) await migrate(db, migrations);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** The {@link Db} over an open PGlite; `onClose` runs after PGlite has closed. */
async function wrapPglite(pg: PGlite, onClose: () => void | Promise<void>): Promise<Db> {
  const mutex = new Mutex();
  const plain = executor(pg);
  let closed = false;
  // What each open transaction did, for the read cache (a transaction that changed a cached
  // table, or reads a serializable snapshot, must not be answered from the cache).
  const views = new WeakMap<TransactionConnection, TransactionView>();
  // PGlite runs in this process on one connection, and hands over a commit's notifications before
  // the committing call returns: the read cache can rely on them (see read-cache.ts).
  const cache = new ReadCache(async () => {
    // Through the Db, so a first read from inside a transaction joins it rather than waiting for it.
    const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'emulator_notify_change'");
    return (rows[0]?.n ?? 0) > 0;
  });
  const db: Db = createScopedDb({
    kind: "pglite",
    query: <T>(text: string, params?: unknown[]) => mutex.run(() => plain.query<T>(text, params)),
    async connect() {
      const release = await mutex.acquire();
      const view: TransactionView = { serializable: false, changedNotified: false };
      const connection: TransactionConnection = {
        query<T>(text: string, params?: unknown[]): Promise<T[]> {
          if (/^\s*begin\b[^;]*\bserializable\b/i.test(text)) view.serializable = true;
          noteStatement(view, text);
          return plain.query<T>(text, params);
        },
        release: () => release(),
      };
      views.set(connection, view);
      return connection;
    },
    cachedRead: (key, tables, load, within) => cache.read(key, tables, load, within && (views.get(within) ?? { serializable: true, changedNotified: true })),
    async close() {
      if (closed) return;
      closed = true;
      await mutex.run(() => pg.close());
      await onClose();
    },
  });
  await pg.listen(CHANGE_CHANNEL, (table) => cache.changed(table));
  return db;
}
