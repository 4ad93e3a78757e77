/**
 * What scripts/start.mjs and the browser tests share: stale-build checks, installs of an example's
 * own dependencies, free ports, and child processes (the emulator, example servers) that are
 * started, awaited and stopped as a group, and that never outlive the script that started them.
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

const PARENT_GUARD = fromRoot("scripts/lib/exit-with-parent.cjs");
const PARENT_FD = 3;

/**
 * `spawn`, plus the guard that stops a Node child when this process goes away, even by kill -9:
 * the child gets a pipe as fd 3 and a preloaded module that stops it when the pipe closes.
 * Other commands (npm, which starts its own processes) are spawned as they are.
 */
function spawnGuarded(command, args, { stdio, ...options }) {
  if (command !== process.execPath) return spawn(command, args, { ...options, stdio });
  const child = spawn(command, ["--require", PARENT_GUARD, ...args], {
    ...options,
    env: { ...options.env, STACK_PAYMENTS_PARENT_FD: String(PARENT_FD) },
    stdio: [...stdio, "pipe"],
  });
  // Our end of the pipe: never written, only held open; it closes when this process exits.
  const pipe = child.stdio[PARENT_FD];
  pipe.on("error", () => {});
  pipe.unref?.();
  return child;
}

/** Runs a command to completion, inheriting stdio; rejects with a readable message on failure. */
export function run(command, args, { cwd = repoRoot, env = process.env, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnGuarded(command, args, { cwd, env, stdio: quiet ? ["ignore", "pipe", "pipe"] : ["inherit", "inherit", "inherit"] });
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

// tsup's own configuration (tsup.config.ts), without the type declarations: the examples and the
// browser tests run the JavaScript, and declarations take longer to build than all of it.
// `npm run build` makes the complete package.
const BUILD_JS_ONLY = `const { build } = await import("tsup"); await build({ dts: false, silent: true });`;

/**
 * Builds the package's JavaScript with tsup when dist/ is missing or older than src/ (no type
 * declarations: `npm run build` makes those).
 */
export async function buildPackageIfStale(log = console.log) {
  if (!isStale(PACKAGE_OUTPUTS, PACKAGE_INPUTS)) return false;
  log("Building the package (tsup, JavaScript only)…");
  // tsup runs its configs in parallel and the first one cleans dist/, which can delete what another
  // config already wrote: check the outputs and build once more if one is missing.
  for (let attempt = 1; ; attempt++) {
    await run(process.execPath, ["--input-type=module", "--eval", BUILD_JS_ONLY], { quiet: true });
    const missing = PACKAGE_OUTPUTS.filter((output) => !existsSync(output));
    if (missing.length === 0) return true;
    if (attempt === 2) throw new Error(`tsup finished but did not leave ${missing.join(", ")}`);
  }
}

/** Builds examples/react-vite with vite when its bundle is missing or older than its sources or dist/. */
export async function buildReactExampleIfStale(log = console.log) {
  const dir = fromRoot("examples/react-vite");
  const inputs = [join(dir, "src"), join(dir, "index.html"), join(dir, "vite.config.ts"), fromRoot("examples/shared"), ...PACKAGE_OUTPUTS];
  if (!isStale([join(dir, "dist/index.html")], inputs)) return false;
  log("Building the React example (vite)…");
  await run(process.execPath, [fromRoot("node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn", dir], { quiet: true });
  return true;
}

/** npm, as the command that runs this script found it (npm_execpath), else from PATH. */
function npmCommand() {
  const npmCli = process.env.npm_execpath;
  if (npmCli && /npm-cli\.c?js$/.test(npmCli)) return [process.execPath, [npmCli]];
  return [process.platform === "win32" ? "npm.cmd" : "npm", []];
}

/**
 * Installs an example's own dependencies (`npm ci` in examples/<name>) when they are missing or
 * older than its lockfile. Heavy, example-only packages (Next.js) live there rather than in the
 * repository's package.json, so `npm start` and `npm test` never wait for them. Peer dependencies
 * (React) are left out on purpose: they resolve from the repository root, so the example, the
 * package's build and @tanstack/react-query share one React.
 */
export async function ensureExampleInstalled(name, log = console.log) {
  const dir = fromRoot("examples", name);
  if (!existsSync(join(dir, "package.json"))) return false;
  // npm writes node_modules/.package-lock.json last: without it the install did not finish.
  if (!isStale([join(dir, "node_modules/.package-lock.json")], [join(dir, "package.json"), join(dir, "package-lock.json")])) return false;
  log(`Installing the ${name} example's own dependencies (npm ci in examples/${name}; only the first time)…`);
  const [command, prefix] = npmCommand();
  await run(command, [...prefix, "ci", "--no-audit", "--no-fund", "--omit=peer"], { cwd: dir, quiet: true });
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
    const child = spawnGuarded(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
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

/**
 * Calls `onExit` once when the process that started this one (npm, for `npm start`) exits,
 * however it ended: killed with -9 or by a hang-up it does not pass on, it can tell no one, and this
 * process would otherwise keep running and holding its ports. The parent's exit shows as a change
 * of `process.ppid` (the orphan is adopted by init); checked twice a second.
 */
export function onParentExit(onExit, { intervalMs = 500 } = {}) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onExit();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
