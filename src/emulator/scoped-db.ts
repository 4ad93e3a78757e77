/**
 * The transaction model both storage adapters share, so PGlite and PostgreSQL run one code path.
 * A transaction is a scope kept in AsyncLocalStorage: every query of the `Db` made inside it, by
 * whatever helper, joins it, and a transaction opened inside it becomes a savepoint. An adapter
 * only says how to run one statement and how to hold a connection for a transaction.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Db, DeferredTransaction, SqlExecutor, TransactionOptions } from "./db.js";
import { isStorageUnavailable, withTransactionRetries } from "./db-retry.js";
import type { CachingExecutor, ChangeNotifiedTable } from "./read-cache.js";

/** A connection held by one transaction. */
export interface TransactionConnection extends SqlExecutor {
  /** Gives the connection back; `broken` discards it (its link to the server failed). */
  release(broken: boolean): void;
}

/** What a storage adapter provides to {@link createScopedDb}. */
export interface SqlDriver {
  readonly kind: Db["kind"];
  /** Runs one statement outside any transaction (autocommit). */
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** A connection for one transaction, exclusively, until released. */
  connect(): Promise<TransactionConnection>;
  close(): Promise<void>;
  /**
   * A read cache, for adapters that keep one (see `read-cache.ts`): `load()` or its cached value.
   * `within` is the connection of the caller's transaction, so the cache can tell whether that
   * transaction may see something the cache does not (its own uncommitted changes).
   */
  cachedRead?<T>(key: string, tables: readonly ChangeNotifiedTable[], load: () => Promise<T>, within: TransactionConnection | undefined): Promise<T>;
}

/** One transaction, begun on first use. */
class TransactionScope implements DeferredTransaction {
  readonly #driver: SqlDriver;
  readonly #current: AsyncLocalStorage<TransactionScope>;
  readonly #beginStatement: string;
  readonly #onBegin: ((tx: SqlExecutor) => Promise<void>) | undefined;
  #beginning: Promise<TransactionConnection> | undefined;
  #ended = false;
  #released = false;
  #broken = false;
  #savepoints = 0;
  /** The executor handed to callers: every statement waits for the transaction to have begun. */
  readonly executor: SqlExecutor & Partial<CachingExecutor>;

  constructor(driver: SqlDriver, current: AsyncLocalStorage<TransactionScope>, beginStatement: string, onBegin?: (tx: SqlExecutor) => Promise<void>) {
    this.#driver = driver;
    this.#current = current;
    this.#beginStatement = beginStatement;
    this.#onBegin = onBegin;
    const query: SqlExecutor["query"] = async (text, params) => this.#run(await this.#connection(), text, params);
    this.executor = driver.cachedRead
      ? { query, cachedRead: async (key, tables, load) => driver.cachedRead!(key, tables, load, await this.#connection()) }
      : { query };
  }

  /**
   * False once committed or rolled back: queries from its context then run on their own. A
   * transaction that failed to begin stays open, so every query inside it keeps failing rather
   * than quietly running outside it.
   */
  get open(): boolean {
    return !this.#ended;
  }

  get begun(): boolean {
    return this.#beginning !== undefined;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#current.run(this, fn);
  }

  async begin(): Promise<SqlExecutor> {
    await this.#connection();
    return this.executor;
  }

  #connection(): Promise<TransactionConnection> {
    if (this.#ended) return Promise.reject(new Error("This transaction has already ended."));
    this.#beginning ??= this.#open();
    return this.#beginning;
  }

  async #open(): Promise<TransactionConnection> {
    let connection = await this.#driver.connect();
    try {
      await connection.query(this.#beginStatement);
    } catch (error) {
      if (!isStorageUnavailable(error)) {
        connection.release(false);
        throw error;
      }
      // A pooled connection the server dropped while it sat idle: nothing was sent in a
      // transaction yet, so one fresh connection may safely try again.
      connection.release(true);
      connection = await this.#driver.connect();
      try {
        await connection.query(this.#beginStatement);
      } catch (again) {
        connection.release(isStorageUnavailable(again));
        throw again;
      }
    }
    try {
      // `onBegin` talks to the connection directly: the executor would wait for this very begin.
      if (this.#onBegin) await this.#onBegin({ query: (text, params) => this.#run(connection, text, params) });
    } catch (error) {
      await this.#run(connection, "ROLLBACK").catch(() => (this.#broken = true));
      this.#release(connection);
      throw error;
    }
    return connection;
  }

  async #run<T>(connection: TransactionConnection, text: string, params?: unknown[]): Promise<T[]> {
    try {
      return await connection.query<T>(text, params);
    } catch (error) {
      if (isStorageUnavailable(error)) this.#broken = true;
      throw error;
    }
  }

  #release(connection: TransactionConnection): void {
    if (this.#released) return;
    this.#released = true;
    connection.release(this.#broken);
  }

  /**
   * Runs `fn` in a savepoint of this transaction: rolled back to it when `fn` throws, or when the
   * savepoint cannot be released (a statement inside failed and `fn` went on regardless).
   * Concurrent savepoints of one transaction are not supported (they would interleave).
   */
  async savepoint<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const tx = await this.begin();
    const name = `sp_${++this.#savepoints}`;
    await tx.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(tx);
      await tx.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      try {
        await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await tx.query(`RELEASE SAVEPOINT ${name}`);
      } catch {
        // The connection is gone (marked broken) or the whole transaction is doomed: the
        // original error says more, and the owner's rollback cleans up.
      }
      throw error;
    }
  }

  async commit(): Promise<void> {
    this.#ended = true;
    if (this.#beginning === undefined) return;
    // A transaction that failed to begin has nothing to commit: its error is the answer.
    const connection = await this.#beginning;
    if (this.#released) throw new Error("This transaction has already ended.");
    try {
      await this.#run(connection, "COMMIT");
    } finally {
      // A failed COMMIT ends the transaction too: the server rolled it back, or the connection
      // is gone (and with it the transaction, unless the COMMIT got through first).
      this.#release(connection);
    }
  }

  async rollback(): Promise<void> {
    this.#ended = true;
    if (this.#beginning === undefined) return;
    let connection: TransactionConnection;
    try {
      connection = await this.#beginning;
    } catch {
      return; // it never began, and gave its connection back then
    }
    if (this.#released) return;
    try {
      await this.#run(connection, "ROLLBACK");
    } catch {
      // A connection that cannot roll back is discarded, which ends its transaction server-side.
      this.#broken = true;
    }
    this.#release(connection);
  }
}

/**
 * Builds a {@link Db} over `driver`: plain queries run on their own; `transaction` and
 * `deferredTransaction` hold one connection and make every query of this `Db` issued inside
 * them (found through AsyncLocalStorage, so helpers that take the `Db` join too) part of it.
 *
 * @example
 * const db = createScopedDb({ kind: "postgres", query, connect, close });
 */
export function createScopedDb(driver: SqlDriver): Db {
  const current = new AsyncLocalStorage<TransactionScope>();
  const active = (): TransactionScope | undefined => {
    const scope = current.getStore();
    return scope?.open ? scope : undefined;
  };
  return {
    kind: driver.kind,
    query<T>(text: string, params?: unknown[]): Promise<T[]> {
      const scope = active();
      return scope ? scope.executor.query<T>(text, params) : driver.query<T>(text, params);
    },
    // Only where the adapter keeps a read cache: `readThrough` tells by this method's presence.
    ...(driver.cachedRead && {
      cachedRead<T>(key: string, tables: readonly ChangeNotifiedTable[], load: () => Promise<T>): Promise<T> {
        const scope = active();
        return scope ? scope.executor.cachedRead!(key, tables, load) : driver.cachedRead!(key, tables, load, undefined);
      },
    }),
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
      const outer = active();
      if (outer) return outer.savepoint(fn);
      const begin = options?.isolation === "serializable" ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN";
      return withTransactionRetries(async () => {
        const scope = new TransactionScope(driver, current, begin);
        try {
          const tx = await scope.begin();
          const result = await scope.run(() => fn(tx));
          await scope.commit();
          return result;
        } catch (error) {
          await scope.rollback();
          throw error;
        }
      });
    },
    deferredTransaction(onBegin?: (tx: SqlExecutor) => Promise<void>): DeferredTransaction {
      // A second connection while this context holds one would deadlock PGlite (one connection)
      // and escape the outer transaction on PostgreSQL.
      if (active()) throw new Error("deferredTransaction() cannot be opened inside another transaction.");
      return new TransactionScope(driver, current, "BEGIN", onBegin);
    },
    close: () => driver.close(),
  };
}
