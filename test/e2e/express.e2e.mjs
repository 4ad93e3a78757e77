/**
 * The Express example (examples/express): its own check script, run against this run's emulator.
 * No browser: it drives the seed's two routes over HTTP.
 */
import assert from "node:assert/strict";
import { run, fromRoot } from "../../scripts/lib/dev-processes.mjs";

export async function setup() {
  return {};
}

export const tests = [
  {
    name: "grants a product and consumes credits through the seed's Express routes",
    async fn({ emulatorUrl }) {
      const output = await run(process.execPath, [fromRoot("examples/express/try-it.mjs")], {
        env: { ...process.env, STACK_API_URL: emulatorUrl },
        quiet: true,
      });
      assert.match(output, /all checks passed/, output);
    },
  },
];
