/**
 * The `stack-payments` command. `stack-payments emulator` runs the local payments API.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { SDK_VERSION } from "./core/http/build-request.js";
import type { PaymentsConfig } from "./core/schemas/index.js";
import { getProjectConfig } from "./emulator/project-config.js";
import { INTERNAL_PROJECT } from "./emulator/projects/store.js";
import { startEmulator, type StartEmulatorOptions } from "./emulator/start-emulator.js";

const USAGE = `Usage: stack-payments emulator [options]

Runs a local emulator of the Stack Auth payments API, offline and with no Stripe account: a
development project ready to use (test mode unless --live), and more projects created as on the
hosted API. Its dashboard is at <base URL>/dashboard.

Options:
  --config <file>   payments config (payments.json, camelCase; the "payments" key of a full config also works)
  --port <n>        port to listen on (default 8102; 0 picks a free port)
  --host <addr>     interface to bind (default 127.0.0.1)
  --public-url <url>
                    the URL the emulator is reached at, e.g. behind a proxy or tunnel; checkout
                    links and token issuers use it (default: the address it listens on)
  --data <dir>      data folder, kept across restarts (default ./.stack-payments/data)
  --memory          keep no data: a private temp folder, removed when the emulator stops
  --live            live mode: card checkout with test cards (sets payments.testMode to false)
  -h, --help        show this help
  -v, --version     print the version

With DATABASE_URL set, data is stored in that PostgreSQL database instead.
`;

function fail(message: string): never {
  process.stderr.write(`stack-payments: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function loadConfig(file: string): PaymentsConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    fail(`cannot read --config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(`--config ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`--config ${file} must contain a JSON object`);
  const record = value as Record<string, unknown>;
  return (typeof record.payments === "object" && record.payments !== null ? record.payments : record) as PaymentsConfig;
}

/** A readable reason: PGlite rejects with plain objects at times (a full disk), which print as [object Object]. */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === "string") return message;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

async function runEmulator(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        config: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        "public-url": { type: "string" },
        data: { type: "string" },
        memory: { type: "boolean" },
        live: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = values.port === undefined ? 8102 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer from 0 to 65535, got ${values.port}`);
  if (values.memory && values.data !== undefined) fail("--memory and --data cannot be combined");
  const options: StartEmulatorOptions = { port, host: values.host ?? "127.0.0.1" };
  if (values["public-url"] !== undefined) options.publicUrl = values["public-url"];
  if (values.config !== undefined) options.config = loadConfig(values.config);
  // The flag wins over the file, so one payments.json serves both modes.
  if (values.live) options.config = { ...options.config, testMode: false };
  if (process.env.DATABASE_URL) options.storage = { databaseUrl: process.env.DATABASE_URL };
  else options.storage = values.memory ? {} : { dataDir: resolve(values.data ?? ".stack-payments/data") };

  // Ctrl-C while starting (the first start prepares the database copy, several seconds): exit at
  // once; the exit removes the folder of a database kept for this process, and the next start
  // removes what a half-made copy left.
  let started = false;
  const stopWhileStarting = (signal: NodeJS.Signals) => {
    if (started) return;
    process.stdout.write(`\nReceived ${signal} while starting, stopping.\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", stopWhileStarting);
  process.once("SIGTERM", stopWhileStarting);
  let running;
  try {
    running = await startEmulator(options);
  } catch (error) {
    process.stderr.write(`stack-payments: the emulator could not start: ${describeError(error)}\n`);
    process.exit(1);
  }
  // From here a signal stops the running emulator (its handlers are in place before the start's go).
  started = true;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nReceived ${signal}, stopping...\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stack-payments: error while stopping: ${describeError(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.off("SIGINT", stopWhileStarting);
  process.off("SIGTERM", stopWhileStarting);
  const { project } = running.emulator;
  const storage = process.env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : values.memory ? "none kept (--memory)" : resolve(values.data ?? ".stack-payments/data");
  // What the project sells (its config file and, in a kept data folder, what the dashboard added):
  // a project with nothing makes every first call a puzzling 404, so it says what to do.
  const payments = (await getProjectConfig(running.emulator.db, project.id)).payments;
  const products = Object.keys(payments.products ?? {}).length;
  const items = Object.keys(payments.items ?? {}).length;
  const config = `${values.config === undefined ? "no --config" : resolve(values.config)}: ${products} product${products === 1 ? "" : "s"}, ${items} item${items === 1 ? "" : "s"}${
    products + items === 0 ? " (try --config examples/payments.json, or add them in the dashboard)" : ""
  }`;
  process.stdout.write(
    [
      `Stack payments emulator running at ${running.url}`,
      ``,
      `  Base URL:               ${values["public-url"] ?? running.url}`,
      `  Dashboard:              ${values["public-url"] ?? running.url}/dashboard`,
      `  Project ID:             ${project.id}`,
      `  Publishable client key: ${project.publishableClientKey}`,
      `  Secret server key:      ${project.secretServerKey}`,
      `  Super secret admin key: ${project.superSecretAdminKey}`,
      `  Config:                 ${config}`,
      `  Data:                   ${storage}`,
      ``,
      `More projects: sign in to the internal project "${INTERNAL_PROJECT.id}" (its keys are the hosted API's`,
      `local-development keys) and POST /api/v1/internal/projects, as on the hosted API.`,
      ``,
      `Press Ctrl-C to stop.`,
      ``,
    ].join("\n"),
  );
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${SDK_VERSION}\n`);
    return;
  }
  if (command === "emulator") return runEmulator(rest);
  fail(`unknown command "${command}"`);
}

void main(process.argv.slice(2));
