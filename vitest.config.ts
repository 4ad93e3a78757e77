import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    exclude: ["test/e2e/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // vitest's default on a 2-core machine is one worker, which runs every file in a row. Two
    // overlap the files that mostly wait (child processes: tsc, the CLI, PostgreSQL, Chromium)
    // with the ones that compute; each worker starts its emulator from a prepared database copy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
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
