/**
 * Bad input at the card checkout gets a clear message naming what was wrong, and changes nothing:
 * malformed card numbers, past or impossible expiry dates (by the emulator's clock), bad security
 * codes, wrong types, unknown client secrets, huge quantities, prices a card cannot pay, used and
 * foreign purchase codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { checkoutSecret, confirm, DAY, liveHarness, newBuyer, outbox, products, readPayment, startCheckout } from "./live.js";

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

/** Asserts that nothing happened to the payment or the buyer. */
async function expectUnchanged(secret: string, customer: { type: string; id: string }) {
  expect((await readPayment(h, secret)).json).toMatchObject({ status: "requires_payment_method", last_payment_error: null });
  expect((await products(h, customer)).ids).toEqual([]);
  expect(await outbox(h, customer)).toEqual([]);
  const events = await h.call("GET", "/internal/emulator/provider/events?type=payment_intent.payment_failed&limit=200", { access: "admin" });
  expect(events.json.items.filter((e: { data: { object: { id: string } } }) => secret.startsWith(e.data.object.id))).toEqual([]);
}

describe("card details", () => {
  const currentYear = new Date().getUTCFullYear();
  const cases: [string, Record<string, unknown>, string, string, string][] = [
    ["a number failing the Luhn check", { number: "4242 4242 4242 4241" }, "incorrect_number", "card.number", "Your card number is incorrect."],
    ["letters", { number: "4242-abcd-4242-4242" }, "invalid_number", "card.number", "Your card number is invalid: it must have 13 to 19 digits."],
    ["too few digits", { number: "424242424242" }, "invalid_number", "card.number", "Your card number is invalid: it must have 13 to 19 digits."],
    ["too many digits", { number: "42424242424242424242" }, "invalid_number", "card.number", "Your card number is invalid: it must have 13 to 19 digits."],
    ["month 13", { exp_month: 13 }, "invalid_expiry_month", "card.exp_month", "Your card's expiration month is invalid."],
    ["month 0", { exp_month: 0 }, "invalid_expiry_month", "card.exp_month", "Your card's expiration month is invalid."],
    ["last year", { exp_year: currentYear - 1 }, "expired_card", "card.exp_year", "Your card's expiration date is in the past."],
    ["a year far ahead", { exp_year: currentYear + 60 }, "invalid_expiry_year", "card.exp_year", "Your card's expiration year is invalid."],
    ["a two-digit CVC", { cvc: "12" }, "invalid_cvc", "card.cvc", "Your card's security code is invalid: it must have 3 digits."],
    ["a three-digit CVC on an American Express card", { number: "378282246310005", cvc: "123" }, "invalid_cvc", "card.cvc", "Your card's security code is invalid: it must have 4 digits."],
  ];

  it.each(cases)("%s is refused naming the field, and changes nothing", async (_, patch, code, param, message) => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once");
    const card = { number: "4242424242424242", exp_month: 12, exp_year: currentYear + 3, cvc: "123", ...patch };
    const r = await h.call("POST", "/internal/emulator/provider/payment-intents/confirm", { access: "none", body: { client_secret: secret, card } });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: { type: "card_error", code, param, message } });
    await expectUnchanged(secret, customer);
  });

  it("expiry is judged by the emulator's clock: a card valid today is expired three years on", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once");
    const now = new Date((await h.call("GET", "/internal/emulator/clock")).json.now_millis as number);
    const card = { number: "4242424242424242", exp_month: now.getUTCMonth() + 1, exp_year: now.getUTCFullYear() };
    await h.advanceClock(3 * 366 * DAY);
    const r = await confirm(h, secret, card);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: "expired_card", param: "card.exp_year" });
    await expectUnchanged(secret, customer);
  });

  it("wrong types and unknown fields are schema errors naming the field", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once");
    const bodies: [unknown, string][] = [
      [{ client_secret: secret, card: { number: "4242424242424242", exp_month: "12", exp_year: 2040, cvc: "123" } }, "body.card.exp_month"],
      [{ client_secret: secret, card: { number: 4242424242424242, exp_month: 12, exp_year: 2040, cvc: "123" } }, "body.card.number"],
      [{ client_secret: secret, card: { number: "4242424242424242", exp_month: 12, exp_year: 2040, cvc: "123", zip: "1" } }, "zip"],
      [{ client_secret: secret }, "body.card"],
      [{ client_secret: secret, card: { number: "4242424242424242", exp_month: 1.5, exp_year: 2040, cvc: "123" } }, "body.card.exp_month"],
    ];
    for (const [body, field] of bodies) {
      const r = await h.call("POST", "/internal/emulator/provider/payment-intents/confirm", { access: "none", body });
      expect(r.status).toBe(400);
      expect(r.json.code).toBe("SCHEMA_ERROR");
      expect(r.json.error).toContain(field);
    }
    await expectUnchanged(secret, customer);
  });

  it("an unknown or altered client secret is refused without touching any payment", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once");
    const [id] = secret.split("_secret_");
    for (const bad of [`${id}_secret_wrong`, "pi_nope_secret_nope", id!]) {
      for (const r of [await confirm(h, bad, { number: "4242424242424242" }), await readPayment(h, bad), await h.call("POST", "/internal/emulator/provider/payment-intents/authenticate", { access: "none", body: { client_secret: bad, outcome: "approve" } })]) {
        expect(r.status).toBe(404);
        expect(r.json.error).toMatchObject({ type: "invalid_request_error", code: "resource_missing", param: "client_secret" });
      }
    }
    await expectUnchanged(secret, customer);
  });
});

describe("purchase sessions", () => {
  it("a huge quantity is refused with the card limit, a fractional one is a schema error, a non-stackable one names the rule", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const huge = await startCheckout(h, customer, "credit_pack", "once", 1_000_000_000);
    expect(huge.session.status).toBe(400);
    expect(huge.session.text).toBe("The total of 1000000000 × $5.00 is more than the largest amount a card payment can take ($999,999.99).");
    const bigger = await startCheckout(h, customer, "big_pack", "once", 2);
    expect(bigger.session.text).toBe("The total of 2 × $999,999.00 is more than the largest amount a card payment can take ($999,999.99).");
    const unsafe = await startCheckout(h, customer, "credit_pack", "once", Number.MAX_SAFE_INTEGER);
    expect(unsafe.session.status).toBe(400);
    const fraction = await startCheckout(h, customer, "credit_pack", "once", 1.5);
    expect(fraction.session.json.code).toBe("SCHEMA_ERROR");
    const zero = await startCheckout(h, customer, "credit_pack", "once", 0);
    expect(zero.session.json.code).toBe("SCHEMA_ERROR");
    const notStackable = await startCheckout(h, customer, "pro", "monthly", 2);
    expect(notStackable.session.text).toBe("This product is not stackable; quantity must be 1");
    // Refused sessions leave their codes usable.
    const retry = await h.call("POST", "/payments/purchases/purchase-session", { access: "none", body: { full_code: huge.code, price_id: "once", quantity: 3 } });
    expect(retry.status).toBe(200);
    expect((await readPayment(h, retry.json.client_secret)).json.amount).toBe(1500);
    expect((await products(h, customer)).ids).toEqual([]);
  });

  it("prices a card cannot pay are refused: no USD amount, less than $0.50", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    expect((await startCheckout(h, customer, "euro_pack", "once")).session.text).toBe("This price has no USD amount; only USD prices can be paid by card.");
    expect((await startCheckout(h, customer, "cheap", "once")).session.text).toBe("Card payments must be at least $0.50; this one would be $0.10.");
  });

  it("a used purchase code and a code moved to another project are refused", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const { code, session } = await startCheckout(h, customer, "credit_pack", "once");
    expect(session.status).toBe(200);
    const used = await h.call("POST", "/payments/purchases/purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
    expect(used.status).toBe(404);
    expect(used.json.code).toBe("VERIFICATION_CODE_NOT_FOUND");
    const other = await h.emulator.createProject({ config: { testMode: false } });
    try {
      const foreign = `${other.id}_${code.split("_")[1]}`;
      for (const path of ["/payments/purchases/purchase-session", "/payments/purchases/validate-code"]) {
        const r = await h.call("POST", path, { access: "none", body: { full_code: foreign, price_id: "once" } });
        expect(r.json.code, path).toBe(path.endsWith("validate-code") ? "SCHEMA_ERROR" : "VERIFICATION_CODE_NOT_FOUND");
      }
      const validate = await h.call("POST", "/payments/purchases/validate-code", { access: "none", body: { full_code: foreign } });
      expect(validate.json.code).toBe("VERIFICATION_CODE_NOT_FOUND");
    } finally {
      await h.emulator.deleteProject(other.id);
    }
    expect((await products(h, customer)).ids).toEqual([]);
  });

  it("a charge is refused when the purchase is no longer possible, and the card is not charged", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const first = await checkoutSecret(h, customer, "pro", "monthly");
    const second = await checkoutSecret(h, customer, "pro", "monthly");
    expect((await confirm(h, first, { number: "4242424242424242" })).json.status).toBe("succeeded");
    const r = await confirm(h, second, { number: "4242424242424242" });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("PRODUCT_ALREADY_GRANTED");
    expect((await readPayment(h, second)).json).toMatchObject({ status: "requires_payment_method", last_payment_error: null });
    expect((await products(h, customer)).ids).toEqual([["pro", 1]]);
    expect(await outbox(h, customer)).toHaveLength(1);
  });
});
