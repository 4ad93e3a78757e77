/**
 * `npm start` never leaves anything behind: started exactly as a user starts it (`npm start -- --port
 * N --emulator-port M`), then stopped in each way a launcher gets stopped (SIGINT, SIGTERM or SIGHUP
 * to npm, to the launcher or to the whole terminal group; npm or the launcher killed with -9), after
 * which no process it started may be left and its ports must be free. The emulator's starts share
 * one data folder, so each start after the first also shows that the last one released its lock.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "stack-payments-launcher-test-"));

/** The environment of a terminal, without what vitest sets for its own workers. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) if (/^(VITEST|TINYPOOL)/.test(name) || name === "NODE_ENV" || name === "NODE_OPTIONS") delete env[name];
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on `port` any more (binding it succeeds). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

interface ProcessRow {
  pid: number;
  ppid: number;
  args: string;
}

/** Live processes (zombies, which hold nothing, left out). */
function processTable(): ProcessRow[] {
  return execFileSync("ps", ["-A", "-o", "pid=,ppid=,stat=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null && !m[3]!.startsWith("Z"))
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[4]! }));
}

function descendantsOf(pid: number): ProcessRow[] {
  const table = processTable();
  const found: ProcessRow[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const children = table.filter((row) => frontier.includes(row.ppid));
    found.push(...children);
    frontier = children.map((row) => row.pid);
  }
  return found;
}

interface Launch {
  npm: ChildProcess;
  npmExited: Promise<void>;
  output: () => string;
  ports: number[];
  url: string;
  /** What npm started, found once the URL was printed. */
  tree: { launcher: ProcessRow; children: ProcessRow[] };
}

let current: Launch | undefined;

/**
 * `npm start` in its own process group (as a terminal runs it), with ports from the OS and a data
 * folder of its own; resolves once it has printed the URL. `hosted` runs it against a (never
 * contacted) hosted project, so that only the example's server is started.
 */
async function launch({ hosted = false } = {}): Promise<Launch> {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const env = userEnv(
    hosted
      ? { STACK_PROJECT_ID: "hosted-project", STACK_PUBLISHABLE_CLIENT_KEY: "pck_test", STACK_SECRET_SERVER_KEY: "ssk_test", STACK_API_URL: "http://127.0.0.1:9" }
      : {},
  );
  const npm = spawn("npm", ["start", "--", "--port", String(port), "--emulator-port", String(emulatorPort), "--data", dataDir], {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  npm.stdout!.on("data", (chunk) => (output += chunk));
  npm.stderr!.on("data", (chunk) => (output += chunk));
  const npmExited = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
  const partial = { npm, npmExited, output: () => output } as Launch;
  current = partial;

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = output.match(/Open (http:\/\/\S+)/);
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 100);
    void npmExited.then(() => {
      clearInterval(timer);
      reject(new Error(`npm start exited before printing a URL:\n${output}`));
    });
  });
  expect(url).toBe(`http://localhost:${port}`);

  const all = descendantsOf(npm.pid!);
  // The node process itself, not the `sh -c "node scripts/start.mjs …"` that npm runs it through.
  const launcher = all.find((row) => /^\S*node\s.*scripts\/start\.mjs/.test(row.args));
  if (!launcher) throw new Error(`no launcher among npm's processes:\n${all.map((r) => r.args).join("\n")}`);
  const children = descendantsOf(launcher.pid);
  const expected = hosted ? ["examples/react-vite/server.mjs"] : ["dist/cli.js emulator", "examples/react-vite/server.mjs"];
  for (const what of expected) expect(children.map((row) => row.args).join("\n")).toContain(what);
  return Object.assign(partial, { url, ports: hosted ? [port] : [port, emulatorPort], tree: { launcher, children } });
}

/** Waits until every process npm started is gone and every port is free; fails with what is left. */
async function expectAllStopped(run: Launch, withinMs = 15_000): Promise<void> {
  const started = [run.tree.launcher, ...run.tree.children];
  const deadline = Date.now() + withinMs;
  for (;;) {
    const live = new Set(processTable().map((row) => row.pid));
    const left = started.filter((row) => live.has(row.pid));
    const busy: number[] = [];
    for (const port of run.ports) if (!(await portIsFree(port))) busy.push(port);
    if (left.length === 0 && busy.length === 0) break;
    if (Date.now() > deadline) {
      throw new Error(
        `after ${withinMs / 1000} s, still running: ${left.map((row) => `${row.pid} ${row.args}`).join("; ") || "nothing"}; ` +
          `ports still taken: ${busy.join(", ") || "none"}\nlauncher output:\n${run.output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // npm itself ends too, once its script has.
  await Promise.race([run.npmExited, new Promise((_, reject) => setTimeout(() => reject(new Error("npm did not exit")), 5_000))]);
}

beforeAll(async () => {
  // What `npm start` would build first, built once here so that every start below is quick.
  const prepare = `const m = await import("./scripts/lib/dev-processes.mjs"); await m.buildPackageIfStale(); await m.buildReactExampleIfStale();`;
  await promisify(execFile)(process.execPath, ["--input-type=module", "--eval", prepare], { cwd: root, env: userEnv() });
}, 300_000);

afterEach(() => {
  // Whatever a failed test left running, in the process group of its npm.
  if (current?.npm.pid !== undefined && current.npm.exitCode === null) {
    try {
      process.kill(-current.npm.pid, "SIGKILL");
    } catch {}
  }
  for (const row of current?.tree?.children ?? []) {
    try {
      process.kill(row.pid, "SIGKILL");
    } catch {}
  }
  current = undefined;
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("npm start, with the emulator and the React example", { timeout: 120_000 }, () => {
  it("serves the page and the emulator on the ports it was given; Ctrl-C (SIGINT to the process group) stops both", async () => {
    const run = await launch();
    const page = await fetch(run.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const api = await fetch(`http://127.0.0.1:${run.ports[1]}/api/v1`);
    expect(api.status).toBeLessThan(500);
    process.kill(-run.npm.pid!, "SIGINT");
    await expectAllStopped(run);
  });

  it("stops everything when npm alone gets SIGTERM", async () => {
    const run = await launch();
    run.npm.kill("SIGTERM");
    await expectAllStopped(run);
  });

  it("stops everything when the launcher itself is killed with -9", async () => {
    const run = await launch();
    process.kill(run.tree.launcher.pid, "SIGKILL");
    await expectAllStopped(run);
  });
});

// More ways to stop it, without the emulator (a hosted project, never contacted): only the example's
// server runs, so each start is quick, and the launcher stops its children the same way whichever
// they are (the emulator's own stop is covered above: by signal, and by its guard on kill -9).
describe("npm start against a hosted project", { timeout: 60_000 }, () => {
  const stops: Array<[string, (run: Launch) => void]> = [
    ["SIGINT to npm", (run) => run.npm.kill("SIGINT")],
    ["SIGHUP to npm", (run) => run.npm.kill("SIGHUP")],
    ["kill -9 of npm", (run) => run.npm.kill("SIGKILL")],
    ["SIGTERM to the launcher", (run) => process.kill(run.tree.launcher.pid, "SIGTERM")],
    ["SIGINT to the launcher", (run) => process.kill(run.tree.launcher.pid, "SIGINT")],
    ["SIGHUP to the launcher", (run) => process.kill(run.tree.launcher.pid, "SIGHUP")],
    ["kill -9 of the launcher", (run) => process.kill(run.tree.launcher.pid, "SIGKILL")],
  ];
  for (const [name, stop] of stops) {
    it(`stops everything on ${name}`, async () => {
      const run = await launch({ hosted: true });
      stop(run);
      await expectAllStopped(run);
    });
  }
});
