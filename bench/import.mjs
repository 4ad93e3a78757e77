// Cold import time of `stack-payments/server` against `@stackframe/js`, in fresh Node processes,
// alternating the two, N runs each. Ours is built from src/server.ts with esbuild as the published
// dist is (ESM, code splitting, dependencies such as ky left to node_modules), into
// node_modules/.cache so that they resolve. `--check` exits 1 below the 10x target in CPU time (the
// work an import costs: on a one-core serverless instance, its elapsed time too), or below 6x in
// elapsed time. Elapsed time is the weaker guard because @stackframe/js reads its many files on
// several threads, so on an idle multi-core machine its elapsed time falls below its CPU time.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const N = Number(process.env.N ?? 15);
const TARGET = 10;
/** Elapsed-time floor: a static import of ky (Node then loads its fetch at import) falls to about 4x. */
const ELAPSED_FLOOR = 6;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = path.join(root, "node_modules", ".cache", "stack-payments-bench", `import-${process.pid}`);
mkdirSync(dir, { recursive: true });
const ours = path.join(dir, "server.mjs");
await build({
  entryPoints: { server: path.join(root, "src/server.ts") },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: dir,
  outExtension: { ".js": ".mjs" },
  packages: "external",
  logLevel: "error",
});

function timeImport(specifier) {
  const code = `const c=process.cpuUsage(),t=performance.now();await import(${JSON.stringify(specifier)});const u=process.cpuUsage(c);process.stdout.write(JSON.stringify([performance.now()-t,(u.user+u.system)/1000]))`;
  const started = performance.now();
  const [wall, cpu] = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: root, encoding: "utf8" }));
  return { import: wall, cpu, process: performance.now() - started };
}

const results = { ours: [], theirs: [] };
timeImport(pathToFileURL(ours).href); // warm the OS file cache for both, not measured
timeImport("@stackframe/js");
for (let i = 0; i < N; i++) {
  results.ours.push(timeImport(pathToFileURL(ours).href));
  results.theirs.push(timeImport("@stackframe/js"));
}
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const o = median(results.ours.map((r) => r.import));
const t = median(results.theirs.map((r) => r.import));
const oc = median(results.ours.map((r) => r.cpu));
const tc = median(results.theirs.map((r) => r.cpu));
const op = median(results.ours.map((r) => r.process));
const tp = median(results.theirs.map((r) => r.process));
console.log(`N=${N} each, alternating`);
console.log(`stack-payments/server  import median ${o.toFixed(1)} ms, CPU ${oc.toFixed(1)} ms   (whole process ${op.toFixed(0)} ms)`);
console.log(`@stackframe/js         import median ${t.toFixed(1)} ms, CPU ${tc.toFixed(1)} ms   (whole process ${tp.toFixed(0)} ms)`);
console.log(`ratio: ${(t / o).toFixed(1)}x faster in elapsed time (floor ${ELAPSED_FLOOR}x), ${(tc / oc).toFixed(1)}x in CPU time (target ≥ ${TARGET}x)`);
if (process.argv.includes("--check") && (tc / oc < TARGET || t / o < ELAPSED_FLOOR)) {
  console.log("FAIL: import time over budget");
  process.exit(1);
}
