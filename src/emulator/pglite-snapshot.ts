/**
 * Prepared PGlite data directories. Starting PGlite means running initdb (a second PostgreSQL in
 * WebAssembly) and then every migration; both give the same files every time for a given list of
 * migrations. So the first start keeps a copy of the migrated data directory (a tar of its
 * files), and every later new database loads that copy instead: no initdb, no migrations.
 *
 * The copies live in a cache folder, not in the package: they are made by the PGlite actually
 * installed (its PostgreSQL version must read them), they depend on the migrations, and they
 * would add tens of megabytes to every install for what one start makes in a few seconds.
 */
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, lstatSync, mkdirSync, openAsBlob, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { Migration } from "./migrate.js";

/**
 * Settings every PGlite of the emulator starts with (after PGlite's own). `shared_buffers` is
 * PostgreSQL's page cache; PGlite's data files already live in memory (or the OS caches them),
 * so its default of 128 MB mostly duplicates them: 16 MB holds the emulator's working set and
 * saves about 110 MB of resident memory.
 */
export const PGLITE_SETTINGS: readonly string[] = ["-c", "shared_buffers=16MB"];

// Bump when what goes into a prepared copy changes in a way its key does not show.
const SNAPSHOT_FORMAT = 1;
const KEEP_SNAPSHOTS = 3;

/** Where prepared data directories are kept: an explicit folder, or `false` for none. */
export type SnapshotCache = string | false;

function isUsableCacheDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) return false;
    // A shared temp folder could hold a copy planted by another user: only our own folder counts.
    const uid = process.getuid?.();
    if (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0)) return false;
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function nearestNodeModules(from: string | undefined): string | null {
  if (!from) return null;
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The default cache folder, as other tools choose theirs: `STACK_PAYMENTS_CACHE_DIR` if set
 * (`0` or `off` disables caching), else `node_modules/.cache/stack-payments` of the project
 * running the emulator (found from the main script, then from the working folder), else a
 * private folder in the OS temp folder. Null when none is usable.
 */
export function defaultSnapshotCacheDir(): string | null {
  const env = process.env.STACK_PAYMENTS_CACHE_DIR;
  if (env !== undefined && env !== "") {
    if (env === "0" || env.toLowerCase() === "off") return null;
    return isUsableCacheDir(env) ? env : null;
  }
  const candidates: string[] = [];
  for (const from of [process.argv[1] ? dirname(process.argv[1]) : undefined, process.cwd()]) {
    const modules = nearestNodeModules(from);
    if (modules) candidates.push(join(modules, ".cache", "stack-payments"));
  }
  candidates.push(join(tmpdir(), `stack-payments-cache-${process.getuid?.() ?? "user"}`));
  return candidates.find(isUsableCacheDir) ?? null;
}

/** The file a prepared copy for `migrations` has (or will have) in `cacheDir`. */
export function snapshotFile(cacheDir: string, migrations: readonly Migration[]): string {
  const key = createHash("sha256")
    .update(JSON.stringify({ format: SNAPSHOT_FORMAT, settings: PGLITE_SETTINGS, migrations: migrations.map((m) => [m.id, m.sql]) }))
    .digest("hex")
    .slice(0, 24);
  return join(cacheDir, `pglite-${key}.tar`);
}

/** A prepared copy as PGlite's `loadDataDir` takes it, or null when there is none. */
export async function readSnapshot(file: string): Promise<Blob | null> {
  try {
    // A file-backed blob: PGlite reads it once, without another copy in memory.
    return await openAsBlob(file);
  } catch {
    return null;
  }
}

/** Removes a prepared copy that PGlite could not start from (made by another PostgreSQL version, damaged). */
export function discardSnapshot(file: string): void {
  rmSync(file, { force: true });
}

/**
 * Keeps `pg`'s data directory (freshly migrated, nothing else in it) as the prepared copy
 * `file`. Written under a temporary name and renamed, so a reader never sees half a file and two
 * processes preparing at once both leave a whole one. Failing to write only costs speed later.
 */
export async function writeSnapshot(pg: PGlite, file: string): Promise<void> {
  try {
    // A checkpoint first, so a start from the copy has no log to replay.
    await pg.exec("CHECKPOINT");
    const tar = new Uint8Array(await (await pg.dumpDataDir("none")).arrayBuffer());
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, tar, { mode: 0o600 });
    renameSync(temp, file);
    pruneSnapshots(dirname(file), file);
  } catch {
    // The cache is an optimisation: a read-only or full disk must not stop the emulator.
  }
}

// Copies for older migration lists (another version of the emulator, a branch) pile up at tens
// of megabytes each; the newest few stay.
function pruneSnapshots(dir: string, keep: string): void {
  const entries = readdirSync(dir)
    .filter((f) => /^pglite-[0-9a-f]+\.tar(\..*\.tmp)?$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => f !== keep)
    .map((f) => ({ f, at: statSync(f).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  // Temporary files of other processes are left alone unless clearly abandoned (an hour old).
  const now = Date.now();
  let kept = 1;
  for (const { f, at } of entries) {
    if (f.endsWith(".tmp")) {
      if (now - at > 3_600_000) rmSync(f, { force: true });
      continue;
    }
    if (kept < KEEP_SNAPSHOTS) kept++;
    else rmSync(f, { force: true });
  }
}
