// Browser-free end-to-end checkout: what a person does on the checkout page, over raw HTTP.
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_CONFIG } from "./config.js";
import { createHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

it("sign up anonymously, create a checkout URL, open the page, complete it, see the item granted, consume it", async () => {
  const user = await h.newUser();
  const client = { token: user.token };
  const created = await h.call("POST", "/payments/purchases/create-purchase-url", {
    access: client,
    body: { customer_type: "user", customer_id: user.id, product_id: "credit_pack", return_url: "http://localhost:3000/thanks" },
  });
  expect(created.status).toBe(200);
  const url = new URL(created.json.url);

  // the page the browser would show
  const page = await h.call("GET", url.pathname + url.search, { access: "none" });
  expect(page.status).toBe(200);
  expect(page.text).toContain('data-testid="checkout-product-name">Credit pack<');
  const priceId = /data-testid="checkout-price-([^"]+)"[^>]* checked/.exec(page.text)?.[1];
  expect(priceId).toBe("once");
  // The page's script reads its settings from one JSON object; its requests go to the page's own origin.
  const settings = JSON.parse(/var CHECKOUT = (\{.*\});\n/.exec(page.text)![1]!) as { live: boolean; fullCode: string; returnUrl: string; endpoints: { testMode: string } };
  expect(settings.live).toBe(false);
  const endpoint = new URL(settings.endpoints.testMode, url.href).href;
  expect(endpoint).toBe(`${url.origin}/api/v1/internal/payments/test-mode-purchase-session`);
  const fullCode = settings.fullCode;
  expect(url.pathname).toBe(`/purchase/${fullCode}`);
  expect(settings.returnUrl).toBe("http://localhost:3000/thanks");

  // the page's submit: the same request its script sends (no Stack headers)
  expect((await h.call("GET", `/payments/items/user/${user.id}/credits`, { access: client })).json.quantity).toBe(0);
  const done = await h.call("POST", endpoint!, { access: "none", body: { full_code: fullCode, price_id: priceId, quantity: 3 } });
  expect(done.status).toBe(200);
  expect(done.json).toEqual({ success: true });

  // the return page checks the return URL before redirecting
  const back = await h.call("GET", `/payments/purchases/validate-code?full_code=${fullCode}&return_url=${encodeURIComponent("http://localhost:3000/thanks")}`, { access: "none" });
  expect(back.json).toEqual({ valid: true });

  const item = await h.call("GET", `/payments/items/user/${user.id}/credits`, { access: client });
  expect(item.json).toEqual({ id: "credits", display_name: "Credits", quantity: 150 });
  const products = await h.call("GET", `/payments/products/user/${user.id}`, { access: client });
  expect(products.json.items).toMatchObject([{ id: "credit_pack", quantity: 3 }]);

  // consume: tryDecreaseQuantity(100) then one that would overdraw
  const consume = (n: number) =>
    h.call("POST", `/payments/items/user/${user.id}/credits/update-quantity?allow_negative=false`, { body: { delta: -n } });
  expect((await consume(100)).status).toBe(200);
  expect((await consume(51)).json.code).toBe("ITEM_QUANTITY_INSUFFICIENT_AMOUNT");
  expect((await h.call("GET", `/payments/items/user/${user.id}/credits`, { access: client })).json.quantity).toBe(50);

  // the page is gone once used
  expect((await h.call("GET", url.pathname, { access: "none" })).status).toBe(404);
});
