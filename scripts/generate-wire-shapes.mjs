/**
 * `npm run generate:shapes`: writes src/core/wire-shapes.ts, the browser's response checks, from the
 * zod schemas in src/core/schemas/ (see scripts/wire-shapes/). Fails, writing nothing, when a schema
 * uses a zod feature the shapes cannot encode exactly.
 *
 *   node scripts/generate-wire-shapes.mjs            write the file
 *   node scripts/generate-wire-shapes.mjs --check    exit 1 if the file is not what it would write
 *   node scripts/generate-wire-shapes.mjs [--check] <file>   another target (tests)
 */
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const check = args.includes("--check");
const target = path.resolve(args.find((a) => !a.startsWith("--")) ?? path.join(root, "src/core/wire-shapes.ts"));
const shown = path.relative(process.cwd(), target) || target;

// The generator and the schemas are TypeScript and Node 20 cannot load that: bundle them (zod
// included) into one ES module and load it from memory.
const bundle = await build({
  entryPoints: [path.join(root, "scripts/wire-shapes/render-wire-shapes.ts")],
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  write: false,
  logLevel: "error",
});
const { renderWireShapes } = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].contents).toString("base64")}`);

let source;
try {
  source = renderWireShapes();
} catch (error) {
  console.error(`generate:shapes failed: ${error.message}`);
  process.exit(1);
}

let current;
try {
  current = readFileSync(target, "utf8");
} catch {
  current = undefined;
}
const count = source.match(/^export const /gm)?.length ?? 0;
if (check) {
  if (current !== source) {
    console.error(`${shown} is not what the schemas generate: run \`npm run generate:shapes\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${shown} is up to date (${count} shapes).`);
} else if (current === source) {
  console.log(`${shown} is up to date (${count} shapes).`);
} else {
  writeFileSync(target, source);
  console.log(`wrote ${shown} (${count} shapes).`);
}
