/**
 * `npm start`: the whole thing on one machine. Builds the package and the React example when they
 * are missing or stale, starts the payments emulator with examples/payments.json and the React
 * example's server, prints the URL to open, and stops everything on Ctrl-C.
 *
 * Options (or environment): --port N (PORT, default 5173) for the page, --emulator-port N
 * (EMULATOR_PORT, default 8102), --fresh to forget the emulator's saved users and purchases
 * (kept in .stack-payments/data between runs).
 * With STACK_PROJECT_ID / STACK_PUBLISHABLE_CLIENT_KEY / STACK_SECRET_SERVER_KEY set, no emulator
 * is started and the example talks to the hosted API (or STACK_API_URL).
 */
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildPackageIfStale, buildReactExampleIfStale, createProcessGroup, freePort, fromRoot } from "./lib/dev-processes.mjs";

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      port: { type: "string", default: process.env.PORT ?? "5173" },
      "emulator-port": { type: "string", default: process.env.EMULATOR_PORT ?? "8102" },
      fresh: { type: "boolean", default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\nUsage: npm start -- [--port 5173] [--emulator-port 8102] [--fresh]`);
  process.exit(2);
}

const group = createProcessGroup();
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping…");
  await group.stopAll();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  const started = Date.now();
  await buildPackageIfStale();
  await buildReactExampleIfStale();

  const hosted = Boolean(process.env.STACK_PROJECT_ID);
  let apiUrl = process.env.STACK_API_URL;
  if (!hosted) {
    // The CLI's default data folder, so `npm run emulator` and `npm start` see the same users.
    const dataDir = fromRoot(".stack-payments/data");
    if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
    const emulatorPort = await freePort(Number(options["emulator-port"]));
    apiUrl = `http://127.0.0.1:${emulatorPort}`;
    await group.start(
      "emulator",
      process.execPath,
      [fromRoot("dist/cli.js"), "emulator", "--config", fromRoot("examples/payments.json"), "--port", String(emulatorPort), "--data", dataDir],
      { readyUrl: `${apiUrl}/api/v1`, timeoutMs: 60_000 },
    );
  }

  const appPort = await freePort(Number(options.port));
  const appUrl = `http://localhost:${appPort}`;
  await group.start("react-vite", process.execPath, [fromRoot("examples/react-vite/server.mjs")], {
    env: { PORT: String(appPort), ...(apiUrl ? { STACK_API_URL: apiUrl } : {}) },
    readyUrl: `${appUrl}/api/config`,
  });

  console.log(
    [
      "",
      `  Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
      `  Open ${appUrl}  (the React example)`,
      hosted ? `  Stack API: ${apiUrl ?? "https://api.stack-auth.com"} (hosted project ${process.env.STACK_PROJECT_ID})` : `  Emulator:  ${apiUrl}  (config examples/payments.json)`,
      "  Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );

  // If a child dies on its own, stop the rest instead of leaving a half-working setup.
  const watchdog = setInterval(() => {
    const dead = group.exited();
    if (dead.length > 0 && !stopping) {
      console.error(`\n${dead.join(", ")} stopped unexpectedly.`);
      clearInterval(watchdog);
      void shutdown(1);
    }
  }, 500);
} catch (error) {
  // An error while Ctrl-C is stopping everything is just the children going away.
  if (!stopping) {
    console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown(1);
  }
}
