/**
 * `npm start`: the whole thing on one machine. Builds the package and the example when they are
 * missing or stale, installs the example's own dependencies the first time it runs (the Next.js
 * example's `next`; the React example needs none beyond the repository's), starts the payments
 * emulator with examples/payments.json and the example's server, prints the URL to open, and stops
 * everything on Ctrl-C.
 *
 *   npm start -- [--port N] [--emulator-port N] [--data DIR] [--fresh] [--live]   # the React example
 *   npm run example:nextjs -- [same options]                                 # the Next.js example
 *
 * Nothing it starts outlives it: a signal (SIGINT, SIGTERM, SIGHUP) to it or to npm, npm exiting
 * however it ends, or kill -9 of the launcher itself all stop the emulator and the example and free
 * their ports and the data folder. (npm runs it with `exec`, so the signals npm passes on reach it
 * rather than an intermediate shell.)
 *
 * With STACK_PROJECT_ID / STACK_PUBLISHABLE_CLIENT_KEY / STACK_SECRET_SERVER_KEY set, no emulator
 * is started and the example talks to the hosted API (or STACK_API_URL).
 */
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  buildPackageIfStale,
  buildReactExampleIfStale,
  createProcessGroup,
  ensureExampleInstalled,
  freePort,
  fromRoot,
  onParentExit,
} from "./lib/dev-processes.mjs";

/** What each example needs started; `ready` is the path polled until the server answers. */
const EXAMPLES = {
  "react-vite": {
    title: "the React example",
    defaultPort: 5173,
    prepare: buildReactExampleIfStale,
    command: () => [fromRoot("examples/react-vite/server.mjs")],
    env: (port) => ({ PORT: String(port) }),
    ready: "api/config",
    readyTimeoutMs: 60_000,
  },
  nextjs: {
    title: "the Next.js example",
    defaultPort: 3000,
    prepare: (log) => ensureExampleInstalled("nextjs", log),
    command: (port) => [fromRoot("examples/nextjs/node_modules/next/dist/bin/next"), "dev", "--port", String(port), fromRoot("examples/nextjs")],
    env: () => ({ NEXT_TELEMETRY_DISABLED: "1" }),
    // `next dev` compiles a page on its first request: asking for it here means the printed URL
    // opens at once.
    ready: "",
    readyTimeoutMs: 240_000,
  },
};

const USAGE = `Usage: npm start -- [--port 5173] [--emulator-port 8102] [--data .stack-payments/data] [--fresh] [--live]
       npm run example:nextjs -- [--port 3000] [same options]

  --port N           the example's port (PORT; the next free one if taken)
  --emulator-port N  the emulator's port (EMULATOR_PORT, default 8102; the next free one if taken)
  --data DIR         where the emulator keeps users and purchases (default .stack-payments/data)
  --fresh            forget them first
  --live             live mode: the checkout page takes test cards (payments.testMode false)
  --example NAME     react-vite (default) or nextjs`;

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      example: { type: "string", default: "react-vite" },
      port: { type: "string", default: process.env.PORT },
      "emulator-port": { type: "string", default: process.env.EMULATOR_PORT ?? "8102" },
      data: { type: "string", default: fromRoot(".stack-payments/data") },
      fresh: { type: "boolean", default: false },
      live: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const example = EXAMPLES[options.example];
if (!example) {
  console.error(`Unknown example "${options.example}": choose ${Object.keys(EXAMPLES).join(" or ")}.\n${USAGE}`);
  process.exit(2);
}
for (const name of ["port", "emulator-port"]) {
  const value = options[name];
  if (value !== undefined && !/^\d+$/.test(value)) {
    console.error(`--${name} must be a port number, got "${value}".\n${USAGE}`);
    process.exit(2);
  }
}

const group = createProcessGroup();
let stopping = false;
async function shutdown(code, reason) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${reason ? `${reason}: ` : ""}stopping…`);
  await group.stopAll();
  process.exit(code);
}
// A closed terminal must not crash the launcher halfway through stopping its children.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0, "SIGTERM"));
process.on("SIGHUP", () => void shutdown(0, "SIGHUP"));
// npm gone without passing a signal on (kill -9, a hang-up): nobody is left to stop us, so stop ourselves.
onParentExit(() => void shutdown(0, "npm (the parent process) exited"));

try {
  const started = Date.now();
  await buildPackageIfStale();

  const hosted = Boolean(process.env.STACK_PROJECT_ID);
  /** Starts the emulator; resolves with its URL once it answers. */
  async function startEmulator() {
    const dataDir = resolve(options.data);
    if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
    const emulatorPort = await freePort(Number(options["emulator-port"]));
    const url = `http://127.0.0.1:${emulatorPort}`;
    await group.start(
      "emulator",
      process.execPath,
      [fromRoot("dist/cli.js"), "emulator", "--config", fromRoot("examples/payments.json"), "--port", String(emulatorPort), "--data", dataDir, ...(options.live ? ["--live"] : [])],
      { readyUrl: `${url}/api/v1`, timeoutMs: 60_000 },
    );
    return url;
  }
  // The emulator starts while the example is built (or installed): neither needs the other.
  const [emulatorUrl] = await Promise.all([hosted ? undefined : startEmulator(), example.prepare(console.log)]);
  const apiUrl = hosted ? process.env.STACK_API_URL : emulatorUrl;

  const appPort = await freePort(Number(options.port ?? example.defaultPort));
  const appUrl = `http://localhost:${appPort}`;
  await group.start(options.example, process.execPath, example.command(appPort), {
    env: { ...example.env(appPort), ...(apiUrl ? { STACK_API_URL: apiUrl } : {}) },
    readyUrl: `${appUrl}/${example.ready}`,
    timeoutMs: example.readyTimeoutMs,
  });

  console.log(
    [
      "",
      `  Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
      `  Open ${appUrl}  (${example.title})`,
      hosted ? `  Stack API: ${apiUrl ?? "https://api.stack-auth.com"} (hosted project ${process.env.STACK_PROJECT_ID})` : `  Emulator:  ${apiUrl}  (config examples/payments.json${options.live ? "; live mode: pay with the test cards, e.g. 4242 4242 4242 4242" : ""})`,
      ...(hosted ? [] : [`  Dashboard: ${apiUrl}/dashboard  (payments dashboard of the emulator)`]),
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
