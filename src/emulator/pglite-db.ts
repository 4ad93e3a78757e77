/**
 * The default storage: embedded PostgreSQL (PGlite), in memory or in a data folder.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Db, SqlExecutor } from "./db.js";
import { Mutex, withTransactionRetries } from "./db-retry.js";

/** Options of {@link createPgliteDb}. */
export interface PgliteDbOptions {
  /** Folder to keep the database in; omitted means in memory (lost on close). */
  dataDir?: string;
}

function executor(target: PGlite | Transaction): SqlExecutor {
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
 * Opens an embedded PostgreSQL. PGlite has a single connection, so transactions are serialised
 * by an in-process mutex; a query issued by code already inside a transaction joins that
 * transaction instead of waiting for it (which would deadlock).
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
  const current = new AsyncLocalStorage<SqlExecutor>();
  const plain = executor(pg);
  let closed = false;

  return {
    kind: "pglite",
    query<T>(text: string, params?: unknown[]): Promise<T[]> {
      const tx = current.getStore();
      if (tx) return tx.query<T>(text, params);
      return mutex.run(() => plain.query<T>(text, params));
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts?: { isolation?: "read committed" | "serializable" }): Promise<T> {
      const outer = current.getStore();
      if (outer) return fn(outer);
      return withTransactionRetries(() =>
        mutex.run(() =>
          pg.transaction(async (raw) => {
            if (opts?.isolation === "serializable") await raw.exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
            const tx = executor(raw);
            return current.run(tx, () => fn(tx));
          }),
        ),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      await mutex.run(() => pg.close());
      unlock();
    },
  };
}
