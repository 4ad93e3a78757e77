/**
 * Prepared PGlite data directories. Starting PGlite means running initdb (a second PostgreSQL in
 * WebAssembly) and then every migration; both give the same files every time for a given list of
 * migrations. So the first start keeps a copy of the migrated data directory, and every later new
 * database starts from a copy of that copy: no initdb, no migrations. The copy is a plain folder,
 * so a start copies files (about 0.1 s for the emulator's 40 MB) and PGlite opens them where they
 * are, instead of unpacking an archive into memory (about 0.8 s more).
 *
 * A second copy, of a database just made by initdb with no migrations, makes a copy for another
 * migration list (an upgrade, a test's own migrations) a matter of migrating, not of initdb again.
 *
 * The copies live in a cache folder, not in the package: they are made by the PGlite actually
 * installed (its PostgreSQL version must read them), they depend on the migrations, and they
 * would add tens of megabytes to every install for what one start makes in a few seconds.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { copyFile, rm, stat } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Migration } from "./migrate.js";

/**
 * Settings every PGlite of the emulator starts with (after PGlite's own). `shared_buffers` is
 * PostgreSQL's page cache; PGlite's data files already live in memory (or the OS caches them),
 * so its default of 128 MB mostly duplicates them: 16 MB holds the emulator's working set and
 * saves about 110 MB of resident memory.
 */
export const PGLITE_SETTINGS: readonly string[] = ["-c", "shared_buffers=16MB"];

// Bump when what goes into a prepared copy changes in a way its key does not show.
const SNAPSHOT_FORMAT = 2;
const KEEP_SNAPSHOTS = 3;
/** The file, written last, that lists a prepared copy's files and their sizes. */
const MANIFEST = "stack-payments-copy.json";

/** Where prepared data directories are kept: an explicit folder, or `false` for none. */
export type SnapshotCache = string | false;

/**
 * Why `dir` is not a folder of ours (made if missing), writable, that no other user can write; null
 * when it is. A folder the user named (`STACK_PAYMENTS_CACHE_DIR`, the `cacheDir` option, the
 * project's `node_modules`) may be a symbolic link to one; a name in the shared temp folder may not
 * (another user could have put the link there).
 */
function folderProblem(dir: string, followLink = true): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = followLink ? statSync(dir) : lstatSync(dir);
    if (!stat.isDirectory()) return "it is not a folder";
    // A shared temp folder could hold a copy planted by another user: only our own folder counts.
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) return "another user owns it";
    if (uid !== undefined && (stat.mode & 0o022) !== 0) return `other users may write to it (mode ${(stat.mode & 0o777).toString(8)}; chmod go-w fixes that)`;
    accessSync(dir, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // mkdir answers these before the checks above can: a file where the folder should be, or on its path.
    if (code === "EEXIST") return "it is not a folder";
    if (code === "ENOTDIR") return "a part of its path is not a folder";
    return `it cannot be made or written (${code ?? String(error)})`;
  }
}

const isOwnFolder = (dir: string, followLink = true) => folderProblem(dir, followLink) === null;

function nearestNodeModules(from: string | undefined): string | null {
  if (!from) return null;
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

function mainScriptDir(): string | undefined {
  const script = process.argv[1];
  if (!script) return undefined;
  try {
    return dirname(realpathSync(script));
  } catch {
    return dirname(script);
  }
}

const warnedCacheDirs = new Set<string>();

/**
 * The default cache folder, as other tools choose theirs: `STACK_PAYMENTS_CACHE_DIR` if set
 * (`0`, `off`, `false` or `no`, in any case and spacing, disable caching; a folder that cannot be
 * used is warned about once), else `node_modules/.cache/stack-payments` of the project running the
 * emulator (found from the main script, then from the working folder), else a private folder in
 * the OS temp folder. Null when none is usable.
 */
export function defaultSnapshotCacheDir(): string | null {
  const env = process.env.STACK_PAYMENTS_CACHE_DIR;
  if (env !== undefined && env !== "") {
    // The ways people write "no" to an environment variable, rather than a folder named "false".
    if (["0", "off", "false", "no"].includes(env.trim().toLowerCase())) return null;
    const problem = folderProblem(env);
    if (problem === null) return env;
    // The user chose this folder: say why it is not used rather than start slowly in silence.
    if (!warnedCacheDirs.has(env)) {
      warnedCacheDirs.add(env);
      process.emitWarning(
        `STACK_PAYMENTS_CACHE_DIR=${env} is not used for prepared database copies: ${problem}. Each start makes its database from nothing (slower). Set STACK_PAYMENTS_CACHE_DIR=off to silence this.`,
        { code: "STACK_PAYMENTS_CACHE_DIR" },
      );
    }
    return null;
  }
  const candidates: string[] = [];
  // The script's real location: started through a link (npx's own `node_modules/.bin`, a global
  // install) the cache still goes with the package it belongs to, not next to the link.
  for (const from of [mainScriptDir(), process.cwd()]) {
    const modules = nearestNodeModules(from);
    if (modules) candidates.push(join(modules, ".cache", "stack-payments"));
  }
  const shared = join(tmpdir(), `stack-payments-cache-${process.getuid?.() ?? "user"}`);
  return candidates.find((dir) => isOwnFolder(dir)) ?? (isOwnFolder(shared, false) ? shared : null);
}

/** The cache folder to use for the `cacheDir` option (`false`: none; a folder: that one if usable; unset: the default). */
export function snapshotCacheDir(option: SnapshotCache | undefined): string | null {
  if (option === false) return null;
  if (option === undefined) return defaultSnapshotCacheDir();
  return isOwnFolder(option) ? option : null;
}

/**
 * The key of the prepared copy for `migrations` (and the settings it was made with). With no
 * migrations it is the key of the bare copy (initdb only) that copies for other lists start from.
 */
export function snapshotKey(migrations: readonly Migration[]): string {
  return createHash("sha256")
    .update(JSON.stringify({ format: SNAPSHOT_FORMAT, settings: PGLITE_SETTINGS, migrations: migrations.map((m) => [m.id, m.sql]) }))
    .digest("hex")
    .slice(0, 24);
}

const SNAPSHOT_NAME = /^pglite-([0-9a-f]{24})$/;
// Work folders (`snapshotWorkDir`) and copies being removed (`discardSnapshot`): pglite-<key>.<pid>[-<machine>].<random>.tmp
const TEMP_NAME = /^pglite-[0-9a-f]{24}\.(\d+)(?:-([0-9a-f]{8}))?\.[0-9a-f]+\.tmp$/;
// Copies in the first format (one tar file each), left by earlier versions.
const OLD_SNAPSHOT_NAME = /^pglite-[0-9a-f]+-\d+\.tar$/;

/** The folder of the prepared copy with this key (which may not exist). */
export function snapshotPath(cacheDir: string, key: string): string {
  return join(cacheDir, `pglite-${key}`);
}

/** The files of a data directory, relative paths with their sizes (folders end with `/`). */
function listFiles(root: string, at = "", out: Array<[string, number]> = []): Array<[string, number]> {
  for (const entry of readdirSync(join(root, at), { withFileTypes: true })) {
    const rel = at === "" ? entry.name : `${at}/${entry.name}`;
    if (entry.isDirectory()) {
      out.push([`${rel}/`, 0]);
      listFiles(root, rel, out);
    } else if (entry.isFile() && rel !== MANIFEST) {
      out.push([rel, statSync(join(root, rel)).size]);
    }
  }
  return out;
}

/** The files a prepared copy says it holds, or null when it has no readable list (made half, damaged). */
function readManifest(dir: string, key: string): Array<[string, number]> | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as { key?: unknown; files?: unknown };
    if (manifest.key !== key || !Array.isArray(manifest.files)) return null;
    const files = manifest.files as unknown[];
    const valid = files.every(
      (f) => Array.isArray(f) && typeof f[0] === "string" && !f[0].startsWith("/") && !f[0].split("/").includes("..") && Number.isSafeInteger(f[1]),
    );
    return valid ? (files as Array<[string, number]>) : null;
  } catch {
    return null;
  }
}

/** Whether every file a prepared copy lists is there at its listed length. */
function isWhole(source: string, files: ReadonlyArray<[string, number]>): boolean {
  try {
    return files.every(([rel, size]) => (rel.endsWith("/") ? statSync(join(source, rel)).isDirectory() : statSync(join(source, rel)).size === size));
  } catch {
    return false;
  }
}

// The file PGlite (and `createPgliteDb`) take as the sign that a folder holds a database.
const VERSION_FILE = "PG_VERSION";

/**
 * Copies the prepared copy with this key into `target` (an empty or new folder). False when there
 * is none, or the copy failed; a prepared copy that is not whole (a file missing or of another
 * length than its list says) is then removed, and what was copied of it too. A copy that failed
 * for the target's sake (a full disk, no permission) is kept: it is not at fault. Files are copied
 * side by side (on libuv's threads), which measured about a third faster than one after another;
 * `PG_VERSION` goes last, so a copy cut short (kill -9, power loss) into a data folder is never
 * taken for a database by the next start, which copies again.
 */
export async function copySnapshot(cacheDir: string, key: string, target: string): Promise<boolean> {
  const source = snapshotPath(cacheDir, key);
  const files = readManifest(source, key);
  if (!files) {
    if (existsSync(source)) discardSnapshot(source);
    return false;
  }
  // Only what this copy made is removed when it fails (a data folder may hold folders of its own).
  const made: string[] = [];
  const copyOne = async ([rel, size]: [string, number]) => {
    const to = join(target, rel);
    if (!existsSync(to)) made.push(to);
    await copyFile(join(source, rel), to);
    if ((await stat(to)).size !== size) throw new Error(`${rel} is not whole`);
  };
  try {
    if (!existsSync(target)) made.push(target);
    mkdirSync(target, { recursive: true });
    for (const [rel] of files) {
      if (!rel.endsWith("/") || existsSync(join(target, rel))) continue;
      made.push(join(target, rel));
      mkdirSync(join(target, rel), { recursive: true });
    }
    const results = await Promise.allSettled(files.filter(([rel]) => !rel.endsWith("/") && rel !== VERSION_FILE).map(copyOne));
    if (results.some((r) => r.status === "rejected")) throw new Error("the copy is not whole");
    const version = files.find(([rel]) => rel === VERSION_FILE);
    if (version) await copyOne(version);
    return true;
  } catch {
    if (!isWhole(source, files)) discardSnapshot(source);
    for (const path of made.reverse()) rmSync(path, { recursive: true, force: true });
    return false;
  }
}

/** Removes a prepared copy that PGlite could not start from (made by another PostgreSQL version, damaged). */
export function discardSnapshot(dir: string): void {
  // Renamed away first, so no other process starts copying it while it is being removed.
  const doomed = `${dir}.${processTag()}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    renameSync(dir, doomed);
  } catch {
    return;
  }
  rmSync(doomed, { recursive: true, force: true });
}

/**
 * A new folder in the cache to make a copy in, named so an abandoned one is recognised. Random, not
 * timed: two databases of one process (or of worker threads, which share its id) preparing in the
 * same millisecond must not share a folder.
 */
export function snapshotWorkDir(cacheDir: string, key: string): string {
  return join(cacheDir, `pglite-${key}.${processTag()}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Keeps `workDir` (a data directory whose PGlite has been closed, so its files are all written)
 * as the prepared copy for `key`: its file list is written last, then the folder renamed into
 * place, so a reader never takes half a copy for a whole one, and of two processes preparing at
 * once the first keeps its copy and the second drops its own. Failing only costs speed later.
 */
export function keepSnapshot(workDir: string, cacheDir: string, key: string): void {
  try {
    writeFileSync(join(workDir, MANIFEST), JSON.stringify({ key, files: listFiles(workDir) }), { mode: 0o600 });
    renameSync(workDir, snapshotPath(cacheDir, key));
    pruneSnapshots(cacheDir, key);
  } catch {
    // The cache is an optimisation: a read-only or full disk (or a copy kept first by another process) must not stop the emulator.
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

// Copies for older migration lists (another version of the emulator, a branch) pile up at tens
// of megabytes each; the newest few stay, with the bare copy (its key never changes with migrations).
function pruneSnapshots(dir: string, keep: string): void {
  const bare = snapshotKey([]);
  const now = Date.now();
  const copies: Array<{ path: string; at: number }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      if (OLD_SNAPSHOT_NAME.test(name)) rmSync(path, { force: true });
      else if (TEMP_NAME.test(name)) removeIfAbandoned(path, name, now);
      else {
        const match = SNAPSHOT_NAME.exec(name);
        if (match && match[1] !== keep && match[1] !== bare) copies.push({ path, at: statSync(path).mtimeMs });
      }
    } catch {
      // Removed meanwhile by another process.
    }
  }
  copies.sort((a, b) => b.at - a.at);
  for (const { path } of copies.slice(KEEP_SNAPSHOTS - 1)) rmSync(path, { recursive: true, force: true });
}

// ---- databases kept for one process ----

// stack-payments-db-<pid>-<machine>-<random> (a name without <machine>, from before it was added, is never removed).
const RUN_DIR_NAME = /^stack-payments-db-(\d+)-(?:([0-9a-f]{8})-)?/;

let machine: string | undefined;
/**
 * Which process table this process's id belongs to: on Linux its PID namespace, elsewhere the host
 * name. A container sharing the cache folder (a mounted project folder) numbers its processes
 * apart, so a process id from another one says nothing about whether that process is running.
 */
function machineTag(): string {
  if (machine === undefined) {
    let table: string;
    try {
      table = readlinkSync("/proc/self/ns/pid");
    } catch {
      table = `host:${hostname()}`;
    }
    machine = createHash("sha256").update(table).digest("hex").slice(0, 8);
  }
  return machine;
}

/** `<pid>-<machine>`: who made a folder, so a folder whose maker died can be told apart. */
function processTag(): string {
  return `${process.pid}-${machineTag()}`;
}

/** Whether the process that named a folder `pid`/`tag` is gone: seen here, and not running. */
function isAbandoned(pid: number, tag: string | undefined): boolean {
  return tag === machineTag() && pid !== process.pid && !isAlive(pid);
}

/**
 * Removes a work folder (or a copy half removed) whose process died (kill -9 or Ctrl-C during a
 * first start), or, when its process is not one this process can see, that is clearly abandoned
 * (an hour old). Removing one still in use only costs its process the prepared copy: it starts
 * the slow way.
 */
function removeIfAbandoned(path: string, name: string, now: number): void {
  const match = TEMP_NAME.exec(name);
  if (!match) return;
  try {
    if (isAbandoned(Number(match[1]), match[2]) || now - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  } catch {
    // Removed meanwhile by another process.
  }
}

/** Whether a process with this id is running (ours or another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

const liveRunDirs = new Set<string>();
let exitHookInstalled = false;

/**
 * A private folder for a database that lasts as long as its process (what `--memory` asks for):
 * PGlite keeps its files there, the OS keeps them in its cache, and the folder is removed when
 * the database closes or the process exits. It is made in `parent` (the cache folder, so the
 * copy stays on the disk it comes from: copying across folders far apart measured 2-3x slower
 * here) or else the OS temp folder. Folders left there by processes of this machine that died
 * without closing (kill -9) are removed, and so are abandoned work folders of the cache.
 */
export function makeRunDir(parent: string | null): string {
  const base = parent ?? tmpdir();
  const uid = process.getuid?.();
  try {
    for (const name of readdirSync(base)) {
      const path = join(base, name);
      if (parent !== null) removeIfAbandoned(path, name, Date.now());
      const match = RUN_DIR_NAME.exec(name);
      // A database folder is only removed when its process is known dead: one of a process in
      // another container (another process table) may be in use, whatever its id says here.
      if (!match || !isAbandoned(Number(match[1]), match[2])) continue;
      if (uid === undefined || lstatSync(path).uid === uid) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // Tidying up after others is not this start's business if it fails.
  }
  const dir = mkdtempSync(join(base, `stack-payments-db-${processTag()}-`));
  liveRunDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const left of liveRunDirs) rmSync(left, { recursive: true, force: true });
    });
  }
  return dir;
}

/** Removes a folder made by {@link makeRunDir} (without holding up the process while it goes). */
export async function removeRunDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  liveRunDirs.delete(dir);
}
