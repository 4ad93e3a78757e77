// Browser bundle size of a React app using StackClientApp, StackProvider, useUser, user.useItem and
// user.useProducts, min+gzip, counting only the SDK's code (its core included): react, react-dom and
// @tanstack/react-query are left out, as the app ships them anyway. Baseline of the same run: the
// official `@stackframe/react` for the same component, bundled the same way (installed once into
// node_modules/.cache for this; `--no-baseline` skips it). The budget counts what the page loads
// before its first render; everything (the live channel, loaded after it, included) is printed
// beside it (see measure-bundle.mjs). `--check` exits 1 over 22 KB or with admin code in the bundle. `--verbose` lists the largest inputs.
import { readFileSync } from "node:fs";
import path from "node:path";
import { adminInputs, baselineDir, kb, measureBundle, printLargestInputs, root } from "./measure-bundle.mjs";

const BUDGET_BYTES = 22 * 1024;

const usage = (sdk, react) => `
import { createElement as h, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { StackClientApp } from ${JSON.stringify(sdk)};
import { StackProvider, useUser } from ${JSON.stringify(react)};
const app = new StackClientApp({ projectId: "00000000-0000-4000-8000-000000000001", publishableClientKey: "pck_x", tokenStore: "cookie" });
function Credits() {
  const user = useUser({ or: "redirect" });
  const credits = user.useItem("credits");
  const products = user.useProducts();
  return h("p", null, credits.nonNegativeQuantity, " ", products.length);
}
createRoot(document.getElementById("root")).render(h(StackProvider, { app }, h(Suspense, { fallback: "…" }, h(Credits))));
`;
const external = ["react", "react-dom", "react-dom/client", "react/jsx-runtime", "@tanstack/react-query", "next", "next/headers", "next/navigation"];

const ours = await measureBundle({ contents: usage("./src/index.ts", "./src/react.ts"), loader: "tsx", external });
let theirs;
if (!process.argv.includes("--no-baseline")) {
  // The official React SDK of the release this repository tests @stackframe/js at.
  const version = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).devDependencies["@stackframe/js"];
  const dir = baselineDir("@stackframe/react", `@stackframe/react@${version}`);
  if (dir) {
    try {
      theirs = await measureBundle({ contents: usage("@stackframe/react", "@stackframe/react"), resolveDir: dir, loader: "tsx", external });
    } catch (error) {
      console.log(`@stackframe/react could not be bundled: ${error.message.split("\n")[0]}`);
    }
  }
}
const line = (label, r) =>
  console.log(`${label.padEnd(18)} min ${kb(r.min).padStart(10)}   min+gzip ${kb(r.initial).padStart(9)}   (everything, what is loaded after the first render included: ${kb(r.total)})`);
line("stack-payments", ours);
if (theirs) line("@stackframe/react", theirs);
console.log("(react, react-dom and @tanstack/react-query left out of both)");
if (theirs) console.log(`ratio (theirs / ours, min+gzip): ${(theirs.initial / ours.initial).toFixed(1)}x lighter before the first render, ${(theirs.total / ours.total).toFixed(1)}x counting everything`);
console.log(`budget ${kb(BUDGET_BYTES)}: ${ours.initial <= BUDGET_BYTES ? "within" : "OVER"} (${kb(BUDGET_BYTES - ours.initial)} left)`);
// The admin hooks are exported by stack-payments/react too: an app that does not use them must not ship them.
const admin = adminInputs(ours);
console.log(`admin code in the bundle (its lazy chunks included): ${admin.length === 0 ? "none" : admin.join(", ")}`);
if (process.argv.includes("--verbose")) printLargestInputs(ours);
if (process.argv.includes("--check") && (ours.initial > BUDGET_BYTES || admin.length > 0)) {
  console.log(`FAIL: ${ours.initial > BUDGET_BYTES ? `over the ${kb(BUDGET_BYTES)} budget` : "admin code reaches the browser bundle"}`);
  process.exit(1);
}
