// The checkout page's routes over real HTTP: what the page shows in live mode (card form) and in
// test mode (one click), the headers it runs under, and bad input refused with nothing changed.
import { afterAll, describe, expect, it } from "vitest";
import { createHarness } from "./payments/harness.js";
import { TEST_CONFIG } from "./payments/config.js";
import { LIVE_CONFIG, liveHarness, newBuyer, products, quantity } from "./provider/live.js";

const live = liveHarness();
const testMode = createHarness({ config: TEST_CONFIG });
afterAll(async () => {
  await live.close();
  await testMode.close();
});

const RETURN_URL = "http://localhost:3000/shop?x=1&y=2";

async function newCode(h: typeof live, customerId: string, productId: string, returnUrl?: string): Promise<string> {
  const r = await h.call("POST", "/payments/purchases/create-purchase-url", {
    body: { customer_type: "user", customer_id: customerId, product_id: productId, ...(returnUrl ? { return_url: returnUrl } : {}) },
  });
  expect(r.status).toBe(200);
  return new URL(r.json.url as string).pathname.split("/").pop()!;
}

const openPage = (h: typeof live, code: string, returnUrl?: string) =>
  h.call("GET", `/purchase/${code}${returnUrl ? `?return_url=${encodeURIComponent(returnUrl)}` : ""}`, { access: "none" });

describe("live mode (payments.testMode false)", () => {
  it("shows the card form, the order summary with a formatted total, the banner and the back link", async () => {
    expect(LIVE_CONFIG.testMode).toBe(false);
    const buyer = await newBuyer(live);
    const code = await newCode(live, buyer.id, "pro", RETURN_URL);
    const r = await openPage(live, code, RETURN_URL);
    expect(r.status).toBe(200);
    for (const id of ["checkout-card-number", "checkout-card-expiry", "checkout-card-cvc", "checkout-card-name", "checkout-3ds-approve", "checkout-3ds-fail", "checkout-submit"])
      expect(r.text).toContain(`data-testid="${id}"`);
    expect(r.text).toMatch(/data-testid="checkout-product-name">Pro</);
    expect(r.text).toMatch(/checkout-price-monthly"[^>]*> \$10\.00 every month/);
    expect(r.text).toMatch(/checkout-price-yearly"[^>]*> \$100\.00 every year/);
    expect(r.text).toMatch(/data-testid="checkout-total">\$10\.00</);
    expect(r.text).toMatch(/data-testid="checkout-submit">Pay \$10\.00</);
    expect(r.text).toContain("Emulator: no real payment.");
    // The back link goes to the return URL, escaped as an attribute.
    expect(r.text).toContain(`href="http://localhost:3000/shop?x=1&#38;y=2" id="checkout-back" data-testid="checkout-back"`);
    // Not the one-click test purchase.
    expect(r.text).not.toContain("Complete test purchase");
    expect(r.text).toContain('"live":true');
  });

  it("bounds a stackable product's quantity by the largest card charge", async () => {
    const buyer = await newBuyer(live);
    const page = await openPage(live, await newCode(live, buyer.id, "credit_pack"));
    expect(page.text).toContain('data-testid="checkout-quantity"');
    // $5 a pack: at most $999,999.99 / $5 = 199,999 packs.
    expect(page.text).toMatch(/max="199999"[^>]*id="checkout-quantity"/);
    expect(page.text).toMatch(/data-testid="checkout-total">\$5\.00</);
    // Without a return URL there is nowhere to go back to.
    expect(page.text).not.toContain('data-testid="checkout-back"');
  });

  it("is self-contained and runs under a strict content security policy", async () => {
    const buyer = await newBuyer(live);
    const r = await openPage(live, await newCode(live, buyer.id, "pro"));
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    // Every script and style element carries the nonce; nothing is loaded from elsewhere.
    const scripts = r.text.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBe(1);
    for (const tag of [...scripts, ...(r.text.match(/<style[^>]*>/g) ?? [])]) expect(tag).toContain(`nonce="${nonce}"`);
    expect(r.text).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//);
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    // A fresh nonce per answer.
    const again = await openPage(live, await newCode(live, buyer.id, "pro"));
    expect(again.headers.get("content-security-policy")).not.toBe(csp);
  });

  it("a used code, a code moved to another project and an untrusted return URL get an error page; nothing is bought", async () => {
    const buyer = await newBuyer(live);
    const code = await newCode(live, buyer.id, "credit_pack");
    const session = await live.call("POST", "/payments/purchases/purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
    expect(session.status).toBe(200);
    const used = await openPage(live, code);
    expect(used.status).toBe(404);
    expect(used.text).toContain("invalid, has expired or has already been used");
    expect(used.headers.get("content-security-policy")).toContain("default-src 'none'");
    // Only the tab that started the payment can show it again (it kept the client secret); the page holds none.
    expect(used.text).toContain('"resume":true');
    expect(used.text).not.toContain(session.json.client_secret as string);
    // The secret half of a code of this project, put under the other harness's project id.
    const foreign = `${testMode.emulator.project.id}_${code.split("_")[1]}`;
    expect((await testMode.call("GET", `/purchase/${foreign}`, { access: "none" })).status).toBe(404);
    const fresh = await newCode(live, buyer.id, "credit_pack");
    const untrusted = await openPage(live, fresh, "https://evil.example/steal");
    expect(untrusted.status).toBe(400);
    expect(untrusted.text).toContain("not a trusted domain");
    expect(untrusted.text).not.toContain("evil.example");
    expect(await quantity(live, { type: "user", id: buyer.id }, "credits")).toBe(0);
    expect((await products(live, { type: "user", id: buyer.id })).ids).toEqual([]);
  });

  it("the test-mode purchase route is refused in live mode, and grants nothing", async () => {
    const buyer = await newBuyer(live);
    const code = await newCode(live, buyer.id, "credit_pack");
    const r = await live.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
    expect(r.status).toBe(403);
    expect(r.text).toBe("Test mode is not enabled for this project");
    expect(await quantity(live, { type: "user", id: buyer.id }, "credits")).toBe(0);
    expect((await openPage(live, code)).status).toBe(200);
  });
});

describe("test mode", () => {
  it("keeps the one-click page, with the summary, formatted total, back link and banner", async () => {
    const buyer = await newBuyer(testMode);
    const code = await newCode(testMode, buyer.id, "credit_pack", RETURN_URL);
    const r = await openPage(testMode, code, RETURN_URL);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/data-testid="checkout-submit">Complete test purchase</);
    expect(r.text).toMatch(/data-testid="checkout-total">\$5\.00</);
    expect(r.text).toContain('data-testid="checkout-back"');
    expect(r.text).toContain("Emulator: no real payment.");
    expect(r.text).not.toContain('data-testid="checkout-card-number"');
    expect(r.text).toMatch(/max="199999"[^>]*id="checkout-quantity"/);
  });

  it("a huge quantity is refused with a message naming it, the code stays usable and nothing is granted", async () => {
    const buyer = await newBuyer(testMode);
    const customer = { type: "user", id: buyer.id };
    const code = await newCode(testMode, buyer.id, "credit_pack");
    const buy = (q: number) => testMode.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "once", quantity: q } });
    const overCharge = await buy(200_000);
    expect(overCharge.status).toBe(400);
    expect(overCharge.text).toBe("The total of 200000 × $5.00 is more than the largest amount a payment can take ($999,999.99).");
    const overCount = await buy(1_000_001);
    expect(overCount.status).toBe(400);
    expect(overCount.text).toBe("Quantity 1000001 is too large: one purchase can be at most 1,000,000.");
    const unsafe = await buy(2 ** 60);
    expect(unsafe.status).toBe(400);
    expect(await quantity(testMode, customer, "credits")).toBe(0);
    expect((await openPage(testMode, code)).status).toBe(200);
    // The largest quantity the page offers is accepted.
    expect((await buy(199_999)).status).toBe(200);
    expect(await quantity(testMode, customer, "credits")).toBe(199_999 * 50);
    expect((await openPage(testMode, code)).status).toBe(404);
  });

  it("a price without USD shows its total in its own currency", async () => {
    const buyer = await newBuyer(testMode);
    const r = await testMode.call("POST", "/payments/purchases/create-purchase-url", {
      body: { customer_type: "user", customer_id: buyer.id, product_inline: { display_name: "Euro pack", customer_type: "user", prices: { e: { EUR: "2.5" } } } },
    });
    const code = new URL(r.json.url as string).pathname.split("/").pop()!;
    const page = await openPage(testMode, code);
    expect(page.text).toMatch(/data-testid="checkout-total">2\.50 EUR</);
    expect(page.text).toMatch(/checkout-price-e"[^>]*> 2\.50 EUR one-time/);
  });
});
