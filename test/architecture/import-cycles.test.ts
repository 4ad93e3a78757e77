/** The import graph of `src/` has no cycles; the checker itself is tested on planted ones. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { findImportCycles, importGraph } from "./find-import-cycles.js";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "../../src");

describe("src/", () => {
  it("has no import cycle", () => {
    // Sanity: the scanner sees the real graph (an empty graph has no cycles either).
    const graph = importGraph(SRC);
    expect(graph.get("core/customer.ts")).toEqual(expect.arrayContaining(["core/api-context.ts", "core/item.ts", "core/products.ts"]));
    expect(findImportCycles(SRC)).toEqual([]);
  });
});

describe("findImportCycles", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  /** Writes `files` (path → source) into a fresh folder and returns it. */
  function tree(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "import-cycles-"));
    dirs.push(dir);
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    return dir;
  }

  it("finds a two-file cycle made by a type-only import", () => {
    const dir = tree({
      "a.ts": `import { b } from "./b.js";\nexport interface A { b: typeof b }\n`,
      "b.ts": `import type { A } from "./a.js";\nexport const b = 1; export type B = A;\n`,
    });
    expect(findImportCycles(dir)).toEqual([["a.ts", "b.ts", "a.ts"]]);
  });

  it("finds a longer cycle through re-exports, folders and index files", () => {
    const dir = tree({
      "core/customer.ts": `export * from "./item/index.js";\n`,
      "core/item/index.ts": `export { products } from "../products.js";\n`,
      "core/products.ts": `import { customer } from "./customer";\nexport const products = customer;\n`,
      "apps/app.ts": `import "../core/customer.js";\n`,
    });
    expect(findImportCycles(dir)).toEqual([["core/customer.ts", "core/item/index.ts", "core/products.ts", "core/customer.ts"]]);
  });

  it("finds a cycle through a dynamic import and a file importing itself", () => {
    const dir = tree({
      "lazy.ts": `export const load = () => import("./eager.js");\n`,
      "eager.ts": `import { load } from "./lazy.js";\nexport { load };\n`,
      "self.tsx": `import * as me from "./self.js";\nexport const x = me;\n`,
    });
    expect(findImportCycles(dir)).toEqual([["eager.ts", "lazy.ts", "eager.ts"], ["self.tsx", "self.tsx"]]);
  });

  it("passes a graph without cycles (a diamond, package imports, comments naming files)", () => {
    const dir = tree({
      "top.ts": `import "./left.js";\nimport "./right.js";\nimport { z } from "zod";\n`,
      "left.ts": `import "./bottom.js";\n// import "./top.js" is only a comment\n`,
      "right.ts": `import "./bottom.js";\n`,
      "bottom.ts": `export const bottom = "import './top.js'";\n`,
    });
    expect(findImportCycles(dir)).toEqual([]);
  });
});
