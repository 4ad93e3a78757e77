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
import { accessSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openAsBlob, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
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

/** The cache folder to use for the `cacheDir` option (`false`: none; a folder: that one if usable; unset: the default). */
export function snapshotCacheDir(option: SnapshotCache | undefined): string | null {
  if (option === false) return null;
  if (option === undefined) return defaultSnapshotCacheDir();
  return isUsableCacheDir(option) ? option : null;
}

/** The key of the prepared copy for `migrations` (and the settings it was made with). */
export function snapshotKey(migrations: readonly Migration[]): string {
  return createHash("sha256")
    .update(JSON.stringify({ format: SNAPSHOT_FORMAT, settings: PGLITE_SETTINGS, migrations: migrations.map((m) => [m.id, m.sql]) }))
    .digest("hex")
    .slice(0, 24);
}

// A copy's name carries its length: a copy cut short (a full disk, a damaged cache) is told
// apart before PGlite reads it, since PGlite does not always fail cleanly on a truncated tar.
const SNAPSHOT_NAME = /^pglite-([0-9a-f]+)-(\d+)\.tar$/;

/** A prepared copy found in the cache. */
export interface Snapshot {
  file: string;
  /** The copy as PGlite's `loadDataDir` takes it (file-backed: read once, not held twice). */
  blob: Blob;
}

/** The prepared copy with this key in `cacheDir`, or null; copies of the wrong length are removed. */
export async function findSnapshot(cacheDir: string, key: string): Promise<Snapshot | null> {
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return null;
  }
  for (const name of names) {
    const match = SNAPSHOT_NAME.exec(name);
    if (!match || match[1] !== key) continue;
    const file = join(cacheDir, name);
    try {
      const size = statSync(file).size;
      if (size !== Number(match[2]) || !isWholeTar(file, size)) {
        discardSnapshot(file);
        continue;
      }
      return { file, blob: await openAsBlob(file) };
    } catch {
      continue;
    }
  }
  return null;
}

const BLOCK = 512;

function octal(header: Buffer, at: number, length: number): number {
  const text = header.subarray(at, at + length).toString("latin1").replace(/[\0 ]+$/, "").trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : Number.NaN;
}

/**
 * Whether `file` is a tar archive whose every header is intact (its checksum matches) and whose
 * entries end exactly where the file does. Reads only the headers (a few hundred small reads,
 * not the tens of megabytes of data), since hashing the whole copy would cost most of a start.
 * Why it matters: PGlite takes what is not a tar for a gzip stream, and a failed gunzip there
 * surfaces as an unhandled rejection that would stop the process instead of failing the start.
 */
export function isWholeTar(file: string, size: number): boolean {
  if (size < BLOCK * 2 || size % BLOCK !== 0) return false;
  const fd = openSync(file, "r");
  try {
    const header = Buffer.alloc(BLOCK);
    let at = 0;
    let entries = 0;
    while (at + BLOCK <= size) {
      if (readSync(fd, header, 0, BLOCK, at) !== BLOCK) return false;
      if (header.every((b) => b === 0)) return entries > 0; // the end-of-archive blocks
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
      const length = octal(header, 124, 12);
      if (sum !== octal(header, 148, 8) || !Number.isFinite(length)) return false;
      at += BLOCK + Math.ceil(length / BLOCK) * BLOCK;
      entries++;
    }
    return false;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Removes a prepared copy that PGlite could not start from (made by another PostgreSQL version, damaged). */
export function discardSnapshot(file: string): void {
  rmSync(file, { force: true });
}

/**
 * Keeps `pg`'s data directory (freshly migrated, nothing else in it) as the prepared copy for
 * `key`. Written under a temporary name and renamed, so a reader never sees half a file and two
 * processes preparing at once both leave a whole one. Failing to write only costs speed later.
 */
export async function writeSnapshot(pg: PGlite, cacheDir: string, key: string): Promise<void> {
  const temp = join(cacheDir, `pglite-${key}.${process.pid}.${Date.now()}.tmp`);
  try {
    // A checkpoint first, so a start from the copy has no log to replay.
    await pg.exec("CHECKPOINT");
    const tar = new Uint8Array(await (await pg.dumpDataDir("none")).arrayBuffer());
    writeFileSync(temp, tar, { mode: 0o600 });
    const file = join(cacheDir, `pglite-${key}-${tar.byteLength}.tar`);
    renameSync(temp, file);
    pruneSnapshots(cacheDir, file);
  } catch {
    // The cache is an optimisation: a read-only or full disk must not stop the emulator.
    rmSync(temp, { force: true });
  }
}

// Copies for older migration lists (another version of the emulator, a branch) pile up at tens
// of megabytes each; the newest few stay.
function pruneSnapshots(dir: string, keep: string): void {
  const entries = readdirSync(dir)
    .filter((f) => SNAPSHOT_NAME.test(f) || /^pglite-[0-9a-f]+\..*\.tmp$/.test(f))
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
