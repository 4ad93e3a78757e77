/**
 * Storage on a real PostgreSQL server (`DATABASE_URL`). `pg` is an optional peer dependency, so
 * it is loaded only when this adapter is used.
 */
import type { Db } from "./db.js";
import { createScopedDb } from "./scoped-db.js";

interface PgClientLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] } | Array<{ rows: unknown[] }>>;
  release(error?: Error | boolean): void;
  on(event: "error", listener: (error: Error) => void): void;
}
interface PgPoolLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] } | Array<{ rows: unknown[] }>>;
  connect(): Promise<PgClientLike>;
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): void;
  on(event: "connect", listener: (client: PgClientLike) => void): void;
}

function lastRows<T>(result: { rows: unknown[] } | Array<{ rows: unknown[] }>): T[] {
  // A multi-statement simple query answers with one result per statement.
  const last = Array.isArray(result) ? result.at(-1) : result;
  return (last?.rows ?? []) as T[];
}

/** Options of {@link createPostgresDb}. */
export interface PostgresDbOptions {
  /** Largest number of connections (default 10). */
  max?: number;
  /** How long to wait for a connection before failing the request with a 503 (default 5000 ms). */
  connectionTimeoutMillis?: number;
}

/**
 * Connects to PostgreSQL at `url` (a pool of up to `max` connections). `int8` columns come back
 * as numbers, as they do from PGlite.
 *
 * A restart of the server (any shutdown mode) does not take the process down: every connection's
 * `error` event is handled, requests that were using a dropped connection fail (the app answers
 * them 503, retryable), dropped connections are discarded, and the pool opens new ones as soon as
 * the server accepts them again.
 *
 * @example
 * const db = await createPostgresDb(process.env.DATABASE_URL!);
 */
export async function createPostgresDb(url: string, options: PostgresDbOptions = {}): Promise<Db> {
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
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    types,
  });
  // pg-pool listens for `error` only on idle clients; a client checked out by a transaction
  // whose server connection drops would emit an unhandled `error` and end the process. The
  // failure reaches the transaction through its pending query instead.
  pool.on("connect", (client) => client.on("error", () => {}));
  // An idle client losing its connection: the pool discards it.
  pool.on("error", () => {});
  await pool.query("SELECT 1");
  const params = (values?: unknown[]) => (values === undefined || values.length === 0 ? undefined : values);

  return createScopedDb({
    kind: "postgres",
    query: async <T>(text: string, values?: unknown[]) => lastRows<T>(await pool.query(text, params(values))),
    async connect() {
      const client = await pool.connect();
      return {
        query: async <T>(text: string, values?: unknown[]) => lastRows<T>(await client.query(text, params(values))),
        release: (broken) => client.release(broken || undefined),
      };
    },
    close: () => pool.end(),
  });
}
