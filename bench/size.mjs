// Browser bundle size of StackClientApp + getUser + getItem + createCheckoutUrl, min+gzip, ours
// against @stackframe/js for the same calls, bundled the same way in the same run (see
// measure-bundle.mjs: the budget counts what the page loads before its first call; everything, code
// reached only through `import()` included, is printed beside it). `--check` exits 1 over the 16 KB
// budget, under 12x lighter than the official SDK's whole bundle, or with admin code in the bundle. `--verbose` lists the largest inputs.
import { adminInputs, kb, measureBundle, printLargestInputs } from "./measure-bundle.mjs";

const BUDGET_BYTES = 16 * 1024;
// The second figure: at least 12x lighter than everything the official SDK's bundle holds
// (195 KB when the budget was set), that baseline bundled in this same run.
const MIN_RATIO = 12;

const usage = (from) => `
import { StackClientApp } from ${JSON.stringify(from)};
const app = new StackClientApp({ projectId: "00000000-0000-4000-8000-000000000001", publishableClientKey: "pck_x", tokenStore: "cookie" });
const user = await app.getUser({ or: "redirect" });
const credits = await user.getItem("credits");
const url = await user.createCheckoutUrl({ productId: "prod_premium_monthly" });
console.log(credits.quantity, url);
`;
// Loaded only on a Next.js server, never in a browser bundle.
const external = ["next/headers", "next/navigation", "next", "react", "react-dom"];

const ours = await measureBundle({ contents: usage("./src/index.ts"), external });
let theirs;
try {
  theirs = await measureBundle({ contents: usage("@stackframe/js"), external });
} catch (error) {
  console.log(`@stackframe/js could not be bundled: ${error.message.split("\n")[0]}`);
}
const line = (label, r) =>
  console.log(`${label.padEnd(16)} min ${kb(r.min).padStart(10)}   min+gzip ${kb(r.initial).padStart(9)}   (everything, what is loaded on first use of other methods included: ${kb(r.total)})`);
line("stack-payments", ours);
if (theirs) line("@stackframe/js", theirs);
const ratio = theirs && theirs.total / ours.initial;
if (theirs) {
  console.log(`ratio (theirs / ours, min+gzip): ${(theirs.initial / ours.initial).toFixed(1)}x lighter before the first call, ${(theirs.total / ours.total).toFixed(1)}x counting everything of both`);
  console.log(`our first download against everything of theirs (${kb(theirs.total)}): ${ratio.toFixed(1)}x lighter (at least ${MIN_RATIO}x: ${ratio >= MIN_RATIO ? "yes" : "NO"})`);
}
console.log(`budget ${kb(BUDGET_BYTES)}: ${ours.initial <= BUDGET_BYTES ? "within" : "OVER"} (${kb(BUDGET_BYTES - ours.initial)} left)`);
const admin = adminInputs(ours);
console.log(`admin code in the bundle (its lazy chunks included): ${admin.length === 0 ? "none" : admin.join(", ")}`);
if (process.argv.includes("--verbose")) printLargestInputs(ours);
if (process.argv.includes("--check")) {
  const failures = [
    ours.initial > BUDGET_BYTES && `over the ${kb(BUDGET_BYTES)} budget`,
    !theirs && "no baseline measured (the ratio is checked against @stackframe/js of the same run)",
    theirs && ratio < MIN_RATIO && `less than ${MIN_RATIO}x lighter than @stackframe/js`,
    admin.length > 0 && "admin code reaches the browser bundle",
  ].filter(Boolean);
  if (failures.length > 0) {
    console.log(`FAIL: ${failures.join("; ")}`);
    process.exit(1);
  }
}
