/**
 * `npm run test:e2e`: the examples driven in a real browser (Debian's Chromium through
 * playwright-core). Starts everything it needs itself (the emulator on a free port with
 * examples/payments.json, each example's server), runs the suites in test/e2e/*.e2e.mjs, writes a
 * screenshot of every step to test-results/screenshots/, and stops everything, within a time bound.
 *
 *   node test/e2e/run.mjs [suite…]     # suites: react-vite, express, nextjs, dashboard (default: all)
 *
 * Prints `N passed, M failed` last and exits non-zero on any failure.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildPackageIfStale, createProcessGroup, freePort, fromRoot, onParentExit } from "../../scripts/lib/dev-processes.mjs";

const CHROMIUM = "/usr/bin/chromium";
const TOTAL_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 15 * 60_000);
const TEST_TIMEOUT_MS = 90_000;
const SCREENSHOTS = fromRoot("test-results/screenshots");
const SUITES = ["react-vite", "express", "nextjs", "dashboard"];

if (!existsSync(CHROMIUM)) {
  console.error(
    [
      `The browser tests need Debian's Chromium at ${CHROMIUM}, which is not installed.`,
      "Install it with:  apt-get install chromium   (as root; run `apt-get update` first on a new machine)",
      "Nothing else is downloaded: playwright-core drives that browser.",
    ].join("\n"),
  );
  process.exit(1);
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((s) => !SUITES.includes(s));
if (unknown.length > 0) {
  console.error(`Unknown suite ${unknown.join(", ")}; choose from ${SUITES.join(", ")}.`);
  process.exit(1);
}
const suites = wanted.length > 0 ? wanted : SUITES;

const verbose = process.env.E2E_VERBOSE === "1";
const logLines = [];
const group = createProcessGroup({
  log: (line) => {
    logLines.push(line);
    if (verbose) console.log(line);
  },
});
let browser;
let finished = false;

async function cleanup() {
  await browser?.close().catch(() => {});
  await group.stopAll();
}

const overall = setTimeout(() => {
  if (finished) return;
  console.error(`\nThe browser tests took longer than ${TOTAL_TIMEOUT_MS / 1000} s in all; stopping.`);
  console.error("0 passed, 1 failed");
  void cleanup().finally(() => process.exit(1));
}, TOTAL_TIMEOUT_MS);
overall.unref();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => void cleanup().finally(() => process.exit(130)));
// npm killed (or the terminal gone): stop the servers and the browser rather than leave them running.
onParentExit(() => void cleanup().finally(() => process.exit(130)));

const withTimeout = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms).unref())]);

let passed = 0;
let failed = 0;
const failures = [];

try {
  // Only this run's suites' screenshots are replaced: the vitest browser tests write theirs
  // (checkout-*.png) to the same folder, earlier in CI.
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const file of readdirSync(SCREENSHOTS))
    if (suites.some((s) => file.startsWith(`${s}-`))) rmSync(join(SCREENSHOTS, file), { force: true });

  const t0 = Date.now();
  await buildPackageIfStale((m) => console.log(m));

  const emulatorPort = await freePort();
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  // A fresh in-memory database for every run.
  await group.start(
    "emulator",
    process.execPath,
    [fromRoot("dist/cli.js"), "emulator", "--memory", "--config", fromRoot("examples/payments.json"), "--port", String(emulatorPort)],
    { readyUrl: `${emulatorUrl}/api/v1`, timeoutMs: 60_000 },
  );
  console.log(`emulator ready at ${emulatorUrl} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });

  for (const suiteName of suites) {
    const suite = await import(`./${suiteName}.e2e.mjs`);
    console.log(`\n${suiteName}`);
    let context;
    const ctx = {
      emulatorUrl,
      group,
      freePort,
      /** Writes test-results/screenshots/<suite>-<name>.png. */
      screenshot: async (page, name) => {
        await page.screenshot({ path: join(SCREENSHOTS, `${suiteName}-${name}.png`), fullPage: true });
      },
    };
    try {
      const t = Date.now();
      const state = await withTimeout(suite.setup(ctx), 5 * 60_000, `${suiteName} setup`);
      console.log(`  (setup ${((Date.now() - t) / 1000).toFixed(1)} s)`);
      context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const consoleErrors = [];
      page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));
      page.on("pageerror", (error) => consoleErrors.push(String(error)));
      const requests = [];
      page.on("request", (request) => requests.push(request.url()));
      // Anything the example's own server could not find (a missing icon, a stale asset link).
      const notFound = [];
      page.on("response", (response) => {
        if (response.status() === 404 && state.appUrl && response.url().startsWith(new URL(state.appUrl).origin)) notFound.push(response.url());
      });
      Object.assign(ctx, state, { page, context, consoleErrors, requests });
      let skipRest = false;
      const noMissingFiles = {
        name: "no request of the example's pages got a 404",
        fn: () => assert.deepEqual(notFound, [], `the example's server answered 404 for: ${notFound.join(", ")}`),
      };
      for (const { name, fn } of state.appUrl ? [...suite.tests, noMissingFiles] : suite.tests) {
        const started = Date.now();
        if (skipRest) {
          failed++;
          failures.push(`${suiteName} › ${name}: not run because an earlier step of this flow failed`);
          console.log(`  ✗ ${name} (not run: an earlier step failed)`);
          continue;
        }
        try {
          await withTimeout(fn(ctx), TEST_TIMEOUT_MS, name);
          passed++;
          console.log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } catch (error) {
          failed++;
          // The steps of a suite are one user's journey: later steps build on earlier ones.
          skipRest = true;
          const slug = name.replace(/[^a-z0-9]+/gi, "-").toLowerCase().slice(0, 60);
          await ctx.screenshot(page, `FAILED-${slug}`).catch(() => {});
          const recentErrors = consoleErrors.slice(-5);
          failures.push(
            `${suiteName} › ${name}:\n    ${String(error?.message ?? error).split("\n").slice(0, 12).join("\n    ")}` +
              `\n    page URL: ${page.url()}` +
              (recentErrors.length > 0 ? `\n    browser console errors:\n      ${recentErrors.join("\n      ")}` : ""),
          );
          console.log(`  ✗ ${name}`);
        }
      }
    } catch (error) {
      failed++;
      failures.push(`${suiteName} › setup: ${error?.message ?? error}`);
      console.log(`  ✗ setup failed`);
    } finally {
      await context?.close().catch(() => {});
      await suite.teardown?.(ctx).catch(() => {});
    }
  }
} catch (error) {
  failed++;
  failures.push(`setup: ${error?.message ?? error}`);
} finally {
  finished = true;
  await cleanup();
}

if (failures.length > 0) {
  console.log("\nFailures:");
  for (const f of failures) console.log(`  ${f}`);
  const dead = group.exited().filter((d) => !/SIGTERM|SIGKILL/.test(d));
  if (dead.length > 0) console.log(`\nProcesses that stopped on their own: ${dead.join(", ")}`);
  console.log(`\nLast server output:\n${logLines.slice(-40).join("\n")}`);
}
console.log(`\nScreenshots: ${SCREENSHOTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
