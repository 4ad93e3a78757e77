#!/usr/bin/env node
// A year of monthly renewals for 100 customers on the emulator's test clock, against a baseline
// of the same run: the same year for 100 customers whose monthly subscriptions came from the
// test-mode checkout (no provider behind them, so time only moves the ledger).
//
// Both cohorts live in one project of one in-process emulator (PGlite in memory). Each of the 12
// months, the clock is moved past the period end and every customer's item is read; for the
// provider cohort the move makes the emulator charge 100 cards, write 100 invoices and send 100
// receipts. Printed: seconds per phase and the ratio of the renewal year to the baseline year.
//
// It does not need `npm run build`: it bundles src/emulator/create-emulator.ts with esbuild into
// node_modules/.cache so that external packages (PGlite) resolve.
//
// Usage: node bench/renewals.mjs [--customers 100] [--months 12]
import { importFromSource } from "./lib/from-source.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CUSTOMERS = arg("customers", 100);
const MONTHS = arg("months", 12);
const DAY = 24 * 60 * 60 * 1000;

async function loadModules() {
  return importFromSource("renewals", `export { createEmulator } from "./src/emulator/create-emulator.ts";`);
}

const config = {
  testMode: true,
  items: { credits: { displayName: "Credits", customerType: "user" } },
  products: {
    pro: {
      displayName: "Pro",
      prices: { monthly: { USD: "10", interval: [1, "month"] } },
      includedItems: { credits: { quantity: 100, repeat: [1, "month"], expires: "when-repeated" } },
    },
  },
};

const { createEmulator } = await loadModules();
const emulator = createEmulator({ config, storage: {} });
await emulator.ready;

/** Requests to one project (each project has its own test clock). */
function client(project) {
  return async function call(method, path, body, access = "server") {
    const headers = { "content-type": "application/json" };
    if (access !== "none") headers["x-stack-project-id"] = project.id;
    if (access === "server") Object.assign(headers, { "x-stack-access-type": "server", "x-stack-secret-server-key": project.secretServerKey });
    if (access === "admin") Object.assign(headers, { "x-stack-access-type": "admin", "x-stack-super-secret-admin-key": project.superSecretAdminKey });
    const res = await emulator.fetch(new Request(`http://bench.local/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

const rows = [];
async function time(label, fn) {
  const start = performance.now();
  await fn();
  const seconds = (performance.now() - start) / 1000;
  rows.push({ phase: label, seconds: Number(seconds.toFixed(2)) });
  return seconds;
}

async function customers(call, n) {
  const ids = [];
  for (let i = 0; i < n; i++) ids.push((await call("POST", "/users", { primary_email: `bench-${crypto.randomUUID()}@example.com` })).id);
  return ids;
}
async function codeFor(call, userId) {
  const { url } = await call("POST", "/payments/purchases/create-purchase-url", { customer_type: "user", customer_id: userId, product_id: "pro" });
  return new URL(url).pathname.split("/").pop();
}

/** A year, a month at a time (31 days: past every calendar period end), reading every customer's item each month. */
function year(call, ids) {
  return async () => {
    for (let m = 0; m < MONTHS; m++) {
      await call("POST", "/internal/emulator/clock/advance", { advance_millis: 31 * DAY });
      for (const id of ids) await call("GET", `/payments/items/user/${id}/credits`);
    }
  };
}

// Baseline cohort: monthly subscriptions from the test-mode checkout, in a project of its own.
const base = client(await emulator.createProject({ config }));
const baseIds = await customers(base, CUSTOMERS);
await time(`${CUSTOMERS} test-mode checkouts`, async () => {
  for (const id of baseIds) await base("POST", "/internal/payments/test-mode-purchase-session", { full_code: await codeFor(base, id), price_id: "monthly" }, "none");
});
const baselineSeconds = await time(`baseline: a year for ${CUSTOMERS} test-mode subscriptions`, year(base, baseIds));

// Provider cohort: the same subscriptions paid with test card 4242.
const paid = client(await emulator.createProject({ config }));
const paidIds = await customers(paid, CUSTOMERS);
await time(`${CUSTOMERS} card checkouts (4242)`, async () => {
  for (const id of paidIds) {
    const { client_secret } = await paid("POST", "/payments/purchases/purchase-session", { full_code: await codeFor(paid, id), price_id: "monthly" }, "none");
    const pi = await paid("POST", "/internal/emulator/provider/payment-intents/confirm", { client_secret, card: { number: "4242424242424242", exp_month: 12, exp_year: 2045, cvc: "123" } }, "none");
    if (pi.status !== "succeeded") throw new Error(`checkout ended ${pi.status}`);
  }
});
const renewalSeconds = await time(`a year of monthly renewals for ${CUSTOMERS} card subscriptions`, year(paid, paidIds));

// The work was done: every paying customer has 1 + MONTHS paid invoices, each with a receipt.
let invoiceCount = 0;
for (const id of paidIds) invoiceCount += (await paid("GET", `/payments/invoices/user/${id}?limit=100`)).items.filter((i) => i.status === "paid").length;
let receipts = 0;
for (let cursor = null, page = 0; page < 1000; page++) {
  const r = await paid("GET", `/internal/emulator/outbox?kind=payment_receipt&limit=200${cursor ? `&cursor=${cursor}` : ""}`, undefined, "admin");
  receipts += r.items.length;
  cursor = r.next_cursor;
  if (!cursor) break;
}
await emulator.close();

console.log(`Subscription renewals on the test clock (PGlite in memory), node ${process.version}`);
console.table(rows);
console.log(`paid invoices: ${invoiceCount}, receipts: ${receipts} (expected ${CUSTOMERS * (MONTHS + 1)} each)`);
console.log(
  `renewal year / baseline year: ${(renewalSeconds / baselineSeconds).toFixed(2)}x; ${((renewalSeconds - baselineSeconds) * 1000 / (CUSTOMERS * MONTHS)).toFixed(1)} ms of renewal work per renewal`,
);
