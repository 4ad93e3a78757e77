/**
 * The Next.js example (examples/nextjs, App Router, `next dev`) as a user sees it: anonymous
 * sign-in, a server render that already holds the user's credits (prefetch + HydrationBoundary),
 * a purchase on the emulator's checkout page, a server action that spends credits while the page
 * updates live, and a team purchase through both the seed's client button and its server page.
 */
import assert from "node:assert/strict";
import { ensureExampleInstalled, fromRoot } from "../../scripts/lib/dev-processes.mjs";
import { assertNotReloaded, assertPageIcon, expectText, markPage } from "./page-helpers.mjs";

// A navigation is done when the document is parsed: Next's dev server may hold the \`load\` event
// back for a long time on a loaded machine (it compiles on demand), and each step then waits for
// the text it checks anyway.
const DOM_READY = { waitUntil: "domcontentloaded" };

export async function setup({ emulatorUrl, group, freePort }) {
  // `next` is the example's own dependency, installed on its first run rather than with the repository.
  await ensureExampleInstalled("nextjs", (line) => console.log(`  ${line}`));
  const port = await freePort();
  const appUrl = `http://localhost:${port}/`;
  await group.start("nextjs", process.execPath, [fromRoot("examples/nextjs/node_modules/next/dist/bin/next"), "dev", "--port", String(port), fromRoot("examples/nextjs")], {
    // Its own build folder, so a `next dev` of the developer's own is not disturbed.
    env: { STACK_API_URL: emulatorUrl, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: ".next-e2e" },
    readyUrl: appUrl,
    timeoutMs: 180_000,
  });
  // `next dev` compiles each route on its first request: do it now, outside the timed steps.
  for (const path of ["", "teams", "teams/warm-up", "teams/warm-up/purchase"]) {
    await fetch(`${appUrl}${path}`, { redirect: "manual", signal: AbortSignal.timeout(180_000) });
  }
  return { appUrl };
}

export const tests = [
  {
    name: "signs in anonymously; the server render shows the balance",
    async fn(ctx) {
      const { page, appUrl } = ctx;
      page.setDefaultTimeout(30_000);
      await page.goto(appUrl);
      await page.getByTestId("user-id").waitFor();
      ctx.userId = (await page.getByTestId("user-id").textContent())?.trim();
      assert.match(ctx.userId ?? "", /^[0-9a-f-]{36}$/, "user-id should show the user's UUID");
      await expectText(page, "server-credits", "Rendered on the server with 0 credits.");
      await expectText(page, "credits-balance", "0");
      await expectText(page, "products-list", "No products purchased yet.");
      await ctx.screenshot(page, "01-signed-in");
    },
  },
  {
    name: "the page has its icon (no /favicon.ico 404)",
    async fn({ page }) {
      await assertPageIcon(page);
    },
  },
  {
    name: "buys a credits pack on the checkout page and returns",
    async fn(ctx) {
      const { page, appUrl } = ctx;
      await page.getByTestId("buy-credits_pack").click();
      await page.waitForURL(/\/purchase\//, DOM_READY);
      await expectText(page, "checkout-product-name", "100 credits");
      await ctx.screenshot(page, "02-checkout");
      await page.getByTestId("checkout-submit").click();
      await page.waitForURL((url) => url.href.startsWith(appUrl), DOM_READY);
      await expectText(page, "credits-balance", "100");
      await expectText(page, "products-list", /100 credits \(x1\)/);
      await ctx.screenshot(page, "03-returned");
    },
  },
  {
    name: "the server reads the same user from the cookies and renders the data into the HTML",
    async fn(ctx) {
      const { context, appUrl } = ctx;
      // The page's HTML as the server sends it, with the browser's cookies: no client JS has run.
      const html = await (await context.request.get(appUrl)).text();
      assert.match(html, /Rendered on the server with (<!-- -->)?100(<!-- -->)? credits\./, "server component reads the user's item");
      assert.match(html, /data-testid="credits-balance"[^>]*>100</, "the client component is rendered on the server from the prefetched cache");
      assert.match(html, new RegExp(`data-testid="user-id"[^>]*>${ctx.userId}<`));
      // Until React hydrates the page a click would be lost: the server's HTML has the buttons disabled.
      assert.match(html, /<button(?=[^>]*data-testid="spend-credits")(?=[^>]*disabled)[^>]*>/, "the spend button is disabled until hydration");
    },
  },
  {
    name: "back from the checkout page without paying (browser Back), the buy buttons work again",
    async fn(ctx) {
      const { page } = ctx;
      const buyEnabled = (enabled) =>
        page.waitForFunction((want) => document.querySelector('[data-testid="buy-credits_pack"]')?.disabled === !want, enabled, { timeout: 15_000 });
      await page.getByTestId("buy-credits_pack").click();
      await page.waitForURL(/\/purchase\//, DOM_READY);
      await page.goBack(DOM_READY);
      await buyEnabled(true);
      await expectText(page, "credits-balance", "100");
      // A browser may instead restore the page from its back-forward cache as it left it, buttons
      // disabled while buying (headless Chromium here reloads it): such a restore enables them.
      // The checkout navigation cancelled (ERR_ABORTED shows no error page) keeps this page as it
      // was when it left, to be restored.
      let aborted;
      const navigationAborted = new Promise((resolve) => (aborted = resolve));
      await page.route(/\/purchase\//, (route) => route.abort("aborted").then(aborted));
      await page.getByTestId("buy-credits_pack").click();
      await navigationAborted;
      await buyEnabled(false);
      await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true })));
      await buyEnabled(true);
      await page.unroute(/\/purchase\//);
      assert.match(page.url(), /^http:\/\/localhost:\d+\/$/, "still on the app's page");
    },
  },
  {
    name: "spends 10 credits with a server action; the balance updates live",
    async fn(ctx) {
      const { page } = ctx;
      await markPage(page);
      await page.getByTestId("spend-credits").click();
      await expectText(page, "spend-status", /90 left/);
      await expectText(page, "credits-balance", "90");
      await assertNotReloaded(page);
      await ctx.screenshot(page, "04-spent");
      for (const [width, height] of [[1280, 900], [375, 812]]) {
        await page.setViewportSize({ width, height });
        await ctx.screenshot(page, `04-spent-${width}`);
      }
      await page.setViewportSize({ width: 1000, height: 800 });
    },
  },
  {
    name: "creates a team and buys seats with the seed's client button",
    async fn(ctx) {
      const { page, appUrl } = ctx;
      await page.goto(`${appUrl}teams`);
      await page.getByTestId("create-team").click();
      await page.waitForURL(/\/teams\/[0-9a-f-]{36}$/, DOM_READY);
      ctx.teamUrl = page.url();
      await expectText(page, "team-name", "Acme");
      await expectText(page, "seats-balance", "0");
      await ctx.screenshot(page, "05-team");
      await page.getByTestId("buy-prod_team_seats").click();
      await page.waitForURL(/\/purchase\//, DOM_READY);
      await expectText(page, "checkout-product-name", "5 team seats");
      await ctx.screenshot(page, "06-team-checkout");
      await page.getByTestId("checkout-submit").click();
      await page.waitForURL(ctx.teamUrl, DOM_READY);
      await expectText(page, "seats-balance", "5");
      await ctx.screenshot(page, "07-team-seats");
    },
  },
  {
    name: "buys more seats through the seed's server-rendered team purchase page",
    async fn(ctx) {
      const { page } = ctx;
      await page.getByTestId("team-purchase-page").click();
      await page.waitForURL(/\/teams\/[0-9a-f-]{36}\/purchase$/, DOM_READY);
      await ctx.screenshot(page, "08-team-purchase-page");
      await page.getByTestId("buy-prod_team_seats").click();
      await page.waitForURL(/\/purchase\/[^/]+/, DOM_READY);
      await expectText(page, "checkout-product-name", "5 team seats");
      await page.getByTestId("checkout-submit").click();
      await page.waitForURL(ctx.teamUrl, DOM_READY);
      await expectText(page, "seats-balance", "10");
      await ctx.screenshot(page, "09-team-seats-again");
    },
  },
];
