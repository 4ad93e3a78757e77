import { defineConfig } from "tsup";
import { prependReactEntryPrelude } from "./scripts/react-entry-prelude.js";

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
    // "use client" and the check that @tanstack/react-query is installed (see the script).
    onSuccess: () => prependReactEntryPrelude("dist"),
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
  {
    // The emulator's dashboard (served at /dashboard): one browser bundle with React, TanStack
    // Query and the SDK inside, plus its stylesheet. Not part of the package's entries or budgets.
    entry: { app: "src/dashboard/main.tsx" },
    outDir: "dist/dashboard",
    format: ["esm"],
    dts: false,
    platform: "browser",
    target: "es2020",
    minify: true,
    splitting: false,
    treeshake: true,
    noExternal: [/.*/],
    define: { "process.env.NODE_ENV": '"production"' },
  },
]);
