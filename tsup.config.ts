import { defineConfig } from "tsup";

// One build per runtime audience, so that "use client" lands on the React output only.
const shared = {
  format: ["esm", "cjs"] as ("esm" | "cjs")[],
  dts: true,
  sourcemap: false,
  treeshake: true,
  target: "es2022",
  external: ["react", "@tanstack/react-query", "next", "next/headers", "next/navigation", "pg", "@electric-sql/pglite", "msw"],
};

export default defineConfig([
  {
    ...shared,
    entry: {
      index: "src/index.ts",
      server: "src/server.ts",
      emulator: "src/emulator.ts",
      testing: "src/testing.ts",
    },
    platform: "neutral",
  },
  {
    ...shared,
    entry: { react: "src/react.ts" },
    platform: "neutral",
    // Rollup's tree-shaking pass drops module directives, and with them the banner below;
    // esbuild still removes unused code.
    treeshake: false,
    banner: { js: '"use client";' },
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
