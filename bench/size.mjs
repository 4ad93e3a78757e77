// Browser bundle size of StackClientApp + getUser + getItem + createCheckoutUrl, min+gzip, ours
// against @stackframe/js for the same calls. `--check` exits 1 over the 14 KB budget.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";

const BUDGET_BYTES = 14 * 1024;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const usage = (from) => `
import { StackClientApp } from ${JSON.stringify(from)};
const app = new StackClientApp({ projectId: "00000000-0000-4000-8000-000000000001", publishableClientKey: "pck_x", tokenStore: "cookie" });
const user = await app.getUser({ or: "redirect" });
const credits = await user.getItem("credits");
const url = await user.createCheckoutUrl({ productId: "prod_premium_monthly" });
console.log(credits.quantity, url);
`;

async function measure(from, label) {
  const result = await build({
    stdin: { contents: usage(from), resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "error",
    // Loaded only on a Next.js server, never in a browser bundle.
    external: ["next/headers", "next/navigation", "next", "react", "react-dom"],
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const code = result.outputFiles[0].contents;
  const gz = gzipSync(code, { level: 9 }).length;
  return { label, min: code.length, gzip: gz, meta: result.metafile };
}

const ours = await measure("./src/index.ts", "stack-payments");
let theirs;
try {
  theirs = await measure("@stackframe/js", "@stackframe/js");
} catch (error) {
  console.log(`@stackframe/js could not be bundled: ${error.message.split("\n")[0]}`);
}
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
for (const r of [ours, theirs].filter(Boolean)) console.log(`${r.label.padEnd(16)} min ${kb(r.min).padStart(10)}   min+gzip ${kb(r.gzip).padStart(9)}`);
if (theirs) console.log(`ratio (theirs / ours, min+gzip): ${(theirs.gzip / ours.gzip).toFixed(1)}x`);
console.log(`budget ${kb(BUDGET_BYTES)}: ${ours.gzip <= BUDGET_BYTES ? "within" : "OVER"} (${kb(BUDGET_BYTES - ours.gzip)} left)`);
if (process.argv.includes("--verbose")) {
  const inputs = Object.entries(ours.meta.outputs[Object.keys(ours.meta.outputs)[0]].inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
  for (const [file, info] of inputs.slice(0, 25)) console.log(`  ${String(info.bytesInOutput).padStart(7)}  ${file}`);
}
if (process.argv.includes("--check") && ours.gzip > BUDGET_BYTES) process.exit(1);
