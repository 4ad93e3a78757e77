/**
 * Storage for the emulator: one small SQL interface with two implementations, embedded
 * PostgreSQL (PGlite, the default) and a real PostgreSQL server (`DATABASE_URL`). Both run the
 * same schema and the same queries, and share one transaction model (see `scoped-db.ts`).
 */

/** A connection or a transaction: parameterised queries with `$1`-style placeholders. */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** Options of {@link Db.transaction}. */
export interface TransactionOptions {
  isolation?: "read committed" | "serializable";
}

/**
 * A transaction that begins on first use. Everything of its `Db` that runs inside {@link run}
 * (queries, and transactions, which become savepoints) joins it; the first such query begins it.
 * The owner then commits or rolls it back.
 */
export interface DeferredTransaction {
  /** Runs `fn` with this transaction as the current one of its `Db`. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Begins the transaction if nothing has yet, and answers it. */
  begin(): Promise<SqlExecutor>;
  /** True once begun. */
  readonly begun: boolean;
  /**
   * Commits. Afterwards (as after {@link rollback}) queries from `run`'s context go to the
   * database on their own again. Nothing to do when never begun.
   */
  commit(): Promise<void>;
  /** Rolls back. Never throws: a connection that cannot roll back is discarded. */
  rollback(): Promise<void>;
}

/** A database: queries, transactions, and a way to close it. */
export interface Db extends SqlExecutor {
  /**
   * Runs `fn` in one transaction. `isolation: "serializable"` retries the whole function on
   * serialization failures (SQLSTATE 40001 / 40P01), so callers get at-most-once effects. Called
   * inside another transaction of this `Db`, it runs in a savepoint of that transaction instead
   * (rolled back if `fn` throws; the outer transaction decides the isolation and any retry).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * A transaction begun by the first query run inside it (see {@link DeferredTransaction}).
   * `onBegin` runs first thing in it, before that query. The idempotency layer wraps a write
   * and the record of its answer in one of these, so they commit together or not at all.
   */
  deferredTransaction(onBegin?: (tx: SqlExecutor) => Promise<void>): DeferredTransaction;
  close(): Promise<void>;
  /** `"pglite"` or `"postgres"`. */
  readonly kind: "pglite" | "postgres";
}
