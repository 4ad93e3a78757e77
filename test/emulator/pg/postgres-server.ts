/**
 * Starts a throwaway PostgreSQL server for tests and benchmarks: a fresh data directory on a temp
 * folder and a free port, run as the `postgres` user when we are root (the server refuses root).
 * `findPostgresBinaries()` answers null when no PostgreSQL is installed.
 *
 * initdb gives the same files every time and takes seconds, so it runs once per machine (per
 * PostgreSQL installation) into a template folder; each server starts on a copy of it.
 * `STACK_PAYMENTS_TEST_PG_TEMPLATE=off` runs initdb for every server instead.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, lstatSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The bin directory holding initdb and pg_ctl, or null. */
export function findPostgresBinaries(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin;
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function postgresUid(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

const INITDB_ARGS = ["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"];

type Run = (cmd: string, args: string[]) => void;

/**
 * The template data directory for `bin` (made now if missing), or null when templates are off.
 * Only a template owned by the server's user and writable by no one else is used.
 */
function initdbTemplate(bin: string, owner: { uid: number; gid: number } | null, run: Run): string | null {
  if (process.env.STACK_PAYMENTS_TEST_PG_TEMPLATE === "off") return null;
  const key = createHash("sha256").update(JSON.stringify([bin, INITDB_ARGS])).digest("hex").slice(0, 16);
  const home = join(tmpdir(), `stack-payments-pg-template-${key}`);
  const data = join(home, "data");
  const uid = owner?.uid ?? process.getuid?.();
  const trusted = (path: string) => {
    const stat = lstatSync(path);
    return stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0;
  };
  if (existsSync(join(data, "PG_VERSION"))) return trusted(home) && trusted(data) ? data : null;
  // Made aside and renamed into place, so a concurrent test never copies half a template.
  const scratch = mkdtempSync(join(tmpdir(), "stack-payments-pg-template-new-"));
  chmodSync(scratch, 0o700);
  if (owner) chownSync(scratch, owner.uid, owner.gid);
  try {
    run("initdb", ["-D", join(scratch, "data"), ...INITDB_ARGS]);
    renameSync(scratch, home);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    // Another process won the race: its template is as good.
    if (!existsSync(join(data, "PG_VERSION"))) throw error;
  }
  return data;
}

function runAsync(owner: { uid: number; gid: number } | null, file: string, args: string[]): Promise<void> {
  const [cmd, all] = owner ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  return new Promise((resolve, reject) =>
    execFile(cmd, all, (error, _stdout, stderr) => (error ? reject(new Error(`${file} ${args.join(" ")}: ${stderr || error.message}`)) : resolve())),
  );
}

/** A running test server. */
export interface TestPostgres {
  url: string;
  /**
   * Restarts the server in a shutdown mode: `fast` ends every session with an error
   * (admin shutdown), `immediate` kills the server without a checkpoint (crash recovery on start).
   * Resolves once it accepts connections again.
   */
  restart(mode: "fast" | "immediate"): Promise<void>;
  stop(): void;
}

/** Options of {@link startTestPostgres}. */
export interface TestPostgresOptions {
  /**
   * Acknowledge a commit only once its WAL is written (`synchronous_commit=on`), so commits
   * survive an immediate shutdown, which is a crash of the server. Default off, for speed. Even
   * on, `fsync` stays off: a process crash keeps what reached the operating system.
   */
  durableCommits?: boolean;
}

/** Starts PostgreSQL (trust auth, fsync off) and answers its URL. */
export async function startTestPostgres(bin: string, options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "stack-payments-pg-"));
  const data = join(dir, "data");
  const owner = postgresUid();
  chmodSync(dir, 0o700);
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const exec = (file: string, args: string[]) =>
    owner ? execFileSync("runuser", ["-u", "postgres", "--", file, ...args], { stdio: "pipe" }) : execFileSync(file, args, { stdio: "pipe" });
  const run: Run = (cmd, args) => void exec(join(bin, cmd), args);
  const template = initdbTemplate(bin, owner, run);
  if (template) exec("cp", ["-a", template, data]);
  else run("initdb", ["-D", data, ...INITDB_ARGS]);
  const port = await freePort();
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "log.txt"),
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=${options.durableCommits ? "on" : "off"} -c full_page_writes=off -c max_connections=200`,
    "start",
  ]);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(mode) {
      // Asynchronous, so that the caller's load keeps running while the server goes down and up.
      // `-l` again: without it the new server would log to (and hold open) our pipe.
      await runAsync(owner, join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "log.txt"), "-m", mode, "-w", "restart"]);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
