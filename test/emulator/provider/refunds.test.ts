/**
 * `POST /internal/payments/transactions/refund` in both body forms, on purchases paid through the
 * provider (the simulated purchase route and the card checkout): every rule and error of the
 * contract, what a refund takes back, how it shows in transactions, and that a retry refunds
 * nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { checkoutSecret, confirm, DAY, liveHarness, newBuyer, products, quantity, transactions } from "./live.js";

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

const refund = (body: unknown, access: "admin" | "server" = "admin") => h.call("POST", "/internal/payments/transactions/refund", { access, body });

async function simulate(customer: { type: string; id: string }, productId: string, extra: Record<string, unknown> = {}) {
  const r = await h.call("POST", "/internal/emulator/simulate-purchase", { access: "admin", body: { customer_type: customer.type, customer_id: customer.id, product_id: productId, ...extra } });
  expect(r.status, r.text).toBe(200);
  return r.json as { transaction_id: string; payment_intent_id: string; amount_usd: string; subscription_id?: string; one_time_purchase_id?: string };
}

async function paymentIntent(id: string) {
  const events = await h.call("GET", "/internal/emulator/provider/events?limit=200", { access: "admin" });
  return events.json.items.filter((e: { data: { object: { id: string } } }) => e.data.object.id === id).map((e: { data: { object: unknown } }) => e.data.object);
}

describe("simulated paid purchases", () => {
  it("charge test card 4242 through the provider: granted, transaction with money, receipt", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const made = await simulate(customer, "credit_pack", { quantity: 3 });
    expect(made).toMatchObject({ amount_usd: "15", one_time_purchase_id: made.transaction_id });
    expect(made.payment_intent_id).toMatch(/^pi_/);
    expect(await quantity(h, customer, "credits")).toBe(150);
    const [t] = await transactions(h, customer);
    expect(t).toMatchObject({ id: made.transaction_id, type: "purchase", test_mode: false });
    expect(t.entries[1]).toMatchObject({ type: "money_transfer", charged_amount: { USD: "15" } });
    const sub = await simulate(customer, "pro");
    expect(sub.subscription_id).toBe(sub.transaction_id);
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 3], ["pro", 1]]);
  });

  it("checks its input like a purchase and is admin only", async () => {
    const buyer = await newBuyer(h);
    const base = { customer_type: "user", customer_id: buyer.id };
    const call = (body: unknown, access: "admin" | "server" = "admin") => h.call("POST", "/internal/emulator/simulate-purchase", { access, body });
    expect((await call({ ...base, product_id: "credit_pack" }, "server")).json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect((await call({ ...base, product_id: "nope" })).json.code).toBe("PRODUCT_DOES_NOT_EXIST");
    expect((await call({ ...base, product_id: "team_plan" })).json.code).toBe("PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH");
    expect((await call({ customer_type: "user", customer_id: crypto.randomUUID(), product_id: "credit_pack" })).json.code).toBe("USER_NOT_FOUND");
    expect((await call({ ...base, product_id: "pro", quantity: 2 })).text).toBe("This product is not stackable; quantity must be 1");
    expect((await call({ ...base, product_id: "credit_pack", quantity: 10_000_000 })).status).toBe(400);
    expect((await call({ ...base, product_id: "credit_pack", price_id: "nope" })).text).toBe("Price not found on product associated with this purchase code");
    expect((await call({ ...base, product_id: "credit_pack", extra: 1 })).json.code).toBe("SCHEMA_ERROR");
    expect((await products(h, { type: "user", id: buyer.id })).ids).toEqual([]);
  });
});

describe("refunds, the contract's form", () => {
  it("refunds a one-time purchase: the quantity is revoked, the payment refunded, the transaction adjusted; a retry is refused", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const made = await simulate(customer, "credit_pack", { quantity: 3 });
    const r = await refund({ type: "one-time-purchase", id: made.transaction_id, refund_entries: [{ entry_index: 0, quantity: 2, amount_usd: "10" }] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: true, refund_transaction_id: `${made.transaction_id}:refund` });
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 1]]);
    // Items already granted stay (the hosted ledger revokes products, not their items).
    expect(await quantity(h, customer, "credits")).toBe(150);
    const all = await transactions(h, customer);
    const refundTx = all.find((t) => t.type === "refund");
    expect(refundTx).toMatchObject({ id: `${made.transaction_id}:refund`, customer_id: buyer.id, test_mode: false });
    expect(refundTx.entries).toEqual([
      { type: "product_revocation", adjusted_transaction_id: made.transaction_id, adjusted_entry_index: 0, quantity: 2 },
      { type: "money_transfer", adjusted_transaction_id: null, adjusted_entry_index: null, customer_type: "user", customer_id: buyer.id, charged_amount: { USD: "-10" }, net_amount: { USD: "-10" } },
    ]);
    expect(all.find((t) => t.id === made.transaction_id).adjusted_by).toEqual([{ transaction_id: `${made.transaction_id}:refund`, entry_index: 0 }]);
    expect((await paymentIntent(made.payment_intent_id)).length).toBeGreaterThan(0);
    // The provider's payment was refunded by the amount.
    const refunded = await h.emulator.db.query<{ amount_refunded: number }>("SELECT amount_refunded FROM provider_payment_intents WHERE id = $1", [made.payment_intent_id]);
    expect(Number(refunded[0]!.amount_refunded)).toBe(1000);
    const again = await refund({ type: "one-time-purchase", id: made.transaction_id, refund_entries: [{ entry_index: 0, quantity: 1, amount_usd: "5" }] });
    expect(again.status).toBe(400);
    expect(again.json).toEqual({
      code: "ONE_TIME_PURCHASE_ALREADY_REFUNDED",
      details: { one_time_purchase_id: made.transaction_id },
      error: `One-time purchase with ID "${made.transaction_id}" was already refunded.`,
    });
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 1]]);
    expect((await transactions(h, customer, "refund"))).toHaveLength(1);
  });

  it("answers every error of the contract, and changes nothing", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const made = await simulate(customer, "credit_pack", { quantity: 2 });
    const id = made.transaction_id;
    const schema = async (entries: unknown[], message: string) => {
      const r = await refund({ type: "one-time-purchase", id, refund_entries: entries });
      expect(r.status, message).toBe(400);
      expect(r.json, message).toEqual({ code: "SCHEMA_ERROR", details: { message }, error: message });
    };
    await schema([{ entry_index: 0, quantity: 1.5, amount_usd: "5" }], "Refund quantity must be an integer.");
    await schema([{ entry_index: 0, quantity: -1, amount_usd: "5" }], "Refund quantity cannot be negative.");
    await schema([{ entry_index: 0, quantity: 1, amount_usd: "5" }, { entry_index: 0, quantity: 1, amount_usd: "5" }], "Refund entries cannot contain duplicate entry indexes.");
    await schema([{ entry_index: 999, quantity: 1, amount_usd: "5" }], "Refund entry index is invalid.");
    await schema([{ entry_index: -1, quantity: 1, amount_usd: "5" }], "Refund entry index is invalid.");
    await schema([{ entry_index: 1, quantity: 1, amount_usd: "5" }], "Refund entries must reference product grant entries.");
    await schema([{ entry_index: 0, quantity: 3, amount_usd: "5" }], "Refund quantity cannot exceed purchased quantity.");
    await schema([{ entry_index: 0, quantity: 1, amount_usd: "10.01" }], "Refund amount cannot exceed the charged amount.");
    await schema([{ entry_index: 0, quantity: 1, amount_usd: "99999999999999999999.99" }], "Refund amount cannot exceed the charged amount.");
    const money = await refund({ type: "one-time-purchase", id, refund_entries: [{ entry_index: 0, quantity: 1, amount_usd: "-1" }] });
    expect(money.json.details.message).toBe("Request validation failed on POST /api/v1/internal/payments/transactions/refund:\n  - Money amount must be in the format of <number> or <number>.<number>");
    expect((await refund({ type: "one-time-purchase", id, refund_entries: [{ entry_index: 0, quantity: 1, amount_usd: 5 }] })).json.code).toBe("SCHEMA_ERROR");
    expect((await refund({ type: "gift", id, refund_entries: [] })).json.code).toBe("SCHEMA_ERROR");
    const missing = crypto.randomUUID();
    expect((await refund({ type: "one-time-purchase", id: missing, refund_entries: [] })).json).toEqual({
      code: "ONE_TIME_PURCHASE_NOT_FOUND",
      details: { one_time_purchase_id: missing },
      error: `One-time purchase with ID "${missing}" does not exist.`,
    });
    expect((await refund({ type: "subscription", id: missing, refund_entries: [] })).json).toEqual({
      code: "SUBSCRIPTION_INVOICE_NOT_FOUND",
      details: { subscription_invoice_id: missing },
      error: `Subscription invoice with ID "${missing}" does not exist.`,
    });
    // A one-time purchase refunded as a subscription is not found.
    expect((await refund({ type: "subscription", id, refund_entries: [] })).json.code).toBe("SUBSCRIPTION_INVOICE_NOT_FOUND");
    expect((await refund({ type: "one-time-purchase", id, refund_entries: [] }, "server")).json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect((await products(h, customer)).ids).toEqual([["credit_pack", 2]]);
    expect(await transactions(h, customer, "refund")).toEqual([]);
    // A zero amount is refused (it would use up the payment's one refund); a real one then goes through.
    expect((await refund({ type: "one-time-purchase", id, refund_entries: [{ entry_index: 0, quantity: 0, amount_usd: "0" }] })).json.code).toBe("SCHEMA_ERROR");
    expect((await refund({ type: "one-time-purchase", id, refund_entries: [{ entry_index: 0, quantity: 1, amount_usd: "5" }] })).json.success).toBe(true);
  });

  it("test-mode purchases and grants are not refundable", async () => {
    const h2 = liveHarness({ testMode: true, products: { pack: { customerType: "custom", prices: { once: { USD: "5" } } }, plan: { customerType: "custom", prices: { m: { USD: "5", interval: [1, "month"] } } } } });
    try {
      const c = `c-${crypto.randomUUID()}`;
      const url = await h2.call("POST", "/payments/purchases/create-purchase-url", { body: { customer_type: "custom", customer_id: c, product_id: "pack" } });
      const code = new URL(url.json.url).pathname.split("/").pop();
      await h2.call("POST", "/internal/payments/test-mode-purchase-session", { access: "none", body: { full_code: code, price_id: "once" } });
      const [bought] = (await h2.call("GET", "/internal/payments/transactions", { access: "admin" })).json.transactions;
      expect(bought.test_mode).toBe(true);
      const r = await h2.call("POST", "/internal/payments/transactions/refund", { access: "admin", body: { type: "one-time-purchase", id: bought.id, refund_entries: [{ entry_index: 0, quantity: 1, amount_usd: "5" }] } });
      expect(r.json).toEqual({ code: "TEST_MODE_PURCHASE_NON_REFUNDABLE", error: "Test mode purchases are not refundable." });
      const granted = await h2.call("POST", `/payments/products/custom/${c}`, { body: { product_id: "plan" } });
      const g = await h2.call("POST", "/internal/payments/transactions/refund", { access: "admin", body: { type: "subscription", id: granted.json.subscription_id, amount_usd: "5" } });
      expect(g.json.code).toBe("SUBSCRIPTION_INVOICE_NOT_FOUND");
    } finally {
      await h2.close();
    }
  });

  it("refunds a subscription's first invoice: seats taken back now, the subscription cancels at period end", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const made = await simulate(customer, "pro");
    const r = await refund({ type: "subscription", id: made.transaction_id, refund_entries: [{ entry_index: 0, quantity: 1, amount_usd: "10" }] });
    expect(r.json).toEqual({ success: true, refund_transaction_id: `${made.transaction_id}:refund` });
    const listed = await products(h, customer);
    expect(listed.ids).toEqual([]);
    const again = await refund({ type: "subscription", id: made.transaction_id, refund_entries: [{ entry_index: 0, quantity: 0, amount_usd: "0" }] });
    expect(again.json).toEqual({ code: "SUBSCRIPTION_ALREADY_REFUNDED", details: { subscription_id: made.transaction_id }, error: `Subscription with ID "${made.transaction_id}" was already refunded.` });
    await h.advanceClock(32 * DAY);
    // No renewal was charged for a subscription with no seats left.
    const invoices = await h.call("GET", `/payments/invoices/user/${buyer.id}`);
    expect(invoices.json.items.map((i: { status: string; amount_total: number }) => [i.status, i.amount_total])).toEqual([["paid", 1000]]);
  });
});

describe("refunds, the official 2.8.108 SDK's form", () => {
  it("one-time purchase: a partial amount takes the whole purchase back", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const made = await simulate(customer, "credit_pack", { quantity: 2 });
    const r = await refund({ type: "one-time-purchase", id: made.transaction_id, amount_usd: "2.5" });
    expect(r.json).toEqual({ success: true, refund_transaction_id: `${made.transaction_id}:refund` });
    const refunded = await h.emulator.db.query<{ amount_refunded: number }>("SELECT amount_refunded FROM provider_payment_intents WHERE id = $1", [made.payment_intent_id]);
    expect(Number(refunded[0]!.amount_refunded)).toBe(250);
    expect((await products(h, customer)).ids).toEqual([]);
    const refundTx = (await transactions(h, customer, "refund"))[0];
    expect(refundTx.entries[0]).toMatchObject({ type: "product_revocation", quantity: 2 });
    expect(refundTx.entries[1]).toMatchObject({ charged_amount: { USD: "-2.5" } });
    expect((await refund({ type: "one-time-purchase", id: made.transaction_id, amount_usd: "1" })).json.code).toBe("ONE_TIME_PURCHASE_ALREADY_REFUNDED");
    expect((await refund({ type: "one-time-purchase", id: made.transaction_id, amount_usd: "20.01" })).json.code).toBe("ONE_TIME_PURCHASE_ALREADY_REFUNDED");
  });

  it("subscription: end_action now ends it with its items; a renewal invoice is refunded by its id", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const secret = await checkoutSecret(h, customer, "pro", "monthly");
    await confirm(h, secret, { number: "4242424242424242" });
    const [purchase] = await transactions(h, customer, "purchase");
    await h.advanceClock(31 * DAY + 60_000);
    const [renewal] = await transactions(h, customer, "subscription-renewal");
    expect(renewal).toBeDefined();
    const tooMuch = await refund({ type: "subscription", id: purchase.id, invoice_id: renewal.id, amount_usd: "10.01" });
    expect(tooMuch.json.details.message).toBe("Refund amount cannot exceed the charged amount.");
    const partial = await refund({ type: "subscription", id: purchase.id, invoice_id: renewal.id, amount_usd: "4" });
    expect(partial.json).toEqual({ success: true, refund_transaction_id: `${purchase.id}:refund:${renewal.id}` });
    expect((await products(h, customer)).ids).toEqual([["pro", 1]]);
    expect((await transactions(h, customer, "subscription-renewal"))[0].adjusted_by).toEqual([{ transaction_id: `${purchase.id}:refund:${renewal.id}`, entry_index: 0 }]);
    expect((await refund({ type: "subscription", id: purchase.id, invoice_id: renewal.id, amount_usd: "1" })).json.code).toBe("SUBSCRIPTION_ALREADY_REFUNDED");
    expect((await refund({ type: "subscription", id: purchase.id, invoice_id: "in_nope", amount_usd: "1" })).json).toMatchObject({ code: "SUBSCRIPTION_INVOICE_NOT_FOUND", details: { subscription_invoice_id: "in_nope" } });
    const ended = await refund({ type: "subscription", id: purchase.id, amount_usd: "10", end_action: "now" });
    expect(ended.json.success).toBe(true);
    expect((await products(h, customer)).ids).toEqual([]);
    expect(await quantity(h, customer, "credits")).toBe(0);
    expect(await transactions(h, customer, "subscription-cancellation")).toHaveLength(1);
  });

  it("subscription: end_action at-period-end keeps it until then", async () => {
    const buyer = await newBuyer(h);
    const customer = { type: "user", id: buyer.id };
    const made = await simulate(customer, "basic");
    expect((await refund({ type: "subscription", id: made.transaction_id, amount_usd: "5", end_action: "at-period-end" })).json.success).toBe(true);
    const listed = await products(h, customer);
    expect(listed.items[0]).toMatchObject({ id: "basic", subscription: { cancel_at_period_end: true } });
    await h.advanceClock(32 * DAY);
    expect((await products(h, customer)).ids).toEqual([]);
  });
});
