/**
 * What the build writes before the code of the React entry (`dist/react.js`, `dist/react.cjs`):
 * - `"use client"`, which marks it as client code for React Server Components;
 * - in the CommonJS file, a check that `@tanstack/react-query` is installed, so that `require`
 *   (Jest, older tooling) fails with what to install rather than a bare "Cannot find module". An ES
 *   module cannot run code before its imports resolve; there Node's own error names the package.
 * Done after the build because tsup's `banner` applies to every entry of a config, and the entries
 * must share one config so that `stack-payments` and `stack-payments/react` share chunks.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const USE_CLIENT = '"use client";\n';

/** The message of a `require("stack-payments/react")` without @tanstack/react-query. */
export const MISSING_REACT_QUERY_MESSAGE =
  "stack-payments/react needs @tanstack/react-query, which is not installed. React apps install both: npm install stack-payments @tanstack/react-query";

const REQUIRE_CHECK = `try { require.resolve("@tanstack/react-query"); } catch (error) { throw new Error(${JSON.stringify(MISSING_REACT_QUERY_MESSAGE)}, { cause: error }); }\n`;

/** Prepends the prelude to the React entry files of `outDir` (once). */
export async function prependReactEntryPrelude(outDir: string): Promise<void> {
  for (const [file, check] of [
    ["react.js", ""],
    ["react.cjs", REQUIRE_CHECK],
  ] as const) {
    const target = path.join(outDir, file);
    const code = await readFile(target, "utf8");
    if (code.startsWith(USE_CLIENT)) continue;
    // The check goes after the directives ("use client", then the output's own "use strict").
    const directive = /^(['"])use strict\1;\n/.exec(code)?.[0] ?? "";
    await writeFile(target, USE_CLIENT + directive + check + code.slice(directive.length));
  }
}
