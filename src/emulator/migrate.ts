/**
 * Versioned schema migrations, applied once each, in order, on PGlite and PostgreSQL alike.
 */
import type { Db } from "./db.js";

/** One schema change. Ids sort in application order (`0001_...` platform, `0100_...` payments). */
export interface Migration {
  id: string;
  /** SQL, possibly several statements. */
  sql: string;
}

// Arbitrary constant shared by every emulator process: the advisory lock that makes two processes
// starting at once on one PostgreSQL apply the migrations one after the other.
const MIGRATION_LOCK_KEY = 7_201_880_114;

/**
 * Applies the migrations not yet recorded in `_migrations`, in the given order, all in one
 * transaction under an advisory lock. Returns the ids applied now.
 *
 * @example
 * await migrate(db, [...platformMigrations, ...paymentsMigrations]);
 */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.id)) throw new Error(`Duplicate migration id ${m.id}`);
    seen.add(m.id);
  }
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await tx.query("CREATE TABLE IF NOT EXISTS _migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    const rows = await tx.query<{ id: string }>("SELECT id FROM _migrations");
    const applied = new Set(rows.map((r) => r.id));
    const now: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      await tx.query(m.sql);
      await tx.query("INSERT INTO _migrations (id) VALUES ($1)", [m.id]);
      now.push(m.id);
    }
    return now;
  });
}
