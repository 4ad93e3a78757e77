/**
 * The default storage: embedded PostgreSQL (PGlite), in memory or in a data folder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { Db, SqlExecutor } from "./db.js";
import { Mutex } from "./db-retry.js";
import { createScopedDb } from "./scoped-db.js";

/** Options of {@link createPgliteDb}. */
export interface PgliteDbOptions {
  /** Folder to keep the database in; omitted means in memory (lost on close). */
  dataDir?: string;
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
  const unlock = options.dataDir === undefined ? () => {} : lockDataDir(options.dataDir);
  let pg: PGlite;
  try {
    pg = options.dataDir === undefined ? new PGlite() : new PGlite(options.dataDir);
    await pg.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  const mutex = new Mutex();
  const plain = executor(pg);
  let closed = false;

  return createScopedDb({
    kind: "pglite",
    query: <T>(text: string, params?: unknown[]) => mutex.run(() => plain.query<T>(text, params)),
    async connect() {
      const release = await mutex.acquire();
      return { query: plain.query, release: () => release() };
    },
    async close() {
      if (closed) return;
      closed = true;
      await mutex.run(() => pg.close());
      unlock();
    },
  });
}
