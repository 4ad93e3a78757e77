/**
 * npm's `prestart` / `pretest` hook: on a fresh clone (no node_modules yet), or after a `git pull`
 * that changed package-lock.json, it runs `npm ci`, so `npm start` and `npm test` work with nothing
 * installed by hand. Otherwise it does nothing.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { installState } from "./lib/install-state.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const state = installState(root);
if (!state.current) {
  console.log(`${state.why}: running \`npm ci\` (1-2 minutes; npm prints nothing until it is done)…`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const started = Date.now();
  const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("`npm ci` failed; fix the error above and run the command again.");
    process.exit(result.status ?? 1);
  }
  // What follows (npm start's "Ready in …") counts from after the install.
  console.log(`Installed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
