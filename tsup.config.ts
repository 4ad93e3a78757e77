import { readFile, writeFile } from "node:fs/promises";
import { defineConfig } from "tsup";

const USE_CLIENT = '"use client";\n';

/**
 * Marks the React entry as client code for React Server Components. Done after the build because
 * tsup's `banner` applies to every entry of a config, and the entries must share one config so
 * that `stack-payments` and `stack-payments/react` share chunks instead of each bundling the core.
 */
async function markReactEntryAsClient(): Promise<void> {
  for (const file of ["dist/react.js", "dist/react.cjs"]) {
    const code = await readFile(file, "utf8");
    if (!code.startsWith(USE_CLIENT)) await writeFile(file, USE_CLIENT + code);
  }
}

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      server: "src/server.ts",
      react: "src/react.ts",
      emulator: "src/emulator.ts",
      testing: "src/testing.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    splitting: true,
    sourcemap: false,
    treeshake: true,
    target: "es2022",
    platform: "neutral",
    external: ["react", "@tanstack/react-query", "next", "next/headers", "next/navigation", "pg", "@electric-sql/pglite", "msw"],
    onSuccess: markReactEntryAsClient,
  },
  {
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    dts: false,
    target: "node20",
    platform: "node",
    external: ["pg", "@electric-sql/pglite"],
    banner: { js: "#!/usr/bin/env node" },
  },
]);
