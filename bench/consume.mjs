#!/usr/bin/env node
// The docs' server-side "consume credits" path, `getUser(id)` → `getItem("credits")` →
// `tryDecreaseQuantity(1)`, with stack-payments' StackServerApp and with @stackframe/js's, against
// the same emulator (PGlite in memory, real HTTP on a free port) in one run: milliseconds per
// operation (mean, p50, p95 of single operations) and HTTP requests per operation, counted at the
// fetch both SDKs send with. Two cases: the same user consuming again and again (a chat app's
// active user), and a different user each time (many users, one operation each).
//
// The SDKs run in alternating blocks on users of their own, so machine noise and the emulator's
// growing ledger reach both alike. Every balance is checked at the end: each operation must have
// taken exactly one credit.
//
// It does not need `npm run build`: it bundles the emulator and the SDK from src/ with esbuild into
// node_modules/.cache (external packages stay external, so @stackframe/js and PGlite resolve).
//
// Usage: node bench/consume.mjs [--ops 200] [--block 25]
import { importFromSource } from "./lib/from-source.mjs";
import { StackServerApp as OfficialServerApp } from "@stackframe/js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const OPS = arg("--ops", 200);
const BLOCK = arg("--block", 25);
const WARMUP = 20;

const m = await importFromSource(
  "consume",
  `export { startEmulator } from "./src/emulator.ts";
   export { StackServerApp } from "./src/server.ts";`,
);

const running = await m.startEmulator({ port: 0, config: { items: { credits: { displayName: "Credits", customerType: "user" } } } });
const { project } = running.emulator;

// Both SDKs send through globalThis.fetch (ours looks it up on every call): count what reaches the emulator.
let requests = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (url.startsWith(running.url)) requests++;
  return realFetch(input, init);
};

const keys = { baseUrl: running.url, projectId: project.id, publishableClientKey: project.publishableClientKey, secretServerKey: project.secretServerKey };
const ours = new m.StackServerApp({ ...keys, tokenStore: null });
const official = new OfficialServerApp({ ...keys, tokenStore: "memory", noAutomaticPrefetch: true });

/** The docs' snippet, word for word but for the app it runs on. */
async function consume(app, userId) {
  const user = await app.getUser(userId);
  const credits = await user.getItem("credits");
  if (!(await credits.tryDecreaseQuantity(1))) throw new Error("Insufficient credits");
}

const START = OPS + WARMUP + 10;
async function newUser(credits) {
  const user = await ours.createUser({ displayName: "consume bench" });
  await (await user.getItem("credits")).increaseQuantity(credits);
  return user.id;
}
const newUsers = async (n) => {
  const ids = [];
  for (let i = 0; i < n; i++) ids.push(await newUser(1));
  return ids;
};

const sdks = [
  { label: "stack-payments", app: ours },
  { label: "@stackframe/js", app: official },
];
const cases = [];
for (const { label, app } of sdks) {
  const hot = await newUser(START);
  cases.push({ sdk: label, case: "same user each time", app, next: () => hot, times: [], requests: 0, expected: new Map([[hot, START]]) });
}
for (const { label, app } of sdks) {
  const ids = await newUsers(OPS + WARMUP);
  cases.push({ sdk: label, case: "a different user each time", app, next: () => ids.shift(), times: [], requests: 0, expected: new Map(ids.map((id) => [id, 1])) });
}

async function run(c, count, measured) {
  for (let i = 0; i < count; i++) {
    const userId = c.next();
    const before = requests;
    const start = performance.now();
    await consume(c.app, userId);
    const ms = performance.now() - start;
    c.expected.set(userId, c.expected.get(userId) - 1);
    if (!measured) continue;
    c.times.push(ms);
    c.requests += requests - before;
  }
}

try {
  for (const c of cases) await run(c, WARMUP, false);
  for (let left = OPS; left > 0; left -= BLOCK) {
    for (const c of cases) await run(c, Math.min(BLOCK, left), true);
  }
  // Each operation took exactly one credit, whichever SDK sent it.
  for (const c of cases) {
    for (const [userId, quantity] of c.expected) {
      const actual = (await (await ours.getUser(userId)).getItem("credits")).quantity;
      if (actual !== quantity) throw new Error(`${c.sdk}, ${c.case}: user ${userId} has ${actual} credits, expected ${quantity}`);
    }
  }
} finally {
  globalThis.fetch = realFetch;
  await running.close();
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const rows = cases.map((c) => ({
  case: c.case,
  sdk: c.sdk,
  ops: c.times.length,
  "ms/op (mean)": Number((c.times.reduce((a, b) => a + b, 0) / c.times.length).toFixed(2)),
  "p50 ms": Number(quantile(c.times, 0.5).toFixed(2)),
  "p95 ms": Number(quantile(c.times, 0.95).toFixed(2)),
  "requests/op": Number((c.requests / c.times.length).toFixed(2)),
}));
console.log(`docs' consume path (getUser(id) → getItem → tryDecreaseQuantity(1)), one emulator (PGlite, HTTP), node ${process.version}`);
console.table(rows);
for (const name of new Set(rows.map((r) => r.case))) {
  const [o, t] = rows.filter((r) => r.case === name);
  console.log(
    `${name}: @stackframe/js / stack-payments = ${(t["ms/op (mean)"] / o["ms/op (mean)"]).toFixed(1)}x the time per operation (p50 ${(t["p50 ms"] / o["p50 ms"]).toFixed(1)}x), ${(t["requests/op"] / o["requests/op"]).toFixed(2)}x the requests`,
  );
}
