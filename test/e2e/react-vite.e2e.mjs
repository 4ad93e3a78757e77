/**
 * The React example (examples/react-vite) as a user sees it: anonymous sign-in, a purchase on the
 * emulator's checkout page, the return, live balance updates from the server route and from
 * elsewhere, and a refused overdraft. The steps run in order in one browser tab.
 */
import assert from "node:assert/strict";
import { buildReactExampleIfStale, fromRoot } from "../../scripts/lib/dev-processes.mjs";
import { EMULATOR_PROJECT } from "../../examples/shared/stack-env.mjs";
import { assertNotReloaded, assertPageIcon, expectText, markPage } from "./page-helpers.mjs";

export async function setup({ emulatorUrl, group, freePort }) {
  await buildReactExampleIfStale((m) => console.log(`  ${m}`));
  const port = await freePort();
  const appUrl = `http://localhost:${port}/`;
  await group.start("react-vite", process.execPath, [fromRoot("examples/react-vite/server.mjs")], {
    env: { PORT: String(port), STACK_API_URL: emulatorUrl },
    readyUrl: `${appUrl}api/config`,
  });
  const { StackServerApp } = await import("../../dist/server.js");
  const serverApp = new StackServerApp({
    projectId: EMULATOR_PROJECT.id,
    publishableClientKey: EMULATOR_PROJECT.publishableClientKey,
    secretServerKey: EMULATOR_PROJECT.secretServerKey,
    baseUrl: emulatorUrl,
    tokenStore: "memory",
  });
  return { appUrl, serverApp };
}

export const tests = [
  {
    name: "the examples use the emulator's fixed development project",
    async fn() {
      const { DEFAULT_PROJECT } = await import("../../dist/emulator.js");
      assert.equal(EMULATOR_PROJECT.id, DEFAULT_PROJECT.id);
      assert.equal(EMULATOR_PROJECT.publishableClientKey, DEFAULT_PROJECT.publishableClientKey);
      assert.equal(EMULATOR_PROJECT.secretServerKey, DEFAULT_PROJECT.secretServerKey);
    },
  },
  {
    name: "signs in anonymously and shows a zero balance and no products",
    async fn(ctx) {
      const { page, appUrl } = ctx;
      await page.goto(appUrl);
      await page.getByTestId("user-id").waitFor();
      ctx.userId = (await page.getByTestId("user-id").textContent())?.trim();
      assert.match(ctx.userId ?? "", /^[0-9a-f-]{36}$/, "user-id should show the user's UUID");
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
    name: "buys a credits pack on the checkout page",
    async fn(ctx) {
      const { page } = ctx;
      await page.getByTestId("buy-credits_pack").click();
      await page.waitForURL(/\/purchase\//);
      assert.ok(page.url().startsWith(ctx.emulatorUrl), `checkout should be on the emulator, got ${page.url()}`);
      await expectText(page, "checkout-product-name", "100 credits");
      await page.getByTestId("checkout-price-one_time").waitFor();
      await ctx.screenshot(page, "02-checkout");
      await page.getByTestId("checkout-submit").click();
    },
  },
  {
    name: "returns to the app and sees the new balance and product",
    async fn(ctx) {
      const { page, appUrl } = ctx;
      await page.waitForURL((url) => url.href.startsWith(appUrl));
      await expectText(page, "credits-balance", "100");
      await expectText(page, "products-list", /100 credits \(x1\)/);
      assert.equal((await page.getByTestId("user-id").textContent())?.trim(), ctx.userId, "the same user after the round trip");
      await ctx.screenshot(page, "03-returned");
    },
  },
  {
    name: "spends 10 credits through the server route; the balance updates live",
    async fn(ctx) {
      const { page } = ctx;
      await markPage(page);
      await page.getByTestId("spend-credits").click();
      await expectText(page, "spend-status", /90 left/);
      await expectText(page, "credits-balance", "90");
      await assertNotReloaded(page);
      await ctx.screenshot(page, "04-spent");
    },
  },
  {
    name: "a grant made on the server shows up live in the open page",
    async fn(ctx) {
      const { page, serverApp, userId } = ctx;
      await markPage(page);
      const user = await serverApp.getUser(userId);
      assert.ok(user, "the server app should find the browser's user");
      await user.grantProduct({ productId: "credits_pack", quantity: 1 });
      // Pushed by the emulator's event stream, so well within the 10 s of the polling fallback.
      const streams = ctx.requests.filter((url) => url.includes("/payments/events/"));
      assert.ok(streams.length > 0, "the page should have opened the emulator's event stream (GET /api/v1/payments/events/...); it only polls");
      await expectText(page, "credits-balance", "190", 5_000);
      await expectText(page, "products-list", /100 credits \(x2\)/);
      await assertNotReloaded(page);
      await ctx.screenshot(page, "05-granted-elsewhere");
    },
  },
  {
    name: "refuses to spend more credits than the user has",
    async fn(ctx) {
      const { page, serverApp, userId } = ctx;
      const user = await serverApp.getUser(userId);
      const credits = await user.getItem("credits");
      assert.equal(await credits.tryDecreaseQuantity(185), true);
      await expectText(page, "credits-balance", "5", 5_000);
      await page.getByTestId("spend-credits").click();
      await expectText(page, "spend-status", /Insufficient credits/);
      await expectText(page, "credits-balance", "5");
      await ctx.screenshot(page, "06-insufficient");
    },
  },
  {
    name: "subscribes to Pro: 500 monthly credits and the plan in the product list",
    async fn(ctx) {
      const { page, appUrl } = ctx;
      await page.getByTestId("buy-pro_monthly").click();
      await page.waitForURL(/\/purchase\//);
      await expectText(page, "checkout-product-name", "Pro (monthly)");
      await page.getByTestId("checkout-price-monthly").waitFor();
      await ctx.screenshot(page, "07-checkout-subscription");
      await page.getByTestId("checkout-submit").click();
      await page.waitForURL((url) => url.href.startsWith(appUrl));
      await expectText(page, "credits-balance", "505");
      await expectText(page, "products-list", /Pro \(monthly\) \(x1\)/);
      await ctx.screenshot(page, "08-subscribed");
    },
  },
];
