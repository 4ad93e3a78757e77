/**
 * A read-through cache for the few rows every request reads and almost none changes: projects,
 * their key sets, config overrides and test clocks. Without it each request pays four queries
 * before doing its work.
 *
 * It is only as good as its invalidation, so it caches only what the database itself reports
 * changes of: the tables in {@link CHANGE_NOTIFIED_TABLES} carry triggers (migration
 * `0400_change_notifications`) that send a notification when a change to them commits, and an
 * adapter that receives those notifications before anyone can read the committed change (PGlite,
 * one connection in this process) drops the entries that depend on the table. Adapters that cannot
 * promise that (PostgreSQL, shared with other processes) offer no cache, and reads go to the
 * database as before.
 */
import type { Migration } from "./migrate.js";
import type { SqlExecutor } from "./db.js";

/** Tables whose committed changes are announced on {@link CHANGE_CHANNEL}. */
export const CHANGE_NOTIFIED_TABLES = ["emulator_projects", "emulator_api_key_sets", "emulator_config_overrides", "emulator_clock"] as const;

/** A table whose reads may be cached. */
export type ChangeNotifiedTable = (typeof CHANGE_NOTIFIED_TABLES)[number];

/** The notification channel; the payload is the changed table's name. */
export const CHANGE_CHANNEL = "stack_emulator_changes";

/** Triggers announcing committed changes of {@link CHANGE_NOTIFIED_TABLES} (statement-level, so a bulk change is one notification). */
export const changeNotificationMigrations: Migration[] = [
  {
    id: "0400_change_notifications",
    sql: `
CREATE OR REPLACE FUNCTION emulator_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${CHANGE_CHANNEL}', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
${CHANGE_NOTIFIED_TABLES.map(
  (t) => `CREATE TRIGGER ${t}_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION emulator_notify_change();`,
).join("\n")}
`,
  },
];

/** An executor that may answer some reads from a cache (see {@link readThrough}). */
export interface CachingExecutor extends SqlExecutor {
  cachedRead<T>(key: string, tables: readonly ChangeNotifiedTable[], load: () => Promise<T>): Promise<T>;
}

/**
 * `load()`, or its cached result when `db` keeps a cache: kept under `key` until a change to one
 * of `tables` commits. `load` must read nothing but `tables`, and its result must not be mutated
 * (it is shared by every caller).
 *
 * @example
 * const project = await readThrough(db, `project:${id}`, ["emulator_projects"], () => findProject(db, id));
 */
export function readThrough<T>(db: SqlExecutor, key: string, tables: readonly ChangeNotifiedTable[], load: () => Promise<T>): Promise<T> {
  const caching = db as Partial<CachingExecutor>;
  return typeof caching.cachedRead === "function" ? caching.cachedRead(key, tables, load) : load();
}

const NOTIFIED = new Set<string>(CHANGE_NOTIFIED_TABLES);
// Statements that change nothing: a transaction that ran only these cannot have made a cached
// value stale for itself.
const READ_ONLY = /^\s*(select|show)\b/i;
const MENTIONS_NOTIFIED = new RegExp(`\\b(${CHANGE_NOTIFIED_TABLES.join("|")})\\b`, "i");
const MAX_ENTRIES = 10_000;

/** What a transaction needs to know to use the cache: whether it may see its own uncommitted changes. */
export interface TransactionView {
  /** Serializable transactions read their snapshot, which a cached value may be newer than. */
  serializable: boolean;
  /** Set once the transaction ran a statement that may change a notified table. */
  changedNotified: boolean;
}

/** Records in `view` whether `sql` (run in its transaction) may change a notified table. */
export function noteStatement(view: TransactionView, sql: string): void {
  if (!view.changedNotified && !READ_ONLY.test(sql) && MENTIONS_NOTIFIED.test(sql)) view.changedNotified = true;
}

/**
 * The cache itself, for adapters that deliver change notifications synchronously (at commit,
 * before the committing call returns). Feed it every notification with {@link ReadCache.changed}.
 */
export class ReadCache {
  #entries = new Map<string, { value: unknown; tables: readonly string[] }>();
  // Bumped by every change of a table: a load that started before a change must not be kept.
  #generations = new Map<string, number>();
  #active = false;
  #checking: Promise<boolean> | undefined;
  readonly #probe: () => Promise<boolean>;

  /** `probe` answers whether the change triggers exist (before the migration runs, nothing is cached). */
  constructor(probe: () => Promise<boolean>) {
    this.#probe = probe;
  }

  /** A committed change of `table`: drops what depends on it. */
  changed(table: string): void {
    this.#generations.set(table, (this.#generations.get(table) ?? 0) + 1);
    for (const [key, entry] of this.#entries) if (entry.tables.includes(table)) this.#entries.delete(key);
  }

  /** Forgets everything (after a failure that may have hidden a notification). */
  clear(): void {
    for (const table of CHANGE_NOTIFIED_TABLES) this.changed(table);
    this.#entries.clear();
  }

  /** See {@link readThrough}; `view` is the calling transaction's, if any. */
  async read<T>(key: string, tables: readonly string[], load: () => Promise<T>, view: TransactionView | undefined): Promise<T> {
    if (view && (view.serializable || view.changedNotified)) return load();
    if (!tables.every((t) => NOTIFIED.has(t))) return load();
    const hit = this.#entries.get(key);
    if (hit) return hit.value as T;
    if (!this.#active && !(await this.#activate())) return load();
    const before = tables.map((t) => this.#generations.get(t) ?? 0);
    const value = await load();
    if (tables.every((t, i) => (this.#generations.get(t) ?? 0) === before[i])) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, { value, tables });
    }
    return value;
  }

  async #activate(): Promise<boolean> {
    this.#checking ??= this.#probe().then(
      (ok) => {
        this.#active = ok;
        this.#checking = undefined;
        return ok;
      },
      () => {
        this.#checking = undefined;
        return false;
      },
    );
    return this.#checking;
  }
}
