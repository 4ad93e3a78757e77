// The bench scripts measure src/ as it is, without `npm run build`: a module of re-exports from
// src/ is bundled with esbuild (as tsup does for dist/; installed packages such as pg and PGlite
// stay external, so they resolve from node_modules) into node_modules/.cache, imported, and removed.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Imports `contents` (an ES module whose imports name src/ files relative to the repository root,
 * e.g. `export { startEmulator } from "./src/emulator.ts"`), bundled under `name`.
 */
export async function importFromSource(name, contents) {
  const dir = join(ROOT, "node_modules", ".cache", "stack-payments-bench");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}-${process.pid}.mjs`);
  await build({
    stdin: { contents, resolveDir: ROOT, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outfile,
    logLevel: "error",
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}
