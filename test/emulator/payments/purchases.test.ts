import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CONFIG } from "./config.js";
import { BASE, createHarness, customId, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

const createUrl = (body: unknown, access: any = "server", version = "v1") =>
  h.call("POST", version === "v1" ? "/payments/purchases/create-purchase-url" : `${BASE}/api/latest/payments/purchases/create-purchase-url`, { body, access });
const codeOf = (url: string) => new URL(url).pathname.split("/").pop()!;

async function newCode(productId = "credit_pack", customer?: { type: string; id: string }) {
  const c = customer ?? { type: "user", id: (await h.newUser()).id };
  const r = await createUrl({ customer_type: c.type, customer_id: c.id, product_id: productId });
  expect(r.status).toBe(200);
  return { code: codeOf(r.json.url), customer: c };
}

describe("POST /payments/purchases/create-purchase-url", () => {
  it("answers a URL on the emulator's checkout page, with return_url appended", async () => {
    const u = await h.newUser();
    const r = await createUrl({ customer_type: "user", customer_id: u.id, product_id: "starter", return_url: "http://localhost:3000/done?x=1" }, { token: u.token });
    expect(r.status).toBe(200);
    const url = new URL(r.json.url);
    expect(`${url.origin}`).toBe(BASE);
    expect(url.pathname).toMatch(/^\/purchase\/[0-9a-f-]{36}_[a-z2-7]{45}$/);
    expect(url.searchParams.get("return_url")).toBe("http://localhost:3000/done?x=1");
    const noReturn = await createUrl({ customer_type: "user", customer_id: u.id, product_id: "starter" });
    expect(new URL(noReturn.json.url).search).toBe("");
  });

  it("accepts offer_id on /api/v1 only", async () => {
    const u = await h.newUser();
    expect((await createUrl({ customer_type: "user", customer_id: u.id, offer_id: "starter" })).status).toBe(200);
    const latest = await createUrl({ customer_type: "user", customer_id: u.id, offer_id: "starter" }, "server", "latest");
    expect(latest.json.code).toBe("SCHEMA_ERROR");
    expect(latest.json.details.message).toContain("offer_id");
  });

  it("applies the client access rules with the route's text", async () => {
    const u = await h.newUser();
    const other = await h.newUser();
    const r = await createUrl({ customer_type: "user", customer_id: other.id, product_id: "starter" }, { token: u.token });
    expect(r.status).toBe(403);
    expect(r.text).toBe("Clients can only create purchase URLs for their own user or teams they have admin access to.");
    expect((await createUrl({ customer_type: "user", customer_id: u.id, product_id: "starter" }, "client")).json.code).toBe("USER_AUTHENTICATION_REQUIRED");
  });

  it("resolves products as the contract says, including client-only restrictions", async () => {
    const u = await h.newUser();
    const t = { token: u.token };
    const inline = { display_name: "Inline", customer_type: "user", prices: { p: { USD: "1" } } };
    expect((await createUrl({ customer_type: "user", customer_id: u.id, product_inline: inline }, t)).text).toBe(
      "Cannot specify product_inline when calling from client! Please call with a server API key, or use the product_id parameter.",
    );
    expect((await createUrl({ customer_type: "user", customer_id: u.id, product_inline: inline })).status).toBe(200);
    const secret = await createUrl({ customer_type: "user", customer_id: u.id, product_id: "secret" }, t);
    expect(secret.json).toEqual({
      code: "PRODUCT_DOES_NOT_EXIST",
      details: { product_id: "secret", context: "server_only" },
      error: 'Product with ID "secret" is marked as server-only and cannot be accessed client side.',
    });
    expect((await createUrl({ customer_type: "user", customer_id: u.id, product_id: "secret" })).status).toBe(200);
    expect((await createUrl({ customer_type: "user", customer_id: u.id })).text).toBe("Must specify either product_id or product_inline!");
    expect((await createUrl({ customer_type: "team", customer_id: u.id, product_id: "starter" })).json.code).toBe("PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH");
  });

  it("refuses an owned non-stackable product, then an untrusted return_url", async () => {
    const u = await h.newUser();
    await h.call("POST", `/payments/products/user/${u.id}`, { body: { product_id: "lifetime" } });
    expect((await createUrl({ customer_type: "user", customer_id: u.id, product_id: "lifetime" })).json.code).toBe("PRODUCT_ALREADY_GRANTED");
    const r = await createUrl({ customer_type: "user", customer_id: u.id, product_id: "credit_pack", return_url: "https://evil.example.com/" });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("REDIRECT_URL_NOT_WHITELISTED");
    expect((await createUrl({ customer_type: "user", customer_id: u.id, product_id: "credit_pack", return_url: "not a url" })).json.code).toBe("SCHEMA_ERROR");
  });

  it("does not check that the customer exists (server)", async () => {
    expect((await createUrl({ customer_type: "custom", customer_id: customId(), product_id: "custom_pack" })).status).toBe(200);
  });
});

describe("validate-code", () => {
  it("describes a code (POST) and checks the prefix and return URL (GET)", async () => {
    const { code } = await newCode("starter");
    const r = await h.call("POST", "/payments/purchases/validate-code", { access: "none", body: { full_code: code } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      product: { display_name: "Starter", customer_type: "user", prices: { monthly: { USD: "10", interval: [1, "month"] } } },
      stripe_account_id: expect.any(String),
      project_id: h.emulator.project.id,
      project_logo_url: null,
      already_bought_non_stackable: false,
      conflicting_products: [],
      test_mode: true,
    });
    const g = await h.call("GET", `/payments/purchases/validate-code?full_code=${code}&return_url=${encodeURIComponent("http://localhost:5173/")}`, { access: "none" });
    expect(g.json).toEqual({ valid: true });
    const badReturn = await h.call("GET", `/payments/purchases/validate-code?full_code=${code}&return_url=${encodeURIComponent("https://evil.example/")}`, { access: "none" });
    expect(badReturn.json.code).toBe("REDIRECT_URL_NOT_WHITELISTED");
    const unknownTenant = await h.call("GET", `/payments/purchases/validate-code?full_code=nobody_abc`, { access: "none" });
    expect(unknownTenant.json.code).toBe("VERIFICATION_CODE_NOT_FOUND");
  });

  it("lists conflicting products of the line for a recurring product", async () => {
    const u = await h.newUser();
    await h.call("POST", `/payments/products/user/${u.id}`, { body: { product_id: "base" } });
    const { code } = await newCode("premium", { type: "user", id: u.id });
    const r = await h.call("POST", "/payments/purchases/validate-code", { access: "none", body: { full_code: code } });
    expect(r.json.conflicting_products).toEqual([{ product_id: "base", display_name: "Base" }]);
  });

  it("answers VERIFICATION_CODE_NOT_FOUND for malformed, unknown and untrusted-return requests", async () => {
    for (const full_code of ["", "abc", "a_b_c", `${h.emulator.project.id}_${"a".repeat(45)}`]) {
      const r = await h.call("POST", "/payments/purchases/validate-code", { access: "none", body: { full_code } });
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ code: "VERIFICATION_CODE_NOT_FOUND", error: "The verification code does not exist for this project." });
    }
    const { code } = await newCode();
    const r = await h.call("POST", "/payments/purchases/validate-code", { access: "none", body: { full_code: code, return_url: "https://evil.example/" } });
    expect(r.json.code).toBe("REDIRECT_URL_NOT_WHITELISTED");
  });
});

describe("purchase-session and test-mode-purchase-session", () => {
  it("purchase-session validates, then answers a client secret and uses up the code (nothing granted yet)", async () => {
    const { code, customer } = await newCode("starter");
    const badPrice = await h.call("POST", "/payments/purchases/purchase-session", { access: "none", body: { full_code: code, price_id: "nope" } });
    expect(badPrice.text).toBe("Price not found on product associated with this purchase code");
    const r = await h.call("POST", "/payments/purchases/purchase-session", { access: "none", body: { full_code: code, price_id: "monthly" } });
    expect(r.status).toBe(200);
    expect(r.json.client_secret).toMatch(/^pi_[A-Za-z0-9]{24}_secret_[A-Za-z0-9]+$/);
    // The payment is not made yet: nothing is owned, and the code cannot start a second session.
    expect((await h.call("GET", `/payments/products/user/${customer.id}`)).json.items).toEqual([]);
    expect((await h.call("POST", "/payments/purchases/purchase-session", { access: "none", body: { full_code: code, price_id: "monthly" } })).json.code).toBe(
      "VERIFICATION_CODE_NOT_FOUND",
    );
    expect((await h.call("POST", "/payments/purchases/purchase-session", { access: "none", body: { full_code: "x", price_id: "monthly" } })).json.code).toBe(
      "VERIFICATION_CODE_NOT_FOUND",
    );
  });

  it("test mode grants at once with the chosen price and quantity, and the code is single-use", async () => {
    const { code, customer } = await newCode("credit_pack");
    const body = { full_code: code, price_id: "once", quantity: 2 };
    const r = await h.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: true });
    expect((await h.call("GET", `/payments/items/user/${customer.id}/credits`)).json.quantity).toBe(100);
    const again = await h.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body });
    expect(again.json.code).toBe("VERIFICATION_CODE_NOT_FOUND");
    expect((await h.call("GET", `/payments/items/user/${customer.id}/credits`)).json.quantity).toBe(100);
    expect((await h.call("POST", "/payments/purchases/validate-code", { access: "none", body: { full_code: code } })).json.code).toBe("VERIFICATION_CODE_NOT_FOUND");
  });

  it("a recurring price makes a subscription; validation errors leave the code usable", async () => {
    const { code, customer } = await newCode("starter");
    const bad = await h.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "monthly", quantity: 2 } });
    expect(bad.text).toBe("This product is not stackable; quantity must be 1");
    const ok = await h.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "annual_plan" } });
    expect(ok.status).toBe(200);
    const l = await h.call("GET", `/payments/products/user/${customer.id}`);
    expect(l.json.items[0]).toMatchObject({ id: "starter", type: "subscription" });
  });

  it("in live mode makes checkout URLs but refuses the free test-mode completion; blocked purchases are refused", async () => {
    const h2 = createHarness({ config: { ...TEST_CONFIG, testMode: false } });
    try {
      const c = customId();
      const r = await h2.call("POST", "/payments/purchases/create-purchase-url", { body: { customer_type: "custom", customer_id: c, product_id: "custom_pack" } });
      expect(r.status).toBe(200);
      const code = codeOf(r.json.url);
      const free = await h2.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
      expect(free.status).toBe(403);
      expect(free.text).toBe("Test mode is not enabled for this project");
      expect((await h2.call("GET", `/payments/items/custom/${c}/custom_credits`)).json.quantity).toBe(0);
    } finally {
      await h2.close();
    }
    const h3 = createHarness({ config: { ...TEST_CONFIG, blockNewPurchases: true } });
    try {
      const r = await h3.call("POST", "/payments/purchases/create-purchase-url", { body: { customer_type: "custom", customer_id: "c", product_id: "custom_pack" } });
      expect(r.status).toBe(403);
      expect(r.json).toEqual({
        code: "NEW_PURCHASES_BLOCKED",
        error: "New purchases are currently blocked for this project. Please contact support for more information.",
      });
      // grants ignore blockNewPurchases
      expect((await h3.call("POST", "/payments/products/custom/c", { body: { product_id: "custom_pack" } })).status).toBe(200);
    } finally {
      await h3.close();
    }
  });
});

describe("GET /purchase/{full_code} (checkout page)", () => {
  it("shows the product, its prices and a quantity input for stackable products", async () => {
    const { code } = await newCode("starter");
    const r = await h.call("GET", `/purchase/${code}?return_url=${encodeURIComponent("http://localhost:3000/back")}`, { access: "none" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(r.text).toMatch(/data-testid="checkout-product-name">Starter</);
    expect(r.text).toContain('data-testid="checkout-price-monthly"');
    expect(r.text).toMatch(/checkout-price-annual_plan"[^>]*> \$100\.00 \/ 90\.00 EUR every year/);
    expect(r.text).toMatch(/data-testid="checkout-total">\$10\.00</);
    expect(r.text).toMatch(/data-testid="checkout-back">← Back to the app</);
    expect(r.text).toContain("Emulator: no real payment");
    expect(r.text).toContain('data-testid="checkout-submit"');
    expect(r.text).not.toContain('data-testid="checkout-quantity"');
    expect(r.text).toContain("/api/v1/internal/payments/test-mode-purchase-session");
    expect(r.text).toContain('"http://localhost:3000/back"');
    const stackable = await newCode("credit_pack");
    const s = await h.call("GET", `/purchase/${stackable.code}`, { access: "none" });
    expect(s.text).toContain('data-testid="checkout-quantity"');
  });

  it("escapes product names", async () => {
    const c = customId();
    const r = await createUrl({ customer_type: "custom", customer_id: c, product_inline: { display_name: "<script>alert(1)</script>", customer_type: "custom", prices: { p: { USD: "1" } } } });
    const page = await h.call("GET", `/purchase/${codeOf(r.json.url)}`, { access: "none" });
    expect(page.text).not.toContain("<script>alert(1)</script>");
    expect(page.text).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
  });

  it("answers a readable 404 page for unknown or used codes, and 400 for an untrusted return URL", async () => {
    const r = await h.call("GET", `/purchase/nope`, { access: "none" });
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toContain("text/html");
    expect(r.text).toContain('data-testid="checkout-error"');
    expect(r.text).toContain("invalid, has expired or has already been used");
    const { code } = await newCode("credit_pack");
    await h.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
    expect((await h.call("GET", `/purchase/${code}`, { access: "none" })).status).toBe(404);
    const fresh = await newCode("credit_pack");
    expect((await h.call("GET", `/purchase/${fresh.code}?return_url=${encodeURIComponent("https://evil.example/")}`, { access: "none" })).status).toBe(400);
  });
});

describe("codes over time and config changes after a code was made", () => {
  it("expires codes after 24 hours; blockNewPurchases and test mode off refuse completion", async () => {
    const h2 = createHarness({ config: TEST_CONFIG });
    const patch = async (override: Record<string, unknown>) => {
      const r = await h2.call("PATCH", "/internal/config/override/environment", { access: "admin", body: { config_override_string: JSON.stringify(override) } });
      expect(r.status).toBe(200);
    };
    const make = async () => {
      const r = await h2.call("POST", "/payments/purchases/create-purchase-url", { body: { customer_type: "custom", customer_id: "c1", product_id: "custom_pack" } });
      return new URL(r.json.url as string).pathname.split("/").pop()!;
    };
    const complete = (code: string) =>
      h2.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
    try {
      const old = await make();
      await h2.advanceClock(24 * 60 * 60 * 1000 + 1000);
      expect((await complete(old)).json.code).toBe("VERIFICATION_CODE_NOT_FOUND");
      expect((await h2.call("GET", `/purchase/${old}`, { access: "none" })).status).toBe(404);

      const code = await make();
      await patch({ "payments.blockNewPurchases": true });
      const blocked = await complete(code);
      expect(blocked.status).toBe(403);
      expect(blocked.json.code).toBe("NEW_PURCHASES_BLOCKED");
      expect((await h2.call("POST", "/payments/purchases/purchase-session", { access: "none", body: { full_code: code, price_id: "once" } })).json.code).toBe(
        "NEW_PURCHASES_BLOCKED",
      );
      await patch({ "payments.blockNewPurchases": false, "payments.testMode": false });
      const off = await complete(code);
      expect(off.status).toBe(403);
      expect(off.text).toBe("Test mode is not enabled for this project");
      await patch({ "payments.testMode": true });
      expect((await complete(code)).json).toEqual({ success: true });
      expect((await h2.call("GET", "/payments/items/custom/c1/custom_credits")).json.quantity).toBe(10);
    } finally {
      await h2.close();
    }
  });
});
