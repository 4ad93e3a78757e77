/**
 * The React example (examples/react-vite) as a user sees it: anonymous sign-in, a purchase on the
 * emulator's checkout page, the return with its "purchase complete" notice, live balance updates
 * from the server route and from elsewhere, a refused overdraft, an owned plan no longer offered,
 * the checkout's back link, and a card payment in live mode. The steps run in order in one tab.
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
      await expectText(page, "purchase-complete", /Purchase complete: 100 credits added to your account\./);
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
      await expectText(page, "purchase-complete", /Purchase complete: Pro \(monthly\) added to your account\./);
      // Owned once and not stackable: no longer offered.
      await expectText(page, "buy-pro_monthly", /: owned$/);
      assert.equal(await page.getByTestId("buy-pro_monthly").isDisabled(), true, "an owned subscription cannot be bought again");
      assert.equal(await page.getByTestId("buy-credits_pack").isEnabled(), true, "a stackable product stays on offer");
      await ctx.screenshot(page, "08-subscribed");
    },
  },
  {
    name: "the checkout page's back link returns without buying, and says so",
    async fn(ctx) {
      const { page, appUrl } = ctx;
      await page.getByTestId("notice-dismiss").click();
      await page.getByTestId("buy-credits_pack").click();
      await page.waitForURL(/\/purchase\//);
      await page.getByTestId("checkout-back").click();
      await page.waitForURL((url) => url.href.startsWith(appUrl));
      await expectText(page, "purchase-pending", /Checking your purchase of 100 credits/);
      await expectText(page, "credits-balance", "505");
      await ctx.screenshot(page, "09-back-without-buying");
    },
  },
  {
    name: "in live mode, pays for credits with test cards: a declined card first, then 4242",
    async fn(ctx) {
      const { page, appUrl, emulatorUrl } = ctx;
      await setTestMode(emulatorUrl, false);
      try {
        await page.getByTestId("buy-credits_pack").click();
        await page.waitForURL(/\/purchase\//);
        await expectText(page, "checkout-total", "$5.00");
        await page.getByTestId("checkout-card-number").fill("4000 0000 0000 0002");
        await page.getByTestId("checkout-card-expiry").fill("12 / 34");
        await page.getByTestId("checkout-card-cvc").fill("123");
        await page.getByTestId("checkout-card-name").fill("Ada Lovelace");
        await page.getByTestId("checkout-submit").click();
        await expectText(page, "checkout-error", "Your card was declined. Try another card.");
        await ctx.screenshot(page, "10-live-declined");
        await page.getByTestId("checkout-card-number").fill("4242 4242 4242 4242");
        await page.getByTestId("checkout-submit").click();
        await page.waitForURL((url) => url.href.startsWith(appUrl));
        await expectText(page, "purchase-complete", /Purchase complete: 100 credits added to your account\./);
        await expectText(page, "credits-balance", "605");
        await ctx.screenshot(page, "11-live-paid");
      } finally {
        // The suites after this one expect the one-click test-mode checkout.
        await setTestMode(emulatorUrl, true);
      }
    },
  },
];

/** Switches the development project's `payments.testMode` with the admin key. */
async function setTestMode(emulatorUrl, testMode) {
  const { DEFAULT_PROJECT } = await import("../../dist/emulator.js");
  const res = await fetch(`${emulatorUrl}/api/v1/internal/config/override/environment`, {
    method: "PATCH",
    headers: {
      "content-type": "application/json",
      "x-stack-project-id": DEFAULT_PROJECT.id,
      "x-stack-access-type": "admin",
      "x-stack-super-secret-admin-key": DEFAULT_PROJECT.superSecretAdminKey,
    },
    body: JSON.stringify({ config_override_string: JSON.stringify({ "payments.testMode": testMode }) }),
  });
  assert.equal(res.status, 200, `setting payments.testMode to ${testMode} failed: ${res.status} ${await res.text()}`);
}
