/**
 * Runs emulators in child processes: bundles a tiny server entry (src/emulator/start-emulator.ts)
 * with esbuild into node_modules/.cache (so its external packages resolve) and spawns `node` on
 * it. Each child prints its base URL as one JSON line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Builds the server entry once; answers the bundle's path. */
export async function bundleEmulatorServer(): Promise<string> {
  const dir = join(ROOT, "node_modules", ".cache", "stack-payments-test");
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `server-entry-${process.pid}.ts`);
  const out = join(dir, `server-${process.pid}.mjs`);
  writeFileSync(
    entry,
    `import { startEmulator } from ${JSON.stringify(join(ROOT, "src/emulator/start-emulator.ts"))};
const running = await startEmulator({
  port: 0,
  config: JSON.parse(process.env.EMULATOR_CONFIG ?? "{}"),
  storage: { databaseUrl: process.env.DATABASE_URL },
});
console.log(JSON.stringify({ url: running.url }));
const stop = () => running.close().then(() => process.exit(0), () => process.exit(1));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
`,
  );
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "silent",
  });
  rmSync(entry, { force: true });
  return out;
}

/** A child emulator. */
export interface EmulatorProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns one emulator process on `databaseUrl` and waits for its URL. */
export async function spawnEmulator(bundle: string, databaseUrl: string, config: unknown): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [bundle], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, EMULATOR_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      try {
        resolveUrl((JSON.parse(line) as { url: string }).url);
      } catch {
        reject(new Error(`unexpected output: ${line}`));
      }
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}
