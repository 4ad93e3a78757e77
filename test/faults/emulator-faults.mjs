#!/usr/bin/env node
// Fault test of the emulator as users run it: the `stack-payments emulator` command in its own
// process, driven by the SDK's StackServerApp (which sends Idempotency-Key on server writes and
// retries them once the emulator has shown it honours keys), while faults are injected:
//
//   PostgreSQL (DATABASE_URL): a fast restart and an immediate restart of the server under
//     load, then kill -9 of the emulator and a new emulator on the same database and port.
//   PGlite on disk (--data): kill -9 of the emulator under load, twice, each time a new emulator
//     on the same folder and port.
//
// Every logical write goes to a customer of its own (update-quantity +1 of an item, or the grant
// of a stackable product including one unit of another item), so the customer's ledger says how
// often it was applied. Checked afterwards: every write the SDK acknowledged is there exactly
// once, no write (acknowledged or not) twice; an emulator outlived both PostgreSQL restarts
// (its requests answered only 2xx or 503 with Retry-After), and after each kill -9 the new one
// serves the same data. Exits non-zero with the reasons when a check fails.
//
// No build needed: src/cli.ts, src/server.ts and the PostgreSQL test helper are bundled with
// esbuild into node_modules/.cache (so their external packages resolve). The PostgreSQL part is
// skipped, saying why, where initdb/pg_ctl are absent. Both parts run side by side; the whole run
// is bounded: past 115 s it stops everything it started and fails.
//
// Usage: node test/faults/emulator-faults.mjs
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import pg from "pg";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CACHE = join(ROOT, "node_modules", ".cache", "stack-payments-faults");
const DEADLINE_MS = 115_000;
const WRITERS = 8;

const CONFIG = {
  testMode: true,
  items: {
    credits: { displayName: "Credits", customerType: "custom" },
    seats: { displayName: "Seats", customerType: "custom" },
  },
  products: {
    seat_pack: {
      displayName: "Seat pack",
      customerType: "custom",
      stackable: true,
      prices: { once: { USD: "1" } },
      includedItems: { seats: { quantity: 1, repeat: "never", expires: "never" } },
    },
  },
};

const failures = [];
// Emulator processes and PostgreSQL servers still running, stopped on every way out (a deadline
// or a signal included), so nothing outlives the test holding a port or a data folder.
const running = new Set();
function cleanUp() {
  for (const stop of running) {
    try {
      stop();
    } catch {
      // best effort: the process may be gone already
    }
  }
  running.clear();
}
const check = (ok, message) => {
  if (!ok) failures.push(message);
  return ok;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (message) => process.stdout.write(`${message}\n`);

async function bundle() {
  mkdirSync(CACHE, { recursive: true });
  const common = { bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "silent" };
  const cli = join(CACHE, `cli-${process.pid}.mjs`);
  const lib = join(CACHE, `lib-${process.pid}.mjs`);
  const entry = join(CACHE, `lib-entry-${process.pid}.ts`);
  writeFileSync(
    entry,
    `export { StackServerApp } from ${JSON.stringify(join(ROOT, "src/server.ts"))};
export { DEFAULT_PROJECT } from ${JSON.stringify(join(ROOT, "src/emulator/defaults.ts"))};
export { findPostgresBinaries, startTestPostgres } from ${JSON.stringify(join(ROOT, "test/emulator/pg/postgres-server.ts"))};
`,
  );
  await Promise.all([build({ ...common, entryPoints: [join(ROOT, "src/cli.ts")], outfile: cli }), build({ ...common, entryPoints: [entry], outfile: lib })]);
  const modules = await import(pathToFileURL(lib).href);
  rmSync(entry, { force: true });
  rmSync(lib, { force: true });
  return { cli, ...modules };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `stack-payments emulator` on `port`; resolves once it prints its URL. */
async function startEmulator(cli, { port, dataDir, databaseUrl, configFile, label, say }) {
  const args = [cli, "emulator", "--port", String(port), "--config", configFile];
  if (dataDir) args.push("--data", dataDir);
  const env = { ...process.env };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const started = Date.now();
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d.toString()));
  const emulator = { child, label, killedOnPurpose: false, exit: null, stderr: () => stderr };
  const kill = () => child.kill("SIGKILL");
  running.add(kill);
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      emulator.exit = { code, signal };
      running.delete(kill);
      resolve();
    }),
  );
  emulator.exited = exited;
  await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (line.startsWith("Stack payments emulator running at ")) resolve();
    });
    exited.then(() => reject(new Error(`${label} exited while starting (${JSON.stringify(emulator.exit)}):\n${stderr}`)));
  });
  say(`${label} ready in ${Date.now() - started} ms (pid ${child.pid})`);
  return emulator;
}

async function killHard(emulator) {
  emulator.killedOnPurpose = true;
  emulator.child.kill("SIGKILL");
  await emulator.exited;
}

async function stopGracefully(emulator) {
  emulator.killedOnPurpose = true;
  emulator.child.kill("SIGTERM");
  await emulator.exited;
  check(emulator.exit.code === 0, `${emulator.label} did not stop cleanly on SIGTERM: ${JSON.stringify(emulator.exit)}\n${emulator.stderr()}`);
}

/** Checks that an emulator did not exit on its own (a crash). */
function checkAlive(emulator) {
  check(emulator.exit === null || emulator.killedOnPurpose, `${emulator.label} exited by itself: ${JSON.stringify(emulator.exit)}\n${emulator.stderr()}`);
}

/**
 * SDK writes under load: each worker takes the next index, writes once for that index's own
 * customer and records whether the SDK acknowledged it. Answers replayed by the emulator are
 * counted (a repeat that found its write already applied).
 */
function startLoad(StackServerApp, baseUrl, project, run) {
  const stats = { acked: new Map(), unacked: new Map(), replayed: 0, errors: new Map() };
  const app = new StackServerApp({
    baseUrl,
    projectId: project.id,
    publishableClientKey: project.publishableClientKey,
    secretServerKey: project.secretServerKey,
    tokenStore: "memory",
    timeoutMs: 40_000,
    retry: { attempts: 20, baseDelayMs: 100, maxDelayMs: 2000 },
    hooks: {
      afterResponse: [
        (_request, _options, response) => {
          if (response.headers.get("x-stack-idempotency") === "replayed") stats.replayed++;
        },
      ],
    },
  });
  let next = 0;
  let stopping = false;
  const worker = async () => {
    while (!stopping) {
      const i = next++;
      const customCustomerId = `${run}-${i}`;
      const kind = i % 2 === 0 ? "credits" : "seats";
      try {
        if (kind === "credits") await (await app.getItem({ customCustomerId, itemId: "credits" })).increaseQuantity(1);
        else await app.grantProduct({ customCustomerId, productId: "seat_pack" });
        stats.acked.set(i, kind);
      } catch (error) {
        stats.unacked.set(i, kind);
        const code = error?.code ?? String(error);
        stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1);
        if (process.env.FAULTS_DEBUG) log(`    write ${i} failed at ${new Date().toISOString()}: ${error?.message}`);
      }
    }
  };
  const ready = app.getItem({ customCustomerId: `${run}-warm-up`, itemId: "credits" });
  const workers = ready.then(() => Promise.all(Array.from({ length: WRITERS }, worker)));
  return {
    stats,
    count: () => next,
    async stop() {
      stopping = true;
      await workers;
      return stats;
    },
  };
}

/** Raw requests alongside the load: every answer must be 2xx, or 503 with Retry-After. */
function startProbe(baseUrl, project, run) {
  const statuses = new Map();
  const bad = [];
  let stopping = false;
  const headers = { "x-stack-access-type": "server", "x-stack-project-id": project.id, "x-stack-secret-server-key": project.secretServerKey };
  const loop = (async () => {
    while (!stopping) {
      try {
        const res = await fetch(`${baseUrl}/api/v1/payments/items/custom/${run}-probe/credits`, { headers });
        const body = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status !== 200 && !(res.status === 503 && res.headers.get("retry-after"))) bad.push(`${res.status}: ${body.slice(0, 200)}`);
      } catch (error) {
        statuses.set("network", (statuses.get("network") ?? 0) + 1);
      }
      await sleep(10);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return { statuses, bad };
    },
  };
}

/** Checks applied counts per write: acknowledged exactly once, none twice. */
function checkExactlyOnce(label, stats, applied, say) {
  let missing = 0;
  let twice = 0;
  let unackedApplied = 0;
  for (const [i, kind] of stats.acked) if ((applied.get(`${i}:${kind}`) ?? 0) !== 1) missing++;
  for (const [key, n] of applied) if (n > 1) twice++;
  for (const [i, kind] of stats.unacked) if ((applied.get(`${i}:${kind}`) ?? 0) === 1) unackedApplied++;
  check(stats.acked.size > 0, `${label}: no write was acknowledged`);
  check(missing === 0, `${label}: ${missing} acknowledged writes are not applied exactly once`);
  check(twice === 0, `${label}: ${twice} writes were applied more than once`);
  const errors = [...stats.errors].map(([c, n]) => `${c} ×${n}`).join(", ") || "none";
  say(
    `${stats.acked.size} writes acknowledged, ${stats.unacked.size} not (${unackedApplied} of those applied anyway; errors: ${errors}); ` +
      `${stats.replayed} answers replayed; missing ${missing}, applied twice ${twice}`,
  );
}

async function postgresScenario(modules, configFile) {
  const bin = modules.findPostgresBinaries();
  if (bin === null) {
    log("[PostgreSQL] skipped: no initdb/pg_ctl under /usr/lib/postgresql/*/bin.");
    return;
  }
  const say = (message) => log(`[PostgreSQL] ${message}`);
  say("restarts (fast, immediate) and kill -9 of the emulator under SDK load");
  const server = await modules.startTestPostgres(bin, { durableCommits: true });
  const stopServer = () => server.stop();
  running.add(stopServer);
  const emulators = [];
  try {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const project = modules.DEFAULT_PROJECT;
    const run = `pg-${Date.now()}`;
    emulators.push(await startEmulator(modules.cli, { port, databaseUrl: server.url, configFile, label: "emulator on PostgreSQL", say }));
    const load = startLoad(modules.StackServerApp, baseUrl, project, run);
    const probe = startProbe(baseUrl, project, run);
    await sleep(1500);
    say("restarting PostgreSQL (fast)");
    await server.restart("fast");
    await sleep(1500);
    say("restarting PostgreSQL (immediate)");
    await server.restart("immediate");
    await sleep(1500);
    const { statuses, bad } = await probe.stop();
    checkAlive(emulators[0]);
    say(`answers during the restarts: ${[...statuses].map(([s, n]) => `${s} ×${n}`).join(", ")}`);
    check(bad.length === 0, `PostgreSQL restarts: answers other than 2xx or 503 with Retry-After:\n${bad.slice(0, 5).join("\n")}`);
    check(!statuses.has("network"), "PostgreSQL restarts: the emulator stopped answering (network errors)");
    check((statuses.get(503) ?? 0) > 0, "PostgreSQL restarts: no request saw the outage (no 503): the faults did not hit");
    say("kill -9 of the emulator, new emulator on the same database");
    await killHard(emulators[0]);
    emulators.push(await startEmulator(modules.cli, { port, databaseUrl: server.url, configFile, label: "emulator on PostgreSQL, after kill -9", say }));
    await sleep(2000);
    const stats = await load.stop();
    checkAlive(emulators[1]);
    const health = await fetch(`${baseUrl}/health`).then((r) => r.status, () => 0);
    check(health === 200, `PostgreSQL: the emulator does not answer after the faults (health ${health})`);

    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT customer_id, 'credits' AS kind, count(*)::int AS n FROM payments_item_changes WHERE customer_id LIKE $1 GROUP BY customer_id
         UNION ALL
         SELECT customer_id, 'seats' AS kind, count(*)::int AS n FROM payments_purchases WHERE customer_id LIKE $1 GROUP BY customer_id`,
        [`${run}-%`],
      );
      const applied = new Map(rows.map((r) => [`${r.customer_id.slice(run.length + 1)}:${r.kind}`, r.n]));
      checkExactlyOnce("PostgreSQL", stats, applied, say);
    } finally {
      await client.end();
    }
    await stopGracefully(emulators[1]);
  } finally {
    for (const e of emulators) if (e.exit === null) await killHard(e);
    running.delete(stopServer);
    server.stop();
  }
}

async function pgliteScenario(modules, configFile) {
  const say = (message) => log(`[PGlite] ${message}`);
  say("kill -9 of the emulator under SDK load, twice (on disk)");
  const dataDir = mkdtempSync(join(tmpdir(), "stack-payments-faults-"));
  const emulators = [];
  try {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const project = modules.DEFAULT_PROJECT;
    const run = `pglite-${Date.now()}`;
    emulators.push(await startEmulator(modules.cli, { port, dataDir, configFile, label: "emulator on PGlite", say }));
    const load = startLoad(modules.StackServerApp, baseUrl, project, run);
    for (const round of [1, 2]) {
      await sleep(2000);
      checkAlive(emulators.at(-1));
      say(`kill -9 #${round}, new emulator on the same folder`);
      await killHard(emulators.at(-1));
      emulators.push(await startEmulator(modules.cli, { port, dataDir, configFile, label: `emulator on PGlite, after kill -9 #${round}`, say }));
    }
    await sleep(2000);
    const stats = await load.stop();
    checkAlive(emulators.at(-1));

    // Read back through the API: one unit per applied write, on the write's own customer.
    const headers = { "x-stack-access-type": "server", "x-stack-project-id": project.id, "x-stack-secret-server-key": project.secretServerKey };
    const applied = new Map();
    const indexes = [...stats.acked.keys(), ...stats.unacked.keys()];
    let cursor = 0;
    let readErrors = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (cursor < indexes.length) {
          const i = indexes[cursor++];
          const kind = i % 2 === 0 ? "credits" : "seats";
          const res = await fetch(`${baseUrl}/api/v1/payments/items/custom/${run}-${i}/${kind}`, { headers });
          if (res.status !== 200) {
            readErrors++;
            await res.text();
            continue;
          }
          const { quantity } = await res.json();
          if (quantity !== 0) applied.set(`${i}:${kind}`, quantity);
        }
      }),
    );
    check(readErrors === 0, `PGlite: ${readErrors} reads failed after the faults`);
    checkExactlyOnce("PGlite", stats, applied, say);
    await stopGracefully(emulators.at(-1));
  } finally {
    for (const e of emulators) if (e.exit === null) await killHard(e);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const started = Date.now();
const timer = setTimeout(() => {
  process.stderr.write(`Fault test: over its ${DEADLINE_MS / 1000} s budget; stopping.\n`);
  cleanUp();
  process.exit(1);
}, DEADLINE_MS);
for (const signal of ["SIGINT", "SIGTERM"])
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
const modules = await bundle();
const configFile = join(CACHE, `config-${process.pid}.json`);
writeFileSync(configFile, JSON.stringify(CONFIG));
try {
  // Independent (own ports, own data): run side by side, the run lasts as long as the longer one.
  const outcomes = await Promise.allSettled([postgresScenario(modules, configFile), pgliteScenario(modules, configFile)]);
  for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
} catch (error) {
  failures.push(`The fault test itself failed: ${error?.stack ?? error}`);
} finally {
  cleanUp();
  rmSync(modules.cli, { force: true });
  rmSync(configFile, { force: true });
  clearTimeout(timer);
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failures.length > 0) {
  process.stderr.write(`\nFault test FAILED in ${seconds} s:\n${failures.map((f) => `- ${f}`).join("\n")}\n`);
  process.exit(1);
}
log(`\nFault test passed in ${seconds} s.`);
