/**
 * The emulator's payments dashboard (/dashboard) as its operator uses it, next to the React
 * example (examples/react-vite) in a second tab: sign in with the development project's admin key,
 * create a product line and a product (bad input first), watch a purchase made in the example
 * arrive live, change a balance with an expiry and move the test clock past it, block new
 * purchases and see the example's checkout refused, refund a simulated paid purchase, and read its
 * receipt in the outbox. Screenshots of every step at 1280 px, several at 375 px.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { buildReactExampleIfStale, fromRoot, isStale, run } from "../../scripts/lib/dev-processes.mjs";
import { EMULATOR_PROJECT } from "../../examples/shared/stack-env.mjs";
import { assertNotReloaded, assertPageIcon, expectText, markPage } from "./page-helpers.mjs";

const ADMIN_KEY = "sak_devkeysak000000000000000000000000000000000001";
const LINE = "e2e_tiers";
const PRODUCT = "e2e_boost";
const DAY = 24 * 60 * 60 * 1000;

const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 375, height: 812 };

/** Builds the dashboard's bundle when it is missing or older than its sources (the emulator serves dist/dashboard/). */
async function buildDashboardIfStale() {
  const output = fromRoot("dist/dashboard/app.js");
  const inputs = ["src/dashboard", "src/core", "src/react", "src/apps"].map((p) => fromRoot(p));
  if (existsSync(output) && !isStale([output], inputs)) return;
  console.log("  Building the dashboard (tsup)…");
  await run(process.execPath, ["--input-type=module", "--eval", `const { build } = await import("tsup"); await build({ dts: false, silent: true });`], { quiet: true });
}

export async function setup({ emulatorUrl, group, freePort }) {
  await Promise.all([buildDashboardIfStale(), buildReactExampleIfStale((m) => console.log(`  ${m}`))]);
  const port = await freePort();
  const appUrl = `http://localhost:${port}/`;
  await group.start("react-vite (dashboard)", process.execPath, [fromRoot("examples/react-vite/server.mjs")], {
    env: { PORT: String(port), STACK_API_URL: emulatorUrl },
    readyUrl: `${appUrl}api/config`,
  });
  const { StackAdminApp } = await import("../../dist/server.js");
  const admin = new StackAdminApp({
    projectId: EMULATOR_PROJECT.id,
    secretServerKey: EMULATOR_PROJECT.secretServerKey,
    superSecretAdminKey: ADMIN_KEY,
    baseUrl: emulatorUrl,
    tokenStore: null,
  });
  return { appUrl, admin, dashboardUrl: `${emulatorUrl}/dashboard` };
}

/** Puts the development project back as the other suites expect it. */
export async function teardown({ admin }) {
  await admin?.updateProjectConfig({
    "payments.blockNewPurchases": false,
    "payments.testMode": true,
    [`payments.products.${PRODUCT}`]: null,
    [`payments.productLines.${LINE}`]: null,
  });
}

/** The dashboard tab (opened by the first step). */
const dash = (ctx) => ctx.dashboard;

async function openSection(ctx, section) {
  await dash(ctx).getByTestId(`nav-${section}`).click();
  await dash(ctx).waitForURL(new RegExp(`#/${section}`));
}

/** A screenshot of the dashboard at `viewport`, then back to the wide layout. */
async function shot(ctx, name, viewport = WIDE) {
  const page = dash(ctx);
  if (viewport !== WIDE) await page.setViewportSize(viewport);
  await page.waitForTimeout(150);
  await ctx.screenshot(page, name);
  if (viewport !== WIDE) await page.setViewportSize(WIDE);
}

async function currentQuantity(ctx, itemId) {
  const text = await dash(ctx).getByTestId(`quantity-${itemId}`).textContent();
  return Number(String(text).replace(/[^0-9-]/g, ""));
}

export const tests = [
  {
    name: "signs in with the development project's pre-filled admin key; the key is not kept in the page",
    async fn(ctx) {
      const page = await ctx.context.newPage();
      page.setDefaultTimeout(20_000);
      ctx.dashboard = page;
      const keyRequests = [];
      page.on("request", (request) => {
        const headers = request.headers();
        if (headers["x-stack-super-secret-admin-key"] || headers["x-hexclave-super-secret-admin-key"]) keyRequests.push(new URL(request.url()).pathname);
      });
      page.on("pageerror", (error) => ctx.consoleErrors.push(String(error)));
      await page.setViewportSize(WIDE);
      await page.goto(ctx.dashboardUrl);
      await page.getByTestId("sign-in-form").waitFor();
      assert.equal(await page.getByTestId("sign-in-project").inputValue(), EMULATOR_PROJECT.id);
      assert.equal(await page.getByTestId("sign-in-key").inputValue(), ADMIN_KEY, "the documented development key is pre-filled");
      await assertPageIcon(page);
      await shot(ctx, "01-sign-in");
      await shot(ctx, "01-sign-in-375", NARROW);
      // Enter submits the form.
      await page.getByTestId("sign-in-key").press("Enter");
      await expectText(page, "project-name", "Emulator development project");
      await expectText(page, "live-state", "Live updates");
      assert.deepEqual(keyRequests, ["/api/v1/internal/emulator/admin-session"], "only the sign-in exchange carries the admin key");
      const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.cookie);
      assert.ok(!stored.includes(ADMIN_KEY), "the admin key is in no storage of the page");
      const inputs = await page.$$eval("input", (list) => list.map((i) => i.value));
      assert.ok(!inputs.includes(ADMIN_KEY), "the admin key is in no field of the page");
      await shot(ctx, "02-signed-in");
    },
  },
  {
    name: "creates a product line and renames it",
    async fn(ctx) {
      const page = dash(ctx);
      await openSection(ctx, "product-lines");
      await page.getByTestId("new-product-line").click();
      await page.getByTestId("line-id").fill(LINE);
      await page.getByTestId("line-name").fill("Tiers");
      await page.getByTestId("line-customer-type").selectOption("user");
      await shot(ctx, "03-new-product-line");
      await page.getByTestId("line-save").click();
      await page.getByTestId(`line-${LINE}`).waitFor();
      await page.getByTestId(`rename-line-${LINE}`).click();
      await page.getByTestId("line-name").fill("E2E tiers");
      await page.getByTestId("line-name").press("Enter");
      await page.getByTestId(`line-${LINE}`).getByText("E2E tiers").waitFor();
      const config = await ctx.admin.getProjectConfig();
      assert.deepEqual(config.payments.productLines[LINE], { displayName: "E2E tiers", customerType: "user" });
      await shot(ctx, "04-product-line-created");
    },
  },
  {
    name: "a bad amount is refused with the emulator's words next to the field, and nothing is saved",
    async fn(ctx) {
      const page = dash(ctx);
      await openSection(ctx, "products");
      await page.getByTestId("new-product").click();
      await page.getByTestId("product-id").fill(PRODUCT);
      await page.getByTestId("product-name").fill("Boost pack");
      await page.getByTestId("product-stackable").check();
      await page.getByTestId("price-amount-0-USD").fill("7.505");
      await page.getByTestId("add-included-item").click();
      await page.getByTestId("included-item-0").selectOption("credits");
      await page.getByTestId("included-quantity-0").fill("25");
      await page.getByTestId("included-expires-0").selectOption("never");
      await page.getByTestId("product-save").click();
      // The emulator's own refusal, shown next to the amount it names, with what an amount looks like.
      await page.getByTestId("price-0").getByRole("alert").filter({ hasText: /prices\.default\.USD must match/ }).waitFor();
      await page.getByTestId("price-0").getByRole("alert").filter({ hasText: /"7\.505" is not an amount/ }).waitFor();
      const config = await ctx.admin.getProjectConfig();
      assert.equal(config.payments.products[PRODUCT], undefined, "the refused product was not saved");
      await shot(ctx, "05-product-refused");
    },
  },
  {
    name: "creates the product once the amount is right, and moves it into the line",
    async fn(ctx) {
      const page = dash(ctx);
      await page.getByTestId("price-amount-0-USD").fill("7.50");
      await page.getByTestId("product-save").click();
      await page.getByTestId(`product-row-${PRODUCT}`).waitFor();
      await expectText(page, `product-row-${PRODUCT}`, /Boost pack.*\$7\.50 one-time.*25 × Credits/s);
      await shot(ctx, "06-product-created");
      await openSection(ctx, "product-lines");
      await page.getByTestId(`move-${PRODUCT}`).selectOption(LINE);
      await page.getByTestId(`line-${LINE}`).getByTestId(`move-row-${PRODUCT}`).waitFor();
      const config = await ctx.admin.getProjectConfig();
      assert.equal(config.payments.products[PRODUCT].productLineId, LINE);
      assert.deepEqual(config.payments.products[PRODUCT].prices, { default: { USD: "7.50" } });
      await shot(ctx, "07-product-moved");
      await shot(ctx, "07-product-lines-375", NARROW);
    },
  },
  {
    name: "dialogs keep the keyboard inside, close on Escape and give focus back",
    async fn(ctx) {
      const page = dash(ctx);
      await page.getByTestId("new-product-line").focus();
      await page.keyboard.press("Enter");
      await page.getByTestId("line-dialog").waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "line-id", "focus moves into the dialog");
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Tab");
        assert.ok(await page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]')), "Tab stays inside the dialog");
      }
      await page.keyboard.press("Shift+Tab");
      assert.ok(await page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]')), "Shift+Tab stays inside the dialog");
      await page.keyboard.press("Escape");
      await page.getByTestId("line-dialog").waitFor({ state: "detached" });
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "new-product-line", "focus returns to the opener");
    },
  },
  {
    name: "a purchase in the React example shows up live: the new customer, their credits and the transaction",
    async fn(ctx) {
      const { page: app, appUrl } = ctx;
      const page = dash(ctx);
      await openSection(ctx, "customers");
      await markPage(page);
      await app.goto(appUrl);
      await app.getByTestId("user-id").waitFor();
      ctx.userId = (await app.getByTestId("user-id").textContent())?.trim();
      // The example signed up an anonymous user: the list shows them without a reload.
      await page.getByTestId(`customer-${ctx.userId}`).waitFor({ timeout: 10_000 });
      await shot(ctx, "08-customer-appeared");
      await page.getByTestId(`customer-${ctx.userId}`).click();
      await expectText(page, "quantity-credits", "0");
      await app.getByTestId("buy-credits_pack").click();
      await app.waitForURL(/\/purchase\//);
      await app.getByTestId("checkout-submit").click();
      await app.waitForURL((url) => url.href.startsWith(appUrl));
      await expectText(app, "credits-balance", "100");
      await expectText(page, "quantity-credits", "100", 10_000);
      await page.getByTestId("owned-credits_pack").waitFor({ timeout: 10_000 });
      await assertNotReloaded(page);
      await shot(ctx, "09-customer-bought");
      await openSection(ctx, "transactions");
      const row = page.locator('button[data-testid^="transaction-"]').filter({ hasText: "100 credits" }).first();
      await row.waitFor();
      await expectText(page, "transactions-card", /Free \(test mode\)/);
      await shot(ctx, "10-transactions");
      await shot(ctx, "10-transactions-375", NARROW);
      await row.click();
      await expectText(page, "refund-unavailable", /Test-mode purchases are free and cannot be refunded/);
      await shot(ctx, "11-transaction-details");
      await page.keyboard.press("Escape");
    },
  },
  {
    name: "adjusts a balance with an expiry (bad input refused first), then the test clock moves past it",
    async fn(ctx) {
      const page = dash(ctx);
      await page.goto(`${ctx.dashboardUrl}#/customers/user/${ctx.userId}`);
      await expectText(page, "quantity-credits", "100");
      await page.getByTestId("adjust-credits").click();
      await page.getByTestId("adjust-quantity-input").fill("lots");
      await page.getByTestId("adjust-save").click();
      await page.getByText(/Invalid argument `quantity`: expected an integer/).waitFor();
      await shot(ctx, "12-adjust-refused");
      await expectText(page, "quantity-credits", "100");
      await page.getByTestId("adjust-quantity-input").fill("50");
      // Expires two days from the project's clock (the form takes local time).
      const clock = await (await fetch(`${ctx.emulatorUrl}/api/v1/internal/emulator/clock`, {
        headers: { "x-stack-access-type": "server", "x-stack-project-id": EMULATOR_PROJECT.id, "x-stack-secret-server-key": EMULATOR_PROJECT.secretServerKey },
      })).json();
      const expires = await page.evaluate((millis) => {
        const d = new Date(millis);
        const pad = (n) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      }, clock.now_millis + 2 * DAY);
      await page.getByTestId("adjust-expires").fill(expires);
      await page.getByTestId("adjust-description").fill("E2E goodwill");
      await shot(ctx, "13-adjust-with-expiry");
      await page.getByTestId("adjust-description").press("Enter");
      await expectText(page, "quantity-credits", "150", 10_000);
      await shot(ctx, "14-adjusted");
      await shot(ctx, "14-customer-375", NARROW);
      await openSection(ctx, "settings");
      await page.getByTestId("clock-count").fill("3");
      await page.getByTestId("clock-unit").selectOption("day");
      await page.getByTestId("clock-advance").click();
      await page.getByTestId("toast").filter({ hasText: /clock is now/ }).waitFor();
      await shot(ctx, "15-clock-advanced");
      await page.goto(`${ctx.dashboardUrl}#/customers/user/${ctx.userId}`);
      await expectText(page, "quantity-credits", "100", 10_000);
      await expectText(ctx.page, "credits-balance", "100", 10_000);
      await shot(ctx, "16-grant-expired");
      // The app changes the quantity (its server spends 10 credits with the secret key): the open
      // customer page follows from the event stream, without a reload.
      await markPage(page);
      await ctx.page.getByTestId("spend-credits").click();
      await expectText(ctx.page, "spend-status", /Spent 10 credits/);
      await expectText(page, "quantity-credits", "90", 10_000);
      await assertNotReloaded(page);
      await shot(ctx, "16-live-quantity-change");
    },
  },
  {
    name: "blocking new purchases makes the example's checkout refuse; the activity log shows why",
    async fn(ctx) {
      const page = dash(ctx);
      await openSection(ctx, "settings");
      await page.getByTestId("toggle-block-purchases").click();
      await page.locator('[data-testid="toggle-block-purchases"][aria-checked="true"]').waitFor();
      await shot(ctx, "17-purchases-blocked");
      await shot(ctx, "17-settings-375", NARROW);
      await ctx.page.getByTestId("buy-credits_pack").click();
      await expectText(ctx.page, "buy-error", /New purchases are currently blocked/);
      await ctx.screenshot(ctx.page, "18-example-checkout-refused");
      await openSection(ctx, "activity");
      await page.getByTestId("activity-request").filter({ hasText: "NEW_PURCHASES_BLOCKED" }).first().waitFor({ timeout: 10_000 });
      await shot(ctx, "19-activity");
      await shot(ctx, "19-activity-375", NARROW);
      await openSection(ctx, "settings");
      await page.getByTestId("toggle-block-purchases").click();
      await page.locator('[data-testid="toggle-block-purchases"][aria-checked="false"]').waitFor();
      assert.equal((await ctx.admin.getProjectConfig()).payments.blockNewPurchases, false);
    },
  },
  {
    name: "the navigation folds into a menu at 375 px",
    async fn(ctx) {
      const page = dash(ctx);
      await page.setViewportSize(NARROW);
      assert.equal(await page.getByTestId("nav-customers").isVisible(), false, "the navigation is folded away at 375 px");
      await page.getByRole("button", { name: "Menu" }).click();
      await page.getByTestId("nav-customers").waitFor();
      await ctx.screenshot(page, "19b-menu-375");
      await page.getByTestId("nav-customers").click();
      await page.waitForURL(/#\/customers/);
      await page.getByTestId("nav-customers").waitFor({ state: "hidden" });
      await ctx.screenshot(page, "19b-customers-375");
      await page.setViewportSize(WIDE);
    },
  },
  {
    name: "refunds part of a simulated paid purchase (bad input refused first): one of two packs and its price",
    async fn(ctx) {
      const page = dash(ctx);
      await page.goto(`${ctx.dashboardUrl}#/customers/user/${ctx.userId}`);
      await page.getByTestId("simulate-purchase").click();
      await page.getByTestId("simulate-product").selectOption(PRODUCT);
      await page.getByTestId("simulate-quantity").fill("2");
      await shot(ctx, "20-simulate-purchase");
      await page.getByTestId("simulate-save").click();
      await page.getByTestId("toast").filter({ hasText: /Paid \$15\.00/ }).waitFor();
      await expectText(page, `owned-${PRODUCT}`, /Boost pack\s*×2/, 10_000);
      await expectText(page, "quantity-credits", "140", 10_000);
      await openSection(ctx, "transactions");
      const row = page.locator('button[data-testid^="transaction-"]').filter({ hasText: "Boost pack" }).first();
      await row.waitFor();
      await expectText(page, "transactions-card", /\$15\.00/);
      await row.click();
      await page.getByTestId("refund-form").waitFor();
      await page.getByTestId("refund-quantity").fill("3");
      await page.getByTestId("refund-amount").fill("7.50");
      await page.getByTestId("refund-submit").click();
      await expectText(page, "refund-error", /Refund quantity cannot exceed purchased quantity/);
      await shot(ctx, "21-refund-refused");
      await page.getByTestId("refund-quantity").fill("1");
      await shot(ctx, "22-refund");
      await page.getByTestId("refund-submit").click();
      await page.getByTestId("toast").filter({ hasText: /Refunded \$7\.50/ }).waitFor();
      // The refund's row names what it took back (from the purchase it adjusts) and the money returned.
      const refundRow = page.locator('button[data-testid^="transaction-"]').filter({ hasText: /Refund/ }).filter({ hasText: "took back Boost pack ×1" }).first();
      await refundRow.waitFor({ timeout: 10_000 });
      assert.match((await refundRow.textContent()) ?? "", /-\$7\.50/, "the refund row shows the money returned");
      await shot(ctx, "23-refunded");
      await shot(ctx, "23-refunded-375", NARROW);
      await page.goto(`${ctx.dashboardUrl}#/customers/user/${ctx.userId}`);
      await expectText(page, `owned-${PRODUCT}`, /Boost pack\s*×1/, 10_000);
      // As on the hosted API, a refund revokes the product, not the items it already granted.
      await expectText(page, "quantity-credits", "140");
      await shot(ctx, "24-customer-after-refund");
    },
  },
  {
    name: "reads the purchase's receipt in the payment emails outbox",
    async fn(ctx) {
      const page = dash(ctx);
      await openSection(ctx, "emails");
      const receipt = page.locator('[data-testid^="email-"]').filter({ hasText: "Boost pack" }).first();
      await receipt.waitFor({ timeout: 10_000 });
      await shot(ctx, "25-outbox");
      await receipt.click();
      await expectText(page, "email-amount", "$15.00");
      const body = page.frameLocator('[data-testid="email-body"]');
      await body.locator("body").filter({ hasText: "Boost pack" }).waitFor();
      await shot(ctx, "26-receipt");
      await shot(ctx, "26-receipt-375", NARROW);
      await page.keyboard.press("Escape");
    },
  },
  {
    name: "signing out ends the session: a reload asks to sign in again",
    async fn(ctx) {
      const page = dash(ctx);
      await page.getByTestId("sign-out").click();
      await page.getByTestId("sign-in-form").waitFor();
      await page.reload();
      await page.getByTestId("sign-in-form").waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, "nothing of the session is left in the tab");
    },
  },
];
