/**
 * Starts a throwaway PostgreSQL server for tests and benchmarks: initdb + pg_ctl on a temp
 * directory and a free port, run as the `postgres` user when we are root (the server refuses
 * root). `findPostgresBinaries()` answers null when no PostgreSQL is installed.
 */
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
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
  const run = (cmd: string, args: string[]) =>
    owner
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { stdio: "pipe" })
      : execFileSync(join(bin, cmd), args, { stdio: "pipe" });
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
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
