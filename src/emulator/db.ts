/**
 * Storage for the emulator: one small SQL interface with two implementations, embedded
 * PostgreSQL (PGlite, the default) and a real PostgreSQL server (`DATABASE_URL`). Both run the
 * same schema and the same queries.
 */

/** A connection or a transaction: parameterised queries with `$1`-style placeholders. */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** A database: queries, transactions, and a way to close it. */
export interface Db extends SqlExecutor {
  /**
   * Runs `fn` in one transaction. `isolation: "serializable"` retries the whole function on
   * serialization failures (SQLSTATE 40001 / 40P01), so callers get at-most-once effects.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: { isolation?: "read committed" | "serializable" }): Promise<T>;
  close(): Promise<void>;
  /** `"pglite"` or `"postgres"`. */
  readonly kind: "pglite" | "postgres";
}
