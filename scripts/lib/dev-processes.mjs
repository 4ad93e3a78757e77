/**
 * What scripts/start.mjs and the browser tests share: stale-build checks, free ports, and child
 * processes (the emulator, example servers) that are started, awaited and stopped as a group.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Absolute path inside the repository. */
export const fromRoot = (...parts) => join(repoRoot, ...parts);

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry === "dist" || entry === ".next") continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** True when an output is missing or older than the newest input (files or folders, recursively). */
export function isStale(outputs, inputs) {
  if (outputs.some((output) => !existsSync(output))) return true;
  const oldestOutput = Math.min(...outputs.map((output) => statSync(output).mtimeMs));
  return Math.max(...inputs.map(newestMtime)) > oldestOutput;
}

/** Runs a command to completion, inheriting stdio; rejects with a readable message on failure. */
export function run(command, args, { cwd = repoRoot, env = process.env, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`\`${command} ${args.join(" ")}\` failed (${signal ?? `exit code ${code}`})${quiet ? `:\n${output.slice(-4000)}` : ""}`));
    });
  });
}

const PACKAGE_OUTPUTS = ["index.js", "server.js", "react.js", "emulator.js", "cli.js"].map((f) => fromRoot("dist", f));
const PACKAGE_INPUTS = ["src", "tsup.config.ts", "package.json", "tsconfig.json"].map((f) => fromRoot(f));

/** Builds the package with tsup when dist/ is missing or older than src/. */
export async function buildPackageIfStale(log = console.log) {
  if (!isStale(PACKAGE_OUTPUTS, PACKAGE_INPUTS)) return false;
  log("Building the package (tsup)…");
  // tsup runs its configs in parallel and the first one cleans dist/, which can delete what another
  // config already wrote: check the outputs and build once more if one is missing.
  for (let attempt = 1; ; attempt++) {
    await run(process.execPath, [fromRoot("node_modules/tsup/dist/cli-default.js")], { quiet: true });
    const missing = PACKAGE_OUTPUTS.filter((output) => !existsSync(output));
    if (missing.length === 0) return true;
    if (attempt === 2) throw new Error(`tsup finished but did not leave ${missing.join(", ")}`);
  }
}

/** Builds examples/react-vite with vite when its bundle is missing or older than its sources or dist/. */
export async function buildReactExampleIfStale(log = console.log) {
  const dir = fromRoot("examples/react-vite");
  const inputs = [join(dir, "src"), join(dir, "index.html"), join(dir, "vite.config.ts"), ...PACKAGE_OUTPUTS];
  if (!isStale([join(dir, "dist/index.html")], inputs)) return false;
  log("Building the React example (vite)…");
  await run(process.execPath, [fromRoot("node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn", dir], { quiet: true });
  return true;
}

/** Resolves to `preferred` when it is free on localhost, else to a free port the OS picks. */
export function freePort(preferred = 0) {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(null));
      server.listen(port, "127.0.0.1", () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
  return tryPort(preferred).then((port) => port ?? tryPort(0));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers any HTTP status; rejects after `timeoutMs` or when `isDead()`. */
export async function waitForHttp(url, { timeoutMs = 60_000, isDead = () => false, name = url } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (isDead()) throw new Error(`${name} exited before it answered at ${url}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${name} did not answer at ${url} within ${Math.round(timeoutMs / 1000)} s`);
      await sleep(200);
    }
  }
}

/**
 * A group of long-running child processes, stopped together. Output lines are prefixed with the
 * process name and go to `log` (console by default; the browser tests keep them for failure reports).
 */
export function createProcessGroup({ log = (line) => process.stdout.write(`${line}\n`) } = {}) {
  const children = [];

  /** Starts `command args…`, waits until `readyUrl` answers, returns the child. */
  async function start(name, command, args, { env = {}, cwd = repoRoot, readyUrl, timeoutMs = 60_000 } = {}) {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const entry = { name, child, exited: false, output: [] };
    children.push(entry);
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream.on("data", (chunk) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop();
        for (const line of lines) {
          entry.output.push(line);
          if (entry.output.length > 200) entry.output.shift();
          log(`[${name}] ${line}`);
        }
      });
    }
    child.on("exit", (code, signal) => {
      entry.exited = true;
      entry.exitDescription = signal ?? `exit code ${code}`;
    });
    if (readyUrl) {
      try {
        await waitForHttp(readyUrl, { timeoutMs, isDead: () => entry.exited, name });
      } catch (error) {
        error.message += `\nLast output of ${name}:\n${entry.output.slice(-30).join("\n")}`;
        throw error;
      }
    }
    return child;
  }

  /** Stops every child: SIGTERM, then SIGKILL after `graceMs`. */
  async function stopAll(graceMs = 5_000) {
    await Promise.all(
      children.map(async ({ child, exited }) => {
        if (exited || child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await gone;
        clearTimeout(timer);
      }),
    );
  }

  /** The last output lines of one child (for error reports). */
  const outputOf = (name) => children.find((c) => c.name === name)?.output.join("\n") ?? "";

  /** Names of children that exited on their own. */
  const exited = () => children.filter((c) => c.exited).map((c) => `${c.name} (${c.exitDescription})`);

  return { start, stopAll, outputOf, exited };
}
