/**
 * Every test card's outcome at the checkout, through the emulator's HTTP routes: what the payment
 * says, what is granted (only on success), the emails sent, and that a declined buyer can try
 * another card; a double-clicked "Pay" charges once; a subscription bought with a card is billed
 * and its card kept on file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { authenticate, checkoutSecret, confirm, DAY, invoices, liveHarness, newBuyer, outbox, products, quantity, readPayment, transactions } from "./live.js";

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

const declines: [string, string, string, string, string][] = [
  ["generic decline", "4000 0000 0000 0002", "card_declined", "generic_decline", "Your card was declined."],
  ["insufficient funds", "4000000000009995", "card_declined", "insufficient_funds", "Your card has insufficient funds."],
  ["expired card", "4000-0000-0000-0069", "expired_card", "expired_card", "Your card has expired."],
  ["incorrect CVC", "4000000000000127", "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."],
  ["processing error", "4000000000000119", "processing_error", "processing_error", "An error occurred while processing your card. Try again in a little bit."],
  ["attaches but fails when charged", "4000000000000341", "card_declined", "generic_decline", "Your card was declined."],
  ["a valid number that is not a test card", "4111111111111111", "card_declined", "test_mode_live_card", "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing."],
];

describe("one-time purchase", () => {
  it("4242 4242 4242 4242 succeeds: the purchase is granted, a receipt is sent, the transaction shows the money", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once", 2);
    const before = await readPayment(h, secret);
    expect(before.json).toMatchObject({
      status: "requires_payment_method",
      amount: 1000,
      amount_formatted: "$10.00",
      purchase: { kind: "one_time", product_id: "credit_pack", product_display_name: "Credit pack", price_id: "once", quantity: 2, customer_id: buyer.id },
      last_payment_error: null,
    });
    const paid = await confirm(h, secret, { number: "4242 4242 4242 4242", name: "Ada Lovelace" });
    expect(paid.status).toBe(200);
    expect(paid.json).toMatchObject({ status: "succeeded", amount: 1000, last_payment_error: null, next_action: null });
    expect(await quantity(h, customer, "credits")).toBe(100);
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 2]]);
    const emails = await outbox(h, customer);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      kind: "payment_receipt",
      to: { user_id: buyer.id, email: buyer.email },
      status: "sent",
      subject: "Your receipt from Test project",
      product_name: "Credit pack",
      amount: "$10.00",
      variables: { productName: "Credit pack", amount: "$10.00", quantity: 2 },
    });
    expect(emails[0].text).toContain("Total paid: $10.00");
    expect(emails[0].html).toContain("Hi, Ada! Your payment for Credit pack is complete.");
    const [purchase] = await transactions(h, customer);
    expect(purchase).toMatchObject({ type: "purchase", test_mode: false, adjusted_by: [] });
    expect(purchase.entries).toHaveLength(2);
    expect(purchase.entries[1]).toMatchObject({ type: "money_transfer", charged_amount: { USD: "10" }, net_amount: { USD: "10" } });
  });

  it.each(declines)("%s: %s is declined with Stripe's code and message, grants nothing, and the buyer can try another card", async (_, number, code, declineCode, message) => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once");
    const declined = await confirm(h, secret, { number });
    expect(declined.status).toBe(200);
    expect(declined.json).toMatchObject({ status: "requires_payment_method", last_payment_error: { type: "card_error", code, decline_code: declineCode, message } });
    expect(await quantity(h, customer, "credits")).toBe(0);
    expect((await products(h, customer)).ids).toEqual([]);
    expect(await transactions(h, customer)).toEqual([]);
    // The hosted API sends a failure email for a declined one-time payment.
    const emails = await outbox(h, customer);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ kind: "payment_failed", subject: "Payment failed for Test project", amount: "$5.00", product_name: "Credit pack", variables: { failureReason: message } });
    expect(emails[0].text).toContain(`Reason: ${message}`);

    const retried = await confirm(h, secret, { number: "4242424242424242" });
    expect(retried.json).toMatchObject({ status: "succeeded", last_payment_error: null });
    expect(await quantity(h, customer, "credits")).toBe(50);
    expect((await outbox(h, customer)).map((e) => e.kind)).toEqual(["payment_receipt", "payment_failed"]);
  });

  it("4000 0027 6000 3184 asks for 3-D Secure: failing it declines, approving it pays", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once");
    const pending = await confirm(h, secret, { number: "4000002760003184" });
    expect(pending.json).toMatchObject({ status: "requires_action", next_action: { type: "three_d_secure" }, last_payment_error: null });
    expect(await quantity(h, customer, "credits")).toBe(0);
    const failed = await authenticate(h, secret, "fail");
    expect(failed.json).toMatchObject({
      status: "requires_payment_method",
      next_action: null,
      last_payment_error: { code: "payment_intent_authentication_failure", message: "We are unable to authenticate your payment method. Please choose a different payment method and try again." },
    });
    expect(await quantity(h, customer, "credits")).toBe(0);
    // Nothing waits for authentication any more.
    const stray = await authenticate(h, secret, "approve");
    expect(stray.status).toBe(400);
    expect(stray.json.error).toMatchObject({ type: "invalid_request_error", code: "payment_intent_unexpected_state" });
    expect((await confirm(h, secret, { number: "4000002760003184" })).json.status).toBe("requires_action");
    const approved = await authenticate(h, secret, "approve");
    expect(approved.json).toMatchObject({ status: "succeeded", last_payment_error: null, next_action: null });
    expect(await quantity(h, customer, "credits")).toBe(50);
  });

  it("a double-clicked Pay charges once, whether the clicks arrive together or one after the other", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once");
    const [a, b] = await Promise.all([confirm(h, secret, { number: "4242424242424242" }), confirm(h, secret, { number: "4242424242424242" })]);
    expect([a.json.status, b.json.status]).toEqual(["succeeded", "succeeded"]);
    const again = await confirm(h, secret, { number: "4242424242424242" });
    expect(again.json.status).toBe("succeeded");
    expect(await quantity(h, customer, "credits")).toBe(50);
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 1]]);
    expect(await transactions(h, customer, "purchase")).toHaveLength(1);
    expect(await outbox(h, customer)).toHaveLength(1);
    const events = await h.call("GET", "/internal/emulator/provider/events?type=payment_intent.succeeded&limit=200", { access: "admin" });
    expect(events.json.items.filter((e: { data: { object: { id: string } } }) => secret.startsWith(e.data.object.id))).toHaveLength(1);
  });

  it("redelivering the payment's event grants nothing twice and sends no second receipt", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "credit_pack", "once");
    await confirm(h, secret, { number: "4242424242424242" });
    const events = await h.call("GET", "/internal/emulator/provider/events?type=payment_intent.succeeded&limit=200", { access: "admin" });
    const event = events.json.items.find((e: { data: { object: { id: string } } }) => secret.startsWith(e.data.object.id));
    for (let i = 0; i < 3; i++) {
      const r = await h.call("POST", `/internal/emulator/provider/events/${event.id}/redeliver`, { access: "admin" });
      expect(r.json).toEqual({ received: true });
    }
    expect(await quantity(h, customer, "credits")).toBe(50);
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 1]]);
    expect(await outbox(h, customer)).toHaveLength(1);
    expect((await h.call("POST", "/internal/emulator/provider/events/evt_nope/redeliver", { access: "admin" })).status).toBe(404);
    expect((await h.call("POST", `/internal/emulator/provider/events/${event.id}/redeliver`, { access: "server" })).json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
  });
});

describe("subscription", () => {
  it("paid with 4242: active, invoiced, the card kept on file, the receipt sent", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "pro", "monthly");
    expect((await readPayment(h, secret)).json).toMatchObject({ amount: 1000, purchase: { kind: "subscription", interval: [1, "month"] }, subscription: { status: "incomplete" } });
    expect((await products(h, customer)).ids).toEqual([]);
    expect(await invoices(h, customer)).toEqual([]);
    const paid = await confirm(h, secret, { number: "5555 5555 5555 4444", exp_month: 1, exp_year: 40 });
    expect(paid.json).toMatchObject({ status: "succeeded", subscription: { status: "active" } });
    const listed = await products(h, customer);
    expect(listed.ids).toEqual([["pro", 1]]);
    expect(listed.items[0]).toMatchObject({ type: "subscription", subscription: { cancel_at_period_end: false, is_cancelable: true } });
    expect(await quantity(h, customer, "credits")).toBe(100);
    expect(await invoices(h, customer)).toEqual([["paid", 1000]]);
    const billing = await h.call("GET", `/payments/billing/user/${buyer.id}`, { access: { token: buyer.token } });
    expect(billing.json).toMatchObject({ has_customer: true, default_payment_method: { brand: "mastercard", last4: "4444", exp_month: 1, exp_year: 2040 } });
    const emails = await outbox(h, customer);
    expect(emails.map((e) => [e.kind, e.product_name, e.amount])).toEqual([["payment_receipt", "Pro", "$10.00"]]);
  });

  it("a declined first payment leaves nothing bought; unpaid, the checkout expires after 23 hours", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "basic", "monthly");
    const declined = await confirm(h, secret, { number: "4000000000009995" });
    expect(declined.json).toMatchObject({ status: "requires_payment_method", subscription: { status: "incomplete" }, last_payment_error: { decline_code: "insufficient_funds" } });
    expect((await products(h, customer)).ids).toEqual([]);
    expect(await invoices(h, customer)).toEqual([]);
    // The hosted API only emails failed renewals that ran out of retries.
    expect(await outbox(h, customer)).toEqual([]);
    await h.advanceClock(23 * 60 * 60 * 1000 + 1000);
    const expired = await readPayment(h, secret);
    expect(expired.json).toMatchObject({ status: "canceled", subscription: { status: "incomplete_expired" } });
    const late = await confirm(h, secret, { number: "4242424242424242" });
    expect(late.status).toBe(400);
    expect(late.json.error.code).toBe("payment_intent_unexpected_state");
    expect((await products(h, customer)).ids).toEqual([]);
    expect(await quantity(h, customer, "credits")).toBe(0);
  });

  it("3-D Secure on the first invoice: approved, the subscription starts", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "basic", "monthly");
    expect((await confirm(h, secret, { number: "4000002760003184" })).json.status).toBe("requires_action");
    expect((await products(h, customer)).ids).toEqual([]);
    expect((await authenticate(h, secret, "approve")).json).toMatchObject({ status: "succeeded", subscription: { status: "active" } });
    expect((await products(h, customer)).ids).toEqual([["basic", 1]]);
  });

  it("buying in a plan line replaces the active subscription there when the payment succeeds, not before", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    await confirm(h, await checkoutSecret(h, customer, "basic", "monthly"), { number: "4242424242424242" });
    const secret = await checkoutSecret(h, customer, "lifetime", "once");
    await confirm(h, secret, { number: "4000000000000002" });
    expect((await products(h, customer)).ids).toEqual([["basic", 1]]);
    await confirm(h, secret, { number: "4242424242424242" });
    expect((await products(h, customer)).ids).toEqual([["lifetime", 1]]);
    // Basic's credits expired with it; Lifetime includes none.
    expect(await quantity(h, customer, "credits")).toBe(0);
    const cancellations = await transactions(h, customer, "subscription-cancellation");
    expect(cancellations).toHaveLength(1);
    expect(cancellations[0].entries[0]).toMatchObject({ type: "product_revocation", quantity: 1 });
    await h.advanceClock(40 * DAY);
    expect(await invoices(h, customer)).toEqual([["paid", 500]]);
  });
});
