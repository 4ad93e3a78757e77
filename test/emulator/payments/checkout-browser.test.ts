// The test-mode checkout page in a real browser (Debian's chromium through playwright-core): choose
// a quantity (the total follows, within its bound), complete the test purchase, land on
// return_url; without one, see the success note.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/start-emulator.js";
import { workerStorage } from "../../fixtures/emulator-app.js";
import { TEST_CONFIG } from "./config.js";

const CHROMIUM = "/usr/bin/chromium";
const noBrowser = !existsSync(CHROMIUM);
if (noBrowser) console.warn(`Skipping the checkout browser test: ${CHROMIUM} is not installed.`);

let running: RunningEmulator;
let browser: Browser;

async function api(method: string, path: string, body?: unknown, token?: string) {
  const p = running.emulator.project;
  const headers: Record<string, string> = token
    ? { "x-stack-access-type": "client", "x-stack-publishable-client-key": p.publishableClientKey, "x-stack-access-token": token, "x-stack-allow-anonymous-user": "true" }
    : method === "POST" && path.startsWith("/auth/")
      ? { "x-stack-access-type": "client", "x-stack-publishable-client-key": p.publishableClientKey }
      : { "x-stack-access-type": "server", "x-stack-secret-server-key": p.secretServerKey };
  const res = await fetch(`${running.url}/api/v1${path}`, {
    method,
    headers: { ...headers, "x-stack-project-id": p.id, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe.skipIf(noBrowser)("checkout page in Chromium", () => {
  beforeAll(async () => {
    running = await startEmulator({ port: 0, config: TEST_CONFIG, ...workerStorage() });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it("completes a stackable purchase with a chosen quantity and returns to return_url", async () => {
    const signUp = await api("POST", "/auth/anonymous/sign-up");
    const { user_id: userId, access_token: token } = signUp.json as { user_id: string; access_token: string };
    const returnUrl = `${running.url}/purchase/returned-here`;
    const created = await api("POST", "/payments/purchases/create-purchase-url", { customer_type: "user", customer_id: userId, product_id: "credit_pack", return_url: returnUrl }, token);
    expect(created.status).toBe(200);
    const page = await browser.newPage();
    await page.goto(created.json.url);
    expect(await page.getByTestId("checkout-product-name").textContent()).toBe("Credit pack");
    expect(await page.getByTestId("checkout-price-once").isChecked()).toBe(true);
    expect(await page.getByTestId("checkout-total").textContent()).toBe("$5.00");
    await page.getByTestId("checkout-quantity").fill("3");
    expect(await page.getByTestId("checkout-total").textContent()).toBe("$15.00");
    expect(await page.getByTestId("checkout-back").getAttribute("href")).toBe(returnUrl);
    // Over the bound (the largest card charge at $5 each): said at once, and no purchase can start.
    await page.getByTestId("checkout-quantity").fill("200000");
    expect(await page.getByTestId("checkout-quantity-error").textContent()).toBe("Quantity can be at most 199,999 (the largest card payment is $999,999.99).");
    expect(await page.getByTestId("checkout-submit").isDisabled()).toBe(true);
    await page.getByTestId("checkout-quantity").fill("3");
    await Promise.all([page.waitForURL(returnUrl), page.getByTestId("checkout-submit").click()]);
    expect(page.url()).toBe(returnUrl);
    expect((await api("GET", `/payments/items/user/${userId}/credits`, undefined, token)).json.quantity).toBe(150);
    await page.close();
  }, 60_000);

  it("shows success without return_url, and the error text when the purchase is refused", async () => {
    const signUp = await api("POST", "/auth/anonymous/sign-up");
    const { user_id: userId, access_token: token } = signUp.json as { user_id: string; access_token: string };
    const url = (await api("POST", "/payments/purchases/create-purchase-url", { customer_type: "user", customer_id: userId, product_id: "starter" }, token)).json.url as string;
    // a second URL for the same product, completed first, makes the first one's purchase refused
    const other = (await api("POST", "/payments/purchases/create-purchase-url", { customer_type: "user", customer_id: userId, product_id: "starter" }, token)).json.url as string;
    const page = await browser.newPage();
    await page.goto(other);
    await page.getByTestId("checkout-price-annual_plan").check();
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("checkout-success").waitFor({ state: "visible" });
    await page.goto(url);
    await page.getByTestId("checkout-submit").click();
    const error = page.getByTestId("checkout-error");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toBe(`Customer with ID "${userId}" already owns product "starter".`);
    const products = await api("GET", `/payments/products/user/${userId}`);
    expect(products.json.items).toMatchObject([{ id: "starter", quantity: 1 }]);
    const gone = await page.goto(other);
    expect(gone?.status()).toBe(404);
    await page.close();
  }, 60_000);
});
