// `npm start` / `npm test` reinstall when node_modules no longer matches package-lock.json (after a
// `git pull` that added or upgraded a dependency), and only then.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script of this repository, without types
import { installState } from "../../scripts/lib/install-state.mjs";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Packages = Record<string, { version?: string; optional?: boolean }>;
function project(lock: Packages, installed: Packages | null): string {
  const dir = mkdtempSync(join(tmpdir(), "stack-payments-install-state-"));
  dirs.push(dir);
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: { "": { name: "x" }, ...lock } }));
  if (installed) {
    mkdirSync(join(dir, "node_modules"));
    writeFileSync(join(dir, "node_modules", ".package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: installed }));
  }
  return dir;
}

const lock: Packages = {
  "node_modules/ky": { version: "1.14.3" },
  "node_modules/zod": { version: "4.6.7" },
  "node_modules/@esbuild/darwin-arm64": { version: "0.25.12", optional: true },
};
const installed: Packages = { "node_modules/ky": { version: "1.14.3" }, "node_modules/zod": { version: "4.6.7" } };

describe("installState", () => {
  it("is current when every package of the lockfile is installed at its version (other platforms' optional ones aside)", () => {
    expect(installState(project(lock, installed))).toEqual({ current: true });
  });

  it("is not current on a fresh clone", () => {
    expect(installState(project(lock, null))).toEqual({ current: false, why: "node_modules is missing" });
  });

  it("is not current after a pull that upgraded or added a dependency, and names it", () => {
    const upgraded = { ...lock, "node_modules/zod": { version: "4.7.0" } };
    expect(installState(project(upgraded, installed))).toEqual({ current: false, why: "package-lock.json has changed since the last install (zod)" });
    const added = { ...lock, "node_modules/hono": { version: "4.13.19" }, "node_modules/hono/node_modules/x": { version: "1.0.0" } };
    expect(installState(project(added, installed))).toEqual({ current: false, why: "package-lock.json has changed since the last install (hono and 1 more)" });
  });

  it("is current for this repository's own install", () => {
    expect(installState(fileURLToPath(new URL("../..", import.meta.url)))).toEqual({ current: true });
  });
});
