// @vitest-environment node
// An app that installs stack-payments without @tanstack/react-query: the package is built with the
// project's own tsup config into a temp dir and installed there, with every dependency but
// react-query; Node then imports it as an app would.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build, type Options } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import config from "../../tsup.config.js";
import { MISSING_REACT_QUERY_MESSAGE, prependReactEntryPrelude } from "../../scripts/react-entry-prelude.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);
let temp: string;

/** An app folder whose node_modules holds the built package and `deps` (linked from this repository). */
async function appWith(name: string, deps: string[]): Promise<string> {
  const app = path.join(temp, name);
  await mkdir(path.join(app, "node_modules"), { recursive: true });
  // A copy, not a link: Node resolves a package's own imports from where its files really are.
  await cp(path.join(temp, "package"), path.join(app, "node_modules", "stack-payments"), { recursive: true });
  for (const dep of deps) {
    const link = path.join(app, "node_modules", dep);
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(path.join(root, "node_modules", dep), link);
  }
  return app;
}

/** Runs `code` with Node in `cwd` (ESM or CommonJS); resolves with its exit code and output. */
async function node(cwd: string, type: "module" | "commonjs", code: string) {
  try {
    const { stdout } = await run(process.execPath, ["--input-type", type, "-e", code], { cwd });
    return { code: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let withoutReactQuery: string;
let withReactQuery: string;

beforeAll(async () => {
  temp = await mkdtemp(path.join(tmpdir(), "stack-payments-peer-"));
  const outDir = path.join(temp, "package", "dist");
  const [library] = config as Options[];
  await build({
    ...library,
    // Only these options: tsup would otherwise load the project's config file as well.
    config: false,
    entry: { index: "src/index.ts", server: "src/server.ts", react: "src/react.ts" },
    outDir,
    dts: false,
    silent: true,
    onSuccess: () => prependReactEntryPrelude(outDir),
  });
  await writeFile(path.join(temp, "package", "package.json"), await readFile(path.join(root, "package.json")));
  const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const deps = [...Object.keys(pkg.dependencies), "react"];
  withoutReactQuery = await appWith("app-without", deps);
  withReactQuery = await appWith("app-with", [...deps, "@tanstack/react-query", "@tanstack/query-core"]);
}, 120_000);

afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

describe("stack-payments/react without @tanstack/react-query", () => {
  it("require() fails with what to install", async () => {
    const result = await node(withoutReactQuery, "commonjs", `require("stack-payments/react")`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(MISSING_REACT_QUERY_MESSAGE);
    expect(MISSING_REACT_QUERY_MESSAGE).toContain("npm install stack-payments @tanstack/react-query");
  });

  it("import fails naming the missing package", async () => {
    const result = await node(withoutReactQuery, "module", `await import("stack-payments/react")`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Cannot find package '@tanstack\/react-query'/);
  });

  it("stack-payments and stack-payments/server (query options included) load without it", async () => {
    const esm = await node(
      withoutReactQuery,
      "module",
      `const s = await import("stack-payments/server"); await import("stack-payments"); console.log(typeof s.itemQueryOptions, typeof s.stackQueryKeys.item)`,
    );
    expect(esm).toEqual({ code: 0, stdout: "function function\n", stderr: "" });
    const cjs = await node(withoutReactQuery, "commonjs", `const s = require("stack-payments/server"); require("stack-payments"); console.log(typeof s.userQueryOptions)`);
    expect(cjs).toEqual({ code: 0, stdout: "function\n", stderr: "" });
  });

  it("with it installed, both forms load (the failures above are the missing package, nothing else)", async () => {
    const esm = await node(withReactQuery, "module", `const r = await import("stack-payments/react"); console.log(typeof r.StackProvider)`);
    expect(esm).toEqual({ code: 0, stdout: "function\n", stderr: "" });
    const cjs = await node(withReactQuery, "commonjs", `console.log(typeof require("stack-payments/react").useUser)`);
    expect(cjs).toEqual({ code: 0, stdout: "function\n", stderr: "" });
  });

  it("the README's install line for React apps names both packages", async () => {
    const readme = await readFile(path.join(root, "README.md"), "utf8");
    expect(readme).toContain("npm install stack-payments @tanstack/react-query");
  });
});
