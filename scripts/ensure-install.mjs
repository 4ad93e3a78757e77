/**
 * npm's `prestart` / `pretest` hook: on a fresh clone (no node_modules yet) it runs `npm ci`, so
 * `npm start` and `npm test` work with nothing installed by hand. Otherwise it does nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
// npm writes node_modules/.package-lock.json at the end of every install: without it the last
// install did not finish.
if (!existsSync(`${root}node_modules/.package-lock.json`)) {
  console.log("node_modules is missing: running `npm ci` once (1-2 minutes; npm prints nothing until it is done)…");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("`npm ci` failed; fix the error above and run the command again.");
    process.exit(result.status ?? 1);
  }
}
