import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    exclude: ["test/e2e/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Test files share their worker's emulator (one database start per worker) and isolate
    // themselves by a project each, so a worker runs its files one after another in one process.
    isolate: false,
    setupFiles: ["test/fixtures/wait-for-worker-emulator.ts"],
    env: {
      // Every JSON answer of the emulator is checked against its route's answer schema.
      STACK_EMULATOR_CHECK_ANSWERS: "1",
    },
  },
});
