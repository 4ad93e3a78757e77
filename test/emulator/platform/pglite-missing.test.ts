/**
 * PGlite is an optional peer: an app that installs only the SDK has no `@electric-sql/pglite`.
 * Without it (and without DATABASE_URL) the emulator's CLI and `stack-payments/testing` must say
 * what to install instead of failing on a bare "Cannot find package".
 *
 * The package cannot be uninstalled from under the other tests, so each case runs the source
 * (bundled by esbuild, packages left to Node) in a child process whose module resolution reports
 * `@electric-sql/pglite` missing, exactly as Node does when the package is not installed.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
let dir: string;

// Node's own resolution error for a package that is not installed.
const HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier === "@electric-sql/pglite" || specifier.startsWith("@electric-sql/pglite/")) {
    const error = new Error("Cannot find package '@electric-sql/pglite' imported from " + context.parentURL);
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}
`;

/** Bundles `entry` (TypeScript source) into `dir` and runs it under the hook; returns its exit status and output. */
async function runWithoutPglite(name: string, entry: string, args: string[]) {
  const outfile = join(dir, `${name}.mjs`);
  await build({ entryPoints: [join(root, entry)], outfile, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "error" });
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const result = spawnSync(process.execPath, ["--import", join(dir, "register.mjs"), outfile, ...args], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  // Inside the repository, so the bundles' bare imports resolve from its node_modules.
  const cache = join(root, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  dir = mkdtempSync(join(cache, "pglite-missing-"));
  writeFileSync(join(dir, "hooks.mjs"), HOOKS);
  writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`);
  writeFileSync(
    join(dir, "testing-entry.ts"),
    `import { createTestEmulator } from ${JSON.stringify(join(root, "src/testing.ts"))};\n` +
      `try { await createTestEmulator(); console.log("started"); process.exit(0); } catch (error) { console.log("refused: " + error.message); process.exit(3); }\n`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("without @electric-sql/pglite installed and no DATABASE_URL", () => {
  it("`stack-payments emulator` exits 1 and says to run npm install -D @electric-sql/pglite", async () => {
    const result = await runWithoutPglite("cli", "src/cli.ts", ["emulator", "--memory", "--port", "0"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("npm install -D @electric-sql/pglite");
    expect(result.stderr).toContain("DATABASE_URL");
    expect(result.stdout).not.toContain("emulator running");
  }, 90_000);

  it("createTestEmulator() from stack-payments/testing rejects with the same instruction", async () => {
    const result = await runWithoutPglite("testing", join(dir, "testing-entry.ts").slice(root.length), []);
    expect(result.status).toBe(3);
    expect(result.stdout).toContain("refused: ");
    expect(result.stdout).toContain("npm install -D @electric-sql/pglite");
  }, 90_000);
});
