/**
 * Twelve months of one customer's subscriptions on the test clock, checking items, products,
 * invoices, billing, transactions and emails at every step: monthly renewals charged to the card
 * on file, a card swapped for one that fails when charged, the failed renewal retried for two
 * weeks then ended with its items, a new subscription, a plan switch charging the prorated
 * difference, a cancellation at period end, and quiet months after it.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { checkoutSecret, confirm, DAY, invoices, liveHarness, newBuyer, outbox, products, quantity, replaceCardOnFile, tokenOf, transactions } from "./live.js";

const HOUR = 60 * 60 * 1000;

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

async function now(): Promise<number> {
  return (await h.call("GET", "/internal/emulator/clock")).json.now_millis as number;
}

async function advanceTo(target: number): Promise<void> {
  const current = await now();
  if (target > current) await h.advanceClock(Math.ceil(target - current));
}

async function periodEnd(customer: { type: string; id: string }): Promise<number> {
  const { items } = await products(h, customer);
  return Date.parse(items[0].subscription.current_period_end as string);
}

it("renewals, a failed renewal after a card swap, a new plan, a switch, a cancellation at period end", async () => {
  const buyer = await newBuyer(h, "Grace");
  const customer = { type: "user", id: buyer.id };
  const start = await now();
  const emailKinds = async () => (await outbox(h, customer)).map((e) => `${e.kind} ${e.product_name} ${e.amount}`);
  const billing = async () => (await h.call("GET", `/payments/billing/user/${buyer.id}`, { access: { token: await tokenOf(h, buyer.id) } })).json.default_payment_method?.last4;

  // Month 0: Pro, $10 a month, paid with 4242.
  expect((await confirm(h, await checkoutSecret(h, customer, "pro", "monthly"), { number: "4242424242424242" })).json.status).toBe("succeeded");
  expect((await products(h, customer)).ids).toEqual([["pro", 1]]);
  expect(await quantity(h, customer, "credits")).toBe(100);
  expect(await invoices(h, customer)).toEqual([["paid", 1000]]);
  expect(await billing()).toBe("4242");
  expect(await emailKinds()).toEqual(["payment_receipt Pro $10.00"]);

  // Months 1 and 2: each period end charges the card on file and writes an invoice.
  for (let month = 1; month <= 2; month++) {
    const end = await periodEnd(customer);
    await advanceTo(end + HOUR);
    expect(await periodEnd(customer)).toBeGreaterThan(end);
    expect(await invoices(h, customer)).toEqual(Array.from({ length: month + 1 }, () => ["paid", 1000]));
    expect((await products(h, customer)).items[0]).toMatchObject({ id: "pro", type: "subscription" });
    expect(await quantity(h, customer, "credits")).toBe(100);
    expect((await emailKinds()).filter((e) => e === "payment_receipt Pro $10.00")).toHaveLength(month + 1);
  }
  const renewals = await transactions(h, customer, "subscription-renewal");
  expect(renewals).toHaveLength(2);
  expect(renewals[0].entries).toEqual([expect.objectContaining({ type: "money_transfer", charged_amount: { USD: "10" }, net_amount: { USD: "10" } })]);

  // The card on file is replaced by one that saves fine but fails when charged.
  const swapped = await replaceCardOnFile(h, buyer, { number: "4000000000000341" });
  expect(swapped.json).toMatchObject({ success: true, default_payment_method: { last4: "0341" } });
  expect(await billing()).toBe("0341");

  // Month 3: the renewal fails. The subscription is past due: still owned, no longer listed as an
  // active subscription; the invoice stays open and is retried; no failure email yet.
  const failedAt = await periodEnd(customer);
  await advanceTo(failedAt + HOUR);
  expect(await invoices(h, customer)).toEqual([["open", 1000], ["paid", 1000], ["paid", 1000], ["paid", 1000]]);
  const pastDue = await products(h, customer);
  expect(pastDue.ids).toEqual([["pro", 1]]);
  expect(pastDue.items[0]).toMatchObject({ type: "one_time", subscription: null });
  expect(await quantity(h, customer, "credits")).toBe(100);
  expect((await emailKinds()).some((e) => e.startsWith("payment_failed"))).toBe(false);

  await advanceTo(failedAt + 7 * DAY);
  expect((await invoices(h, customer))[0]).toEqual(["open", 1000]);
  expect((await products(h, customer)).ids).toEqual([["pro", 1]]);
  const attempts = await h.call("GET", "/internal/emulator/provider/events?type=invoice.payment_failed&limit=200", { access: "admin" });
  const mine = attempts.json.items.filter((e: { data: { object: { customer: string; status: string } } }) => e.data.object.status === "open");
  expect(mine.length).toBeGreaterThanOrEqual(4);

  // Two weeks after the failure the retries have run out: the invoice is uncollectible, the
  // subscription ends with its items, and the failure email goes out.
  await advanceTo(failedAt + 14 * DAY + HOUR);
  expect((await invoices(h, customer))[0]).toEqual(["uncollectible", 1000]);
  expect((await products(h, customer)).ids).toEqual([]);
  expect(await quantity(h, customer, "credits")).toBe(0);
  const failure = (await outbox(h, customer))[0];
  expect(failure).toMatchObject({ kind: "payment_failed", subject: "Payment failed for Test project", product_name: "Pro", amount: "$10.00", to: { email: buyer.email } });
  expect(failure.text).toContain("Please update your payment details to avoid service interruption.");
  const ended = await transactions(h, customer, "subscription-cancellation");
  expect(ended).toHaveLength(1);
  expect(ended[0].effective_at_millis).toBeGreaterThanOrEqual(failedAt + 14 * DAY);

  // Month 4: Basic, $5, with a new card at the checkout (it becomes the card on file).
  expect((await confirm(h, await checkoutSecret(h, customer, "basic", "monthly"), { number: "4242424242424242" })).json.status).toBe("succeeded");
  expect(await billing()).toBe("4242");
  expect((await products(h, customer)).ids).toEqual([["basic", 1]]);
  expect(await quantity(h, customer, "credits")).toBe(40);
  const basicEnd = await periodEnd(customer);

  // Ten days in, a switch to Pro: the prorated difference is charged at once, Basic's credits
  // end and Pro's start, and the billing period stays.
  await h.advanceClock(10 * DAY);
  const switched = await h.call("POST", `/payments/products/user/${buyer.id}/switch`, { access: { token: await tokenOf(h, buyer.id) }, body: { from_product_id: "basic", to_product_id: "pro" } });
  expect(switched.status).toBe(200);
  expect((await products(h, customer)).ids).toEqual([["pro", 1]]);
  expect(await quantity(h, customer, "credits")).toBe(100);
  expect(await periodEnd(customer)).toBe(basicEnd);
  const [proration] = await invoices(h, customer);
  expect(proration![0]).toBe("paid");
  expect(proration![1]).toBeGreaterThan(250);
  expect(proration![1]).toBeLessThan(500);
  const [change] = await transactions(h, customer, "product-change");
  expect(change.entries.map((e: { type: string }) => e.type)).toEqual(["product_revocation", "product_grant", "money_transfer"]);
  expect(change.entries[1]).toMatchObject({ product_id: "pro", price_id: "monthly" });
  expect(change.entries[2].charged_amount.USD).toBe((proration![1] / 100).toString());
  expect((await outbox(h, customer))[0]).toMatchObject({ kind: "payment_receipt", product_name: "Pro" });

  // The next period end renews Pro at $10.
  await advanceTo(basicEnd + HOUR);
  expect((await invoices(h, customer))[0]).toEqual(["paid", 1000]);
  const lastEnd = await periodEnd(customer);

  // Cancel at period end: still owned (and listed with cancel_at_period_end) until then.
  const cancel = await h.call("DELETE", `/payments/products/user/${buyer.id}/pro`, { access: { token: await tokenOf(h, buyer.id) } });
  expect(cancel.json).toEqual({ success: true });
  const pending = await products(h, customer);
  expect(pending.items[0]).toMatchObject({ id: "pro", type: "subscription", subscription: { cancel_at_period_end: true } });
  await advanceTo(lastEnd - DAY);
  expect((await products(h, customer)).ids).toEqual([["pro", 1]]);
  expect(await quantity(h, customer, "credits")).toBe(100);
  const invoicesBefore = (await invoices(h, customer)).length;
  await advanceTo(lastEnd + HOUR);
  expect((await products(h, customer)).ids).toEqual([]);
  expect(await quantity(h, customer, "credits")).toBe(0);
  expect(await invoices(h, customer)).toHaveLength(invoicesBefore);
  expect(await transactions(h, customer, "subscription-cancellation")).toHaveLength(2);

  // The rest of the year is quiet: no invoice, no email, nothing owned.
  const emailsBefore = (await outbox(h, customer)).length;
  await advanceTo(start + 366 * DAY);
  expect(await invoices(h, customer)).toHaveLength(invoicesBefore);
  expect(await outbox(h, customer)).toHaveLength(emailsBefore);
  expect((await products(h, customer)).ids).toEqual([]);
  expect(await billing()).toBe("4242");
  const kinds = (await transactions(h, customer)).map((t) => t.type);
  expect(kinds.filter((k) => k === "purchase")).toHaveLength(2);
  expect(kinds.filter((k) => k === "subscription-renewal")).toHaveLength(3);
  expect(kinds.filter((k) => k === "product-change")).toHaveLength(1);
});
