/**
 * Saving cards and changing plans: setup intents confirmed with each kind of test card, the
 * SDK's `createPaymentMethodSetupIntent()` / `setDefaultPaymentMethodFromSetupIntent()` /
 * `getBilling()` / `listInvoices()` against the emulator, and a plan switch's rules (a card on
 * file is needed; a card that does not pay changes nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackClientApp } from "../../../src/index.js";
import { StackServerApp } from "../../../src/server.js";
import type { Harness } from "../payments/harness.js";
import { BASE } from "../payments/harness.js";
import { checkoutSecret, confirm, invoices, liveHarness, newBuyer, products, quantity, replaceCardOnFile, tokenOf } from "./live.js";

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

const setupConfirm = (secret: string, number: string) =>
  h.call("POST", "/internal/emulator/provider/setup-intents/confirm", { access: "none", body: { client_secret: secret, card: { number, exp_month: 12, exp_year: 2040, cvc: "123" } } });

async function newSetupIntent(userId: string): Promise<string> {
  const r = await h.call("POST", `/payments/payment-method/user/${userId}/setup-intent`, { access: { token: await tokenOf(h, userId) }, body: {} });
  expect(r.status).toBe(200);
  return r.json.client_secret as string;
}

describe("setup intents", () => {
  it("save 4242 and the card that fails only when charged; declines and 3-D Secure behave as at checkout", async () => {
    const buyer = await newBuyer(h);
    const saved = await setupConfirm(await newSetupIntent(buyer.id), "4000000000000341");
    expect(saved.json).toMatchObject({ status: "succeeded", payment_method: { brand: "visa", last4: "0341", exp_month: 12, exp_year: 2040 }, last_setup_error: null });

    const declinedSecret = await newSetupIntent(buyer.id);
    const declined = await setupConfirm(declinedSecret, "4000000000000002");
    expect(declined.json).toMatchObject({ status: "requires_payment_method", payment_method: null, last_setup_error: { code: "card_declined", decline_code: "generic_decline" } });
    const setDeclined = await h.call("POST", `/payments/payment-method/user/${buyer.id}/set-default`, { body: { setup_intent_id: declinedSecret.split("_secret_")[0] } });
    expect(setDeclined.text).toBe("Setup intent has not succeeded.");
    expect((await setupConfirm(declinedSecret, "4242424242424242")).json.status).toBe("succeeded");

    const secure = await newSetupIntent(buyer.id);
    expect((await setupConfirm(secure, "4000002760003184")).json).toMatchObject({ status: "requires_action", next_action: { type: "three_d_secure" } });
    const auth = (outcome: string) => h.call("POST", "/internal/emulator/provider/setup-intents/authenticate", { access: "none", body: { client_secret: secure, outcome } });
    expect((await auth("fail")).json).toMatchObject({ status: "requires_payment_method", last_setup_error: { code: "payment_intent_authentication_failure" } });
    expect((await auth("approve")).status).toBe(400);
    await setupConfirm(secure, "4000002760003184");
    expect((await auth("approve")).json).toMatchObject({ status: "succeeded", payment_method: { last4: "3184" } });
    // Confirming again changes nothing.
    expect((await setupConfirm(secure, "4242424242424242")).json.payment_method.last4).toBe("3184");
    const read = await h.call("GET", `/internal/emulator/provider/setup-intents?client_secret=${encodeURIComponent(secure)}`, { access: "none" });
    expect(read.json.status).toBe("succeeded");
    const bad = await setupConfirm(await newSetupIntent(buyer.id), "1234");
    expect(bad.json.error).toMatchObject({ code: "invalid_number", param: "card.number" });
  });

  it("the SDK saves a card and makes it the default; billing and invoices show the truth", async () => {
    const buyer = await newBuyer(h);
    const p = h.emulator.project;
    const fetch = (input: RequestInfo | URL, init?: RequestInit) => h.emulator.fetch(new Request(input, init));
    const server = new StackServerApp({ baseUrl: BASE, projectId: p.id, publishableClientKey: p.publishableClientKey, secretServerKey: p.secretServerKey, fetch, tokenStore: "memory" });
    const tokens = await (await (await server.getUser(buyer.id))!.createSession()).getTokens();
    const client = new StackClientApp({ baseUrl: BASE, projectId: p.id, publishableClientKey: p.publishableClientKey, fetch, tokenStore: { accessToken: tokens.accessToken!, refreshToken: tokens.refreshToken! } });
    const user = await client.getUser({ or: "throw" });
    expect(await user.getBilling()).toEqual({ hasCustomer: false, defaultPaymentMethod: null });
    const intent = await user.createPaymentMethodSetupIntent();
    expect(intent.clientSecret).toMatch(/^seti_/);
    expect(intent.stripeAccountId).toMatch(/^acct_/);
    await setupConfirm(intent.clientSecret, "5555555555554444");
    const card = await user.setDefaultPaymentMethodFromSetupIntent(intent.clientSecret.split("_secret_")[0]!);
    expect(card).toMatchObject({ brand: "mastercard", last4: "4444", exp_month: 12, exp_year: 2040 });
    expect(await user.getBilling()).toEqual({ hasCustomer: true, defaultPaymentMethod: card });
    await confirm(h, await checkoutSecret(h, { type: "user", id: buyer.id }, "basic", "monthly"), { number: "4242424242424242" });
    const listed = await user.listInvoices();
    expect(listed.map((i) => [i.status, i.amountTotal])).toEqual([["paid", 500]]);
    expect(listed[0]!.createdAt).toBeInstanceOf(Date);
    expect(listed.nextCursor).toBeNull();
    // The checkout card became the card on file.
    expect((await user.getBilling()).defaultPaymentMethod).toMatchObject({ last4: "4242" });
  });
});

describe("failed renewals", () => {
  it("a card replaced while the renewal is past due is charged by the next retry, and the subscription is active again", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    await confirm(h, await checkoutSecret(h, customer, "basic", "monthly"), { number: "4242424242424242" });
    await replaceCardOnFile(h, buyer, { number: "4000000000000341" });
    const { items } = await products(h, customer);
    const end = Date.parse(items[0].subscription.current_period_end);
    const clock = async () => (await h.call("GET", "/internal/emulator/clock")).json.now_millis as number;
    await h.advanceClock(end - (await clock()) + 60_000);
    expect((await products(h, customer)).items[0]).toMatchObject({ id: "basic", subscription: null });
    expect((await invoices(h, customer))[0]).toEqual(["open", 500]);
    await replaceCardOnFile(h, buyer, { number: "4242424242424242" });
    // Changing the card does not pay the invoice by itself; the next retry (day 2) does.
    expect((await invoices(h, customer))[0]).toEqual(["open", 500]);
    await h.advanceClock(2 * 24 * 60 * 60 * 1000);
    expect((await invoices(h, customer))[0]).toEqual(["paid", 500]);
    expect((await products(h, customer)).items[0]).toMatchObject({ id: "basic", type: "subscription", subscription: { cancel_at_period_end: false } });
    expect(await quantity(h, customer, "credits")).toBe(40);
  });
});

describe("plan switches", () => {
  it("need a provider-billed subscription and a card on file; the contract's errors in order", async () => {
    const buyer = await newBuyer(h);
    const token = await tokenOf(h, buyer.id);
    const sw = (body: unknown) => h.call("POST", `/payments/products/user/${buyer.id}/switch`, { access: { token }, body });
    await h.call("POST", `/payments/products/user/${buyer.id}`, { body: { product_id: "basic" } });
    expect((await sw({ from_product_id: "basic", to_product_id: "pro" })).text).toBe("This subscription cannot be switched.");
    const other = await newBuyer(h);
    await confirm(h, await checkoutSecret(h, { type: "user", id: other.id }, "basic", "monthly"), { number: "4242424242424242" });
    const otherToken = await tokenOf(h, other.id);
    const sw2 = (body: unknown) => h.call("POST", `/payments/products/user/${other.id}/switch`, { access: { token: otherToken }, body });
    expect((await sw2({ from_product_id: "basic", to_product_id: "pro", price_id: "nope" })).text).toBe("Price not found for target product.");
    expect((await sw2({ from_product_id: "basic", to_product_id: "pro", quantity: 2 })).text).toBe("This product is not stackable; quantity must be 1");
    expect((await sw2({ from_product_id: "basic", to_product_id: "lifetime" })).text).toBe("Price not found for target product.");
    expect((await products(h, { type: "user", id: other.id })).ids).toEqual([["basic", 1]]);
  });

  it("a card that does not pay leaves the plan as it was; the yearly price restarts the period", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    await confirm(h, await checkoutSecret(h, customer, "basic", "monthly"), { number: "4242424242424242" });
    await replaceCardOnFile(h, buyer, { number: "4000000000000341" });
    const sw = async (body: unknown) => h.call("POST", `/payments/products/user/${buyer.id}/switch`, { access: { token: await tokenOf(h, buyer.id) }, body });
    const refused = await sw({ from_product_id: "basic", to_product_id: "pro", price_id: "yearly" });
    expect(refused.status).toBe(400);
    expect(refused.text).toBe("The plan was not changed because the card on file was not charged: Your card was declined.");
    expect((await products(h, customer)).ids).toEqual([["basic", 1]]);
    expect(await quantity(h, customer, "credits")).toBe(40);
    expect(await invoices(h, customer)).toEqual([["paid", 500]]);
    await replaceCardOnFile(h, buyer, { number: "4242424242424242" });
    expect((await sw({ from_product_id: "basic", to_product_id: "pro", price_id: "yearly" })).status).toBe(200);
    const listed = await products(h, customer);
    expect(listed.ids).toEqual([["pro", 1]]);
    const end = Date.parse(listed.items[0].subscription.current_period_end);
    const now = (await h.call("GET", "/internal/emulator/clock")).json.now_millis as number;
    expect(end - now).toBeGreaterThan(360 * 24 * 60 * 60 * 1000);
    const [charge] = await invoices(h, customer);
    // $100 for the year less the unused part of the $5 month just paid.
    expect(charge![0]).toBe("paid");
    expect(charge![1]).toBeGreaterThanOrEqual(9500);
    expect(charge![1]).toBeLessThan(10000);
  });

  it("a customer without a card on file gets DEFAULT_PAYMENT_METHOD_REQUIRED", async () => {
    const buyer = await newBuyer(h);
    await confirm(h, await checkoutSecret(h, { type: "user", id: buyer.id }, "basic", "monthly"), { number: "4242424242424242" });
    await h.emulator.db.query("UPDATE provider_customers SET default_payment_method_id = NULL WHERE customer_id = $1", [buyer.id]);
    await h.emulator.db.query("UPDATE provider_payment_methods SET provider_customer_id = NULL WHERE provider_customer_id IN (SELECT id FROM provider_customers WHERE customer_id = $1)", [buyer.id]);
    const r = await h.call("POST", `/payments/products/user/${buyer.id}/switch`, { access: { token: await tokenOf(h, buyer.id) }, body: { from_product_id: "basic", to_product_id: "pro" } });
    expect(r.json).toEqual({ code: "DEFAULT_PAYMENT_METHOD_REQUIRED", details: { customer_type: "user", customer_id: buyer.id }, error: "No default payment method is set for this customer." });
  });
});
