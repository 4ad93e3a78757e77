/**
 * The default storage: embedded PostgreSQL (PGlite), in memory or in a data folder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PGlite, PGliteOptions } from "@electric-sql/pglite";
import type { Db, SqlExecutor } from "./db.js";
import { Mutex } from "./db-retry.js";
import { migrate, type Migration } from "./migrate.js";
import { discardSnapshot, findSnapshot, PGLITE_SETTINGS, snapshotCacheDir, snapshotKey, writeSnapshot, type SnapshotCache } from "./pglite-snapshot.js";
import { CHANGE_CHANNEL, noteStatement, ReadCache, type TransactionView } from "./read-cache.js";
import { createScopedDb, type TransactionConnection } from "./scoped-db.js";

/** Options of {@link createPgliteDb}. */
export interface PgliteDbOptions {
  /** Folder to keep the database in; omitted means in memory (lost on close). */
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Claims a data folder for this process. PGlite has no locking of its own, and two processes
 * writing one folder would corrupt it; a lock left by a process that died is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
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

async function openPglite(dataDir: string | undefined, extra: PGliteOptions = {}): Promise<PGlite> {
  const { PGlite } = await loadPglite();
  return PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
    ...extra,
  });
}

/**
 * Starts PGlite from the prepared copy for `key`; null when there is none or PGlite cannot start
 * from it (then the copy is discarded, and what it wrote to a data folder removed).
 */
async function openFromSnapshot(cacheDir: string, key: string, dataDir: string | undefined): Promise<PGlite | null> {
  const snapshot = await findSnapshot(cacheDir, key);
  if (!snapshot) return null;
  const before = dataDir === undefined ? null : new Set(readdirSync(dataDir));
  try {
    return await openPglite(dataDir, { loadDataDir: snapshot.blob });
  } catch {
    discardSnapshot(snapshot.file);
    if (dataDir !== undefined && before)
      for (const entry of readdirSync(dataDir)) if (!before.has(entry)) rmSync(join(dataDir, entry), { recursive: true, force: true });
    return null;
  }
}

/** Makes the prepared copy for `migrations` with a throwaway in-memory database. */
async function prepareSnapshot(cacheDir: string, key: string, migrations: readonly Migration[]): Promise<void> {
  const pg = await openPglite(undefined);
  try {
    if (migrations.length > 0) await migrate(await wrapPglite(pg, async () => {}), migrations);
    await writeSnapshot(pg, cacheDir, key);
  } finally {
    await pg.close();
  }
}

/**
 * Opens an embedded PostgreSQL. PGlite has a single connection, so a transaction holds it (an
 * in-process mutex) from BEGIN to COMMIT; a query issued by code inside a transaction joins that
 * transaction instead of waiting for it (which would deadlock). Transactions, savepoints and
 * deferred transactions behave as on PostgreSQL (see `createScopedDb`).
 *
 * @example
 * const db = await createPgliteDb({ dataDir: ".stack-payments/data" });
 */
export async function createPgliteDb(options: PgliteDbOptions = {}): Promise<Db> {
  // A missing PGlite is reported before anything else happens (no lock taken, no cache touched).
  await loadPglite();
  const { dataDir, migrations = [] } = options;
  const unlock = dataDir === undefined ? () => {} : lockDataDir(dataDir);
  let pg: PGlite | null = null;
  // Set when this start should leave a prepared copy behind (an in-memory database made the slow way).
  let prepare: { cacheDir: string; key: string } | undefined;
  try {
    const fresh = dataDir === undefined || !existsSync(join(dataDir, "PG_VERSION"));
    const cacheDir = fresh ? snapshotCacheDir(options.cacheDir) : null;
    if (cacheDir) {
      const key = snapshotKey(migrations);
      pg = await openFromSnapshot(cacheDir, key, dataDir);
      if (!pg && dataDir !== undefined) {
        // A data folder's own files would go into a copy of it (its lock, for one): the copy is
        // made in memory, then loaded like any other.
        await prepareSnapshot(cacheDir, key, migrations);
        pg = await openFromSnapshot(cacheDir, key, dataDir);
      } else if (!pg) {
        prepare = { cacheDir, key };
      }
    }
    pg ??= await openPglite(dataDir);
  } catch (error) {
    unlock();
    throw error;
  }
  let db: Db;
  try {
    db = await wrapPglite(pg, unlock);
  } catch (error) {
    await pg.close().catch(() => {});
    unlock();
    throw error;
  }
  try {
    if (migrations.length > 0) await migrate(db, migrations);
    if (prepare) await writeSnapshot(pg, prepare.cacheDir, prepare.key);
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
