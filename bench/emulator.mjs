#!/usr/bin/env node
// Emulator throughput: update-quantity (allow_negative=false, the tryDecreaseQuantity path)
// operations per second over HTTP, sequential and with 50 concurrent clients, on PGlite and on a
// real PostgreSQL started for the run (skipped with a message when no PostgreSQL is installed).
//
// It does not need `npm run build`: it bundles src/emulator/start-emulator.ts and the test
// helper that starts PostgreSQL (test/emulator/pg/postgres-server.ts) with esbuild on the fly,
// into node_modules/.cache so that external packages (pg, PGlite) resolve.
//
// Usage: node bench/emulator.mjs [--ops 2000]
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const opsArg = process.argv.indexOf("--ops");
const OPS = opsArg > 0 ? Number(process.argv[opsArg + 1]) : 2000;
const CLIENTS = 50;

async function loadModules() {
  const dir = join(ROOT, "node_modules", ".cache", "stack-payments-bench");
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, "entry.ts");
  writeFileSync(
    entry,
    `export { startEmulator } from ${JSON.stringify(join(ROOT, "src/emulator/start-emulator.ts"))};
export { DEFAULT_PROJECT } from ${JSON.stringify(join(ROOT, "src/emulator/defaults.ts"))};
export { findPostgresBinaries, startTestPostgres } from ${JSON.stringify(join(ROOT, "test/emulator/pg/postgres-server.ts"))};
`,
  );
  const out = join(dir, `bench-${process.pid}.mjs`);
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "silent" });
  try {
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(out, { force: true });
  }
}

const config = { items: { credits: { customerType: "custom" } } };

async function measure(url, project, label) {
  const headers = {
    "content-type": "application/json",
    "x-stack-access-type": "server",
    "x-stack-project-id": project.id,
    "x-stack-secret-server-key": project.secretServerKey,
  };
  const run = `${label}-${Date.now()}`;
  const update = async (customer, delta) => {
    const res = await fetch(`${url}/api/v1/payments/items/custom/${customer}/credits/update-quantity?allow_negative=false`, {
      method: "POST",
      headers,
      body: JSON.stringify({ delta }),
    });
    await res.text();
    if (res.status !== 200) throw new Error(`update-quantity answered ${res.status}`);
  };
  const rows = [];
  const time = async (mode, fn) => {
    const start = performance.now();
    await fn();
    const seconds = (performance.now() - start) / 1000;
    rows.push({ backend: label, mode, ops: OPS, seconds: seconds.toFixed(2), "ops/s": Math.round(OPS / seconds) });
  };
  // Warm up connections and JIT.
  for (let i = 0; i < 50; i++) await update(`${run}-warm`, 1);
  await time("sequential, 1 client", async () => {
    await update(`${run}-seq`, OPS);
    for (let i = 0; i < OPS; i++) await update(`${run}-seq`, -1);
  });
  await time(`${CLIENTS} clients, one customer`, async () => {
    await update(`${run}-hot`, OPS);
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < OPS) {
        next++;
        await update(`${run}-hot`, -1);
      }
    }));
  });
  await time(`${CLIENTS} clients, ${CLIENTS} customers`, async () => {
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => update(`${run}-c${c}`, OPS)));
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      while (next < OPS) {
        next++;
        await update(`${run}-c${c}`, -1);
      }
    }));
  });
  return rows;
}

const m = await loadModules();
const rows = [];

const pglite = await m.startEmulator({ port: 0, config, storage: {} });
try {
  rows.push(...(await measure(pglite.url, pglite.emulator.project, "PGlite (memory)")));
} finally {
  await pglite.close();
}

const bin = m.findPostgresBinaries();
if (!bin) {
  console.log("PostgreSQL skipped: no initdb/pg_ctl under /usr/lib/postgresql/*/bin.");
} else {
  const pg = await m.startTestPostgres(bin);
  try {
    const running = await m.startEmulator({ port: 0, config, storage: { databaseUrl: pg.url } });
    try {
      rows.push(...(await measure(running.url, running.emulator.project, "PostgreSQL")));
    } finally {
      await running.close();
    }
  } finally {
    pg.stop();
  }
}

console.log(`update-quantity (allow_negative=false) over HTTP, node ${process.version}`);
console.table(rows);
