/**
 * Storage on a real PostgreSQL server (`DATABASE_URL`). `pg` is an optional peer dependency, so
 * it is loaded only when this adapter is used.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Db, SqlExecutor } from "./db.js";
import { withTransactionRetries } from "./db-retry.js";

interface PgClientLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] } | Array<{ rows: unknown[] }>>;
  release(error?: Error | boolean): void;
}
interface PgPoolLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] } | Array<{ rows: unknown[] }>>;
  connect(): Promise<PgClientLike>;
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): void;
}

function lastRows<T>(result: { rows: unknown[] } | Array<{ rows: unknown[] }>): T[] {
  // A multi-statement simple query answers with one result per statement.
  const last = Array.isArray(result) ? result.at(-1) : result;
  return (last?.rows ?? []) as T[];
}

/**
 * Connects to PostgreSQL at `url` (a pool of up to `max` connections). `int8` columns come back
 * as numbers, as they do from PGlite.
 *
 * @example
 * const db = await createPostgresDb(process.env.DATABASE_URL!);
 */
export async function createPostgresDb(url: string, options: { max?: number } = {}): Promise<Db> {
  let pgModule: { default?: unknown } & Record<string, unknown>;
  try {
    pgModule = (await import("pg")) as typeof pgModule;
  } catch {
    throw new Error("DATABASE_URL is set but the optional peer dependency `pg` is not installed. Run `npm install pg`.");
  }
  const pg = (pgModule.default ?? pgModule) as {
    Pool: new (config: Record<string, unknown>) => PgPoolLike;
    types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
  };
  const int8 = (value: string) => Number(value);
  const types = {
    getTypeParser: (oid: number, format?: string) => (oid === 20 ? int8 : pg.types.getTypeParser(oid, format)),
  };
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
  // An idle client losing its connection must not crash the process.
  pool.on("error", () => {});
  await pool.query("SELECT 1");
  const current = new AsyncLocalStorage<SqlExecutor>();

  return {
    kind: "postgres",
    async query<T>(text: string, params?: unknown[]): Promise<T[]> {
      const tx = current.getStore();
      if (tx) return tx.query<T>(text, params);
      return lastRows<T>(await pool.query(text, params === undefined || params.length === 0 ? undefined : params));
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts?: { isolation?: "read committed" | "serializable" }): Promise<T> {
      const outer = current.getStore();
      if (outer) return fn(outer);
      return withTransactionRetries(async () => {
        const client = await pool.connect();
        const tx: SqlExecutor = {
          async query<R>(text: string, params?: unknown[]): Promise<R[]> {
            return lastRows<R>(await client.query(text, params === undefined || params.length === 0 ? undefined : params));
          },
        };
        let broken = false;
        try {
          await client.query(opts?.isolation === "serializable" ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN");
          const result = await current.run(tx, () => fn(tx));
          await client.query("COMMIT");
          return result;
        } catch (error) {
          try {
            await client.query("ROLLBACK");
          } catch {
            broken = true;
          }
          throw error;
        } finally {
          client.release(broken);
        }
      });
    },
    async close() {
      await pool.end();
    },
  };
}
