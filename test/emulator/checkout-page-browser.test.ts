// The live-mode card form in a real browser (Debian's chromium through playwright-core): test cards
// that succeed, are declined or ask for 3-D Secure, the back link, bad card input and a
// double-clicked Pay. Screenshots go to test-results/screenshots/checkout-*.png.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/start-emulator.js";
import { workerStorage } from "../fixtures/emulator-app.js";
import { LIVE_CONFIG } from "./provider/live.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = join(process.cwd(), "test-results", "screenshots");
const noBrowser = !existsSync(CHROMIUM);
if (noBrowser) console.warn(`Skipping the card checkout browser test: ${CHROMIUM} is not installed.`);

let running: RunningEmulator;
let browser: Browser;

async function api(method: string, path: string, body?: unknown, access: "server" | "admin" = "server") {
  const p = running.emulator.project;
  const keys =
    access === "admin"
      ? { "x-stack-access-type": "admin", "x-stack-super-secret-admin-key": p.superSecretAdminKey }
      : { "x-stack-access-type": "server", "x-stack-secret-server-key": p.secretServerKey };
  const res = await fetch(`${running.url}/api/v1${path}`, {
    method,
    headers: { ...keys, "x-stack-project-id": p.id, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** A buyer with an email, a checkout link for `productId`, and the page opened on it. */
async function openCheckout(productId: string, options: { returnUrl?: boolean } = {}) {
  const user = await api("POST", "/users", { primary_email: `buyer-${crypto.randomUUID()}@example.com` });
  expect(user.status).toBe(201);
  const userId = user.json.id as string;
  const returnUrl = `${running.url}/purchase/back-in-the-app-${userId}`;
  const created = await api("POST", "/payments/purchases/create-purchase-url", {
    customer_type: "user",
    customer_id: userId,
    product_id: productId,
    ...(options.returnUrl === false ? {} : { return_url: returnUrl }),
  });
  expect(created.status).toBe(200);
  const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && !/404/.test(m.text()) && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(created.json.url as string);
  return { page, userId, returnUrl, url: created.json.url as string, problems };
}

async function typeCard(page: Page, number: string, expiry = "12 / 34", cvc = "123") {
  await page.getByTestId("checkout-card-number").fill(number);
  await page.getByTestId("checkout-card-expiry").fill(expiry);
  await page.getByTestId("checkout-card-cvc").fill(cvc);
  await page.getByTestId("checkout-card-name").fill("Ada Lovelace");
}

const credits = async (userId: string) => (await api("GET", `/payments/items/user/${userId}/credits`)).json.quantity as number;
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `checkout-${name}.png`), fullPage: true });

describe.skipIf(noBrowser)("card checkout in Chromium (live mode)", () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    running = await startEmulator({ port: 0, config: LIVE_CONFIG, ...workerStorage() });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it("4242 4242 4242 4242 pays the shown total, grants the purchase and returns to the app", async () => {
    const { page, userId, returnUrl, problems } = await openCheckout("credit_pack");
    expect(await page.getByTestId("checkout-banner").textContent()).toContain("Emulator: no real payment.");
    expect(await page.getByTestId("checkout-total").textContent()).toBe("$5.00");
    await page.getByTestId("checkout-quantity").fill("3");
    expect(await page.getByTestId("checkout-total").textContent()).toBe("$15.00");
    expect(await page.getByTestId("checkout-submit").textContent()).toBe("Pay $15.00");
    await typeCard(page, "4242 4242 4242 4242");
    await shot(page, "form");
    await Promise.all([page.waitForURL(returnUrl), page.getByTestId("checkout-submit").click()]);
    expect(await credits(userId)).toBe(150);
    const receipts = await api("GET", `/internal/emulator/outbox?customer_type=user&customer_id=${userId}`, undefined, "admin");
    expect(receipts.json.items.map((e: { kind: string; amount: string }) => [e.kind, e.amount])).toEqual([["payment_receipt", "$15.00"]]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("a declined card grants nothing, says why, and another card then pays", async () => {
    const { page, userId, returnUrl, problems } = await openCheckout("credit_pack");
    await typeCard(page, "4000 0000 0000 0002");
    await page.getByTestId("checkout-submit").click();
    const error = page.getByTestId("checkout-error");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toBe("Your card was declined. Try another card.");
    await shot(page, "declined");
    expect(await credits(userId)).toBe(0);
    // Insufficient funds, on the same payment.
    await page.getByTestId("checkout-card-number").fill("4000000000009995");
    await page.getByTestId("checkout-submit").click();
    await page.getByText("Your card has insufficient funds. Try another card.").waitFor();
    expect(await page.getByTestId("checkout-quantity").isDisabled()).toBe(true);
    expect(await credits(userId)).toBe(0);
    await page.getByTestId("checkout-card-number").fill("4242424242424242");
    await Promise.all([page.waitForURL(returnUrl), page.getByTestId("checkout-submit").click()]);
    expect(await credits(userId)).toBe(50);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("a reload after a declined card shows the same payment again; another card then pays it", async () => {
    const { page, userId, returnUrl, url } = await openCheckout("credit_pack");
    await page.getByTestId("checkout-quantity").fill("2");
    await typeCard(page, "4000 0000 0000 0069");
    await page.getByTestId("checkout-submit").click();
    await page.getByText("Your card has expired. Try another card.").waitFor();
    // The purchase code is used up by the payment: the server alone no longer knows this checkout.
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(404);
    await page.getByTestId("checkout-card-number").waitFor({ state: "visible" });
    expect(await page.getByTestId("checkout-product-name").textContent()).toBe("Credit pack");
    expect(await page.getByTestId("checkout-total").textContent()).toBe("$10.00");
    // The payment's last failure, not the used-link error.
    expect(await page.getByTestId("checkout-error").textContent()).toBe("Your card has expired. Try another card.");
    expect(await page.getByTestId("checkout-back").getAttribute("href")).toBe(returnUrl);
    await shot(page, "resumed");
    await typeCard(page, "4242 4242 4242 4242");
    await Promise.all([page.waitForURL(returnUrl), page.getByTestId("checkout-submit").click()]);
    expect(await credits(userId)).toBe(100);
    // Another tab (no saved payment) sees only the error.
    const other = await browser.newPage();
    await other.goto(url);
    expect(await other.getByTestId("checkout-error").textContent()).toBe("This checkout link is invalid, has expired or has already been used.");
    expect(await other.getByTestId("checkout-card-number").isVisible()).toBe(false);
    await other.close();
    await page.close();
  }, 60_000);

  it("3-D Secure: the authentication step appears; approving it pays and returns to the app", async () => {
    const { page, userId, returnUrl } = await openCheckout("pro");
    expect(await page.getByTestId("checkout-total").textContent()).toBe("$10.00");
    await typeCard(page, "4000 0027 6000 3184");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("checkout-3ds-approve").waitFor({ state: "visible" });
    await shot(page, "3ds");
    expect(await credits(userId)).toBe(0);
    await Promise.all([page.waitForURL(returnUrl), page.getByTestId("checkout-3ds-approve").click()]);
    const owned = await api("GET", `/payments/products/user/${userId}`);
    expect(owned.json.items.map((p: { id: string }) => p.id)).toEqual(["pro"]);
    expect(await credits(userId)).toBe(100);
    await page.close();
  }, 60_000);

  it("3-D Secure: failing the authentication grants nothing and lets the buyer try another card", async () => {
    const { page, userId } = await openCheckout("pro");
    await typeCard(page, "4000002760003184");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("checkout-3ds-fail").click();
    const error = page.getByTestId("checkout-error");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toMatch(/authenticate|authentication/i);
    expect(await page.getByTestId("checkout-3ds").isHidden()).toBe(true);
    expect(await page.getByTestId("checkout-submit").isEnabled()).toBe(true);
    await shot(page, "3ds-failed");
    expect((await api("GET", `/payments/products/user/${userId}`)).json.items).toEqual([]);
    await page.close();
  }, 60_000);

  it("the back link returns to the app without buying", async () => {
    const { page, userId, returnUrl } = await openCheckout("pro");
    await shot(page, "back-link");
    await Promise.all([page.waitForURL(returnUrl), page.getByTestId("checkout-back").click()]);
    expect((await api("GET", `/payments/products/user/${userId}`)).json.items).toEqual([]);
    await page.close();
  }, 60_000);

  it("bad card input is refused on the page before anything is sent; the link stays usable", async () => {
    const { page, userId, url } = await openCheckout("credit_pack");
    const sent: string[] = [];
    page.on("request", (r) => r.method() === "POST" && sent.push(r.url()));
    const error = page.getByTestId("checkout-error");
    const attempt = async (card: [string, string, string], message: string) => {
      await typeCard(page, ...card);
      await page.getByTestId("checkout-submit").click();
      await error.waitFor({ state: "visible" });
      expect(await error.textContent()).toBe(message);
    };
    await attempt(["4242 4242 4242 4241", "12 / 34", "123"], "Your card number is incorrect.");
    await attempt(["4242 4242", "12 / 34", "123"], "Your card number is invalid: it must be 13 to 19 digits.");
    await attempt(["4242 4242 4242 4242", "01 / 20", "123"], "Your card's expiration date is in the past.");
    await attempt(["4242 4242 4242 4242", "13 / 34", "123"], "Your card's expiration month is invalid.");
    await attempt(["4242 4242 4242 4242", "12 / 34", "12"], "Your card's security code is invalid: it must be 3 digits.");
    await shot(page, "bad-input");
    await page.getByTestId("checkout-quantity").fill("200000");
    expect(await page.getByTestId("checkout-quantity-error").textContent()).toBe("Quantity can be at most 199,999 (the largest card payment is $999,999.99).");
    expect(await page.getByTestId("checkout-submit").isDisabled()).toBe(true);
    expect(sent).toEqual([]);
    expect(await credits(userId)).toBe(0);
    expect((await fetch(url)).status).toBe(200);
    await page.close();
  }, 60_000);

  it("a double-clicked Pay charges once", async () => {
    const { page, userId } = await openCheckout("credit_pack", { returnUrl: false });
    await typeCard(page, "4242424242424242");
    await page.getByTestId("checkout-submit").dblclick();
    // A scripted double submit as well, in case a browser lets both clicks through.
    await page.evaluate(() => {
      const form = document.getElementById("checkout-form") as HTMLFormElement;
      form.requestSubmit();
      form.requestSubmit();
    });
    await page.getByTestId("checkout-success").waitFor({ state: "visible" });
    expect(await page.getByTestId("checkout-success").textContent()).toBe("Payment complete: $5.00 paid.");
    await shot(page, "paid");
    expect(await credits(userId)).toBe(50);
    const purchases = await api("GET", `/internal/payments/transactions?customer_type=user&customer_id=${userId}`, undefined, "admin");
    expect(purchases.json.transactions.filter((t: { type: string }) => t.type === "purchase")).toHaveLength(1);
    await page.close();
  }, 60_000);
});
