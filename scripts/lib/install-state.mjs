/**
 * Whether `node_modules` was installed from the current `package-lock.json`. npm writes
 * `node_modules/.package-lock.json` (the tree it installed) at the end of every install; every
 * entry of the lockfile must be there at the same version, except optional ones (packages for
 * other platforms are never installed). A `git pull` that adds or upgrades a dependency makes the
 * install stale: `npm start` and `npm test` would then fail on a missing module, far from the cause.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** `{ current: true }`, or `{ current: false, why }` naming what is missing or changed. */
export function installState(root) {
  const hiddenFile = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(hiddenFile)) return { current: false, why: "node_modules is missing" };
  let lock;
  let installed;
  try {
    lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages ?? {};
    installed = JSON.parse(readFileSync(hiddenFile, "utf8")).packages ?? {};
  } catch {
    // An unreadable lockfile is npm's to report, when it runs.
    return { current: true };
  }
  const stale = Object.entries(lock)
    .filter(([path, entry]) => path !== "" && !entry.optional && installed[path]?.version !== entry.version)
    .map(([path]) => path.replace(/^.*node_modules\//, ""));
  if (stale.length === 0) return { current: true };
  const more = stale.length > 1 ? ` and ${stale.length - 1} more` : "";
  return { current: false, why: `package-lock.json has changed since the last install (${stale[0]}${more})` };
}
