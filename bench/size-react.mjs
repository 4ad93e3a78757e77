// Browser bundle size of a React app using StackClientApp, StackProvider, useUser, user.useItem and
// user.useProducts, min+gzip, counting only our code (the core included): react, react-dom and
// @tanstack/react-query are left out, as the app ships them anyway. `--check` exits 1 over 18 KB.
// `--verbose` lists the largest inputs.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";

const BUDGET_BYTES = 18 * 1024;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const usage = `
import { createElement as h, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { StackClientApp } from "./src/index.ts";
import { StackProvider, useUser } from "./src/react.ts";
const app = new StackClientApp({ projectId: "00000000-0000-4000-8000-000000000001", publishableClientKey: "pck_x", tokenStore: "cookie" });
function Credits() {
  const user = useUser({ or: "redirect" });
  const credits = user.useItem("credits");
  const products = user.useProducts();
  return h("p", null, credits.nonNegativeQuantity, " ", products.length);
}
createRoot(document.getElementById("root")).render(h(StackProvider, { app }, h(Suspense, { fallback: "…" }, h(Credits))));
`;

const result = await build({
  stdin: { contents: usage, resolveDir: root, loader: "tsx" },
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  write: false,
  metafile: true,
  logLevel: "error",
  external: ["react", "react-dom", "react/jsx-runtime", "@tanstack/react-query", "next", "next/headers", "next/navigation"],
  define: { "process.env.NODE_ENV": '"production"' },
});
const code = result.outputFiles[0].contents;
const gzip = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
console.log(`stack-payments/react app   min ${kb(code.length).padStart(10)}   min+gzip ${kb(gzip).padStart(9)}   (react, react-dom, @tanstack/react-query external)`);
console.log(`budget ${kb(BUDGET_BYTES)}: ${gzip <= BUDGET_BYTES ? "within" : "OVER"} (${kb(BUDGET_BYTES - gzip)} left)`);
if (process.argv.includes("--verbose")) {
  const inputs = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs).sort(
    (a, b) => b[1].bytesInOutput - a[1].bytesInOutput,
  );
  for (const [file, info] of inputs.slice(0, 30)) console.log(`  ${String(info.bytesInOutput).padStart(7)}  ${file}`);
}
if (process.argv.includes("--check") && gzip > BUDGET_BYTES) process.exit(1);
