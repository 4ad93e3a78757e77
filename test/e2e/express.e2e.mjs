/**
 * The Express example (examples/express): its own check script (the seed's two routes, bad input,
 * the route list and the user-id hint of GET /), run against this run's emulator, then its GET /
 * opened in the browser as a reader of the README would.
 */
import assert from "node:assert/strict";
import { run, fromRoot } from "../../scripts/lib/dev-processes.mjs";
import { assertPageIcon } from "./page-helpers.mjs";

export async function setup({ emulatorUrl, group, freePort }) {
  const port = await freePort();
  const appUrl = `http://localhost:${port}/`;
  await group.start("express", process.execPath, [fromRoot("examples/express/server.js")], {
    env: { PORT: String(port), STACK_API_URL: emulatorUrl },
    readyUrl: appUrl,
  });
  return { appUrl };
}

export const tests = [
  {
    name: "grants a product and consumes credits through the seed's Express routes; bad input gets 400",
    async fn({ emulatorUrl }) {
      const output = await run(process.execPath, [fromRoot("examples/express/try-it.mjs")], {
        env: { ...process.env, STACK_API_URL: emulatorUrl },
        quiet: true,
      });
      assert.match(output, /all checks passed/, output);
    },
  },
  {
    name: "GET / in a browser lists the routes, with an icon",
    async fn(ctx) {
      const { page, appUrl } = ctx;
      await page.goto(appUrl);
      const text = await page.locator("body").innerText();
      for (const route of ["/api/consume-credits", "/api/grant-product", "/api/credits/:userId", "x-stack-secret-server-key"]) {
        assert.ok(text.includes(route), `GET / should mention ${route}`);
      }
      await assertPageIcon(page);
      await ctx.screenshot(page, "01-routes");
    },
  },
];
