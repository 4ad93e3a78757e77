/**
 * Helpers for the live-mode tests: a project in live mode (test mode off) of the worker's
 * emulator, buyers with a primary email, and the checkout steps as the checkout page takes them
 * (create-purchase-url, purchase-session, confirm with a card, the 3-D Secure answer), all over
 * the emulator's HTTP routes.
 */
import type { PaymentsConfig } from "../../../src/core/schemas/index.js";
import { createHarness, type Answer, type Harness } from "../payments/harness.js";

export const DAY = 24 * 60 * 60 * 1000;

/** Live-mode payments config: plans in one line, a stackable pack, and prices for the edge cases. */
export const LIVE_CONFIG: PaymentsConfig = {
  testMode: false,
  items: {
    credits: { displayName: "Credits", customerType: "user" },
    team_credits: { displayName: "Team credits", customerType: "team" },
    custom_credits: { customerType: "custom" },
  },
  productLines: { plans: { displayName: "Plans", customerType: "user" } },
  products: {
    basic: {
      displayName: "Basic",
      productLineId: "plans",
      prices: { monthly: { USD: "5", interval: [1, "month"] } },
      includedItems: { credits: { quantity: 40, repeat: [1, "month"], expires: "when-repeated" } },
    },
    pro: {
      displayName: "Pro",
      productLineId: "plans",
      prices: { monthly: { USD: "10", interval: [1, "month"] }, yearly: { USD: "100", interval: [1, "year"] } },
      includedItems: { credits: { quantity: 100, repeat: [1, "month"], expires: "when-repeated" } },
    },
    lifetime: { displayName: "Lifetime", productLineId: "plans", prices: { once: { USD: "300" } } },
    credit_pack: {
      displayName: "Credit pack",
      stackable: true,
      prices: { once: { USD: "5" } },
      includedItems: { credits: { quantity: 50, expires: "never" } },
    },
    big_pack: { displayName: "Big pack", stackable: true, prices: { once: { USD: "999999" } } },
    euro_pack: { displayName: "Euro pack", prices: { once: { EUR: "10" } } },
    cheap: { displayName: "Cheap", prices: { once: { USD: "0.1" } } },
    team_plan: {
      displayName: "Team plan",
      customerType: "team",
      prices: { monthly: { USD: "50", interval: [1, "month"] } },
      includedItems: { team_credits: { quantity: 10, expires: "when-purchase-expires" } },
    },
    custom_pack: { customerType: "custom", stackable: true, prices: { once: { USD: "2" } }, includedItems: { custom_credits: { quantity: 10 } } },
  },
};

/** A harness on a live-mode project. */
export function liveHarness(config: PaymentsConfig = LIVE_CONFIG): Harness {
  return createHarness({ config });
}

/** A card a test types in. */
export interface TestCard {
  number: string;
  exp_month?: number;
  exp_year?: number;
  cvc?: string;
  name?: string;
}

/** Creates a user with a primary email (so payment emails have a recipient) and a session token. */
export async function newBuyer(h: Harness, name = "Ada"): Promise<{ id: string; email: string; token: string }> {
  const email = `buyer-${crypto.randomUUID()}@example.com`;
  const r = await h.call("POST", "/users", { body: { primary_email: email, display_name: name } });
  if (r.status !== 201 && r.status !== 200) throw new Error(`user creation failed: ${r.status} ${r.text}`);
  const id = r.json.id as string;
  const s = await h.call("POST", "/auth/sessions", { body: { user_id: id } });
  if (s.status !== 200) throw new Error(`session failed: ${s.status} ${s.text}`);
  return { id, email, token: s.json.access_token as string };
}

/** A fresh access token of a user (tokens expire as the test clock moves). */
export async function tokenOf(h: Harness, userId: string): Promise<string> {
  const s = await h.call("POST", "/auth/sessions", { body: { user_id: userId } });
  if (s.status !== 200) throw new Error(`session failed: ${s.status} ${s.text}`);
  return s.json.access_token as string;
}

/** create-purchase-url, then purchase-session: the client secret of the payment to confirm. */
export async function startCheckout(
  h: Harness,
  customer: { type: string; id: string },
  productId: string,
  priceId: string,
  quantity?: number,
): Promise<{ code: string; session: Answer }> {
  const url = await h.call("POST", "/payments/purchases/create-purchase-url", { body: { customer_type: customer.type, customer_id: customer.id, product_id: productId } });
  if (url.status !== 200) throw new Error(`create-purchase-url failed: ${url.status} ${url.text}`);
  const code = new URL(url.json.url as string).pathname.split("/").pop()!;
  const body: Record<string, unknown> = { full_code: code, price_id: priceId };
  if (quantity !== undefined) body.quantity = quantity;
  const session = await h.call("POST", "/payments/purchases/purchase-session", { access: "none", body });
  return { code, session };
}

/** The client secret of a started checkout (fails the test when the session was refused). */
export async function checkoutSecret(h: Harness, customer: { type: string; id: string }, productId: string, priceId: string, quantity?: number): Promise<string> {
  const { session } = await startCheckout(h, customer, productId, priceId, quantity);
  if (session.status !== 200) throw new Error(`purchase-session failed: ${session.status} ${session.text}`);
  return session.json.client_secret as string;
}

function cardBody(card: TestCard) {
  return { number: card.number, exp_month: card.exp_month ?? 12, exp_year: card.exp_year ?? 2045, cvc: card.cvc ?? "123", ...(card.name === undefined ? {} : { name: card.name }) };
}

/** Confirms a payment with a card (the checkout page's "Pay"). */
export function confirm(h: Harness, clientSecret: string, card: TestCard): Promise<Answer> {
  return h.call("POST", "/internal/emulator/provider/payment-intents/confirm", { access: "none", body: { client_secret: clientSecret, card: cardBody(card) } });
}

/** Answers a payment's 3-D Secure step. */
export function authenticate(h: Harness, clientSecret: string, outcome: "approve" | "fail"): Promise<Answer> {
  return h.call("POST", "/internal/emulator/provider/payment-intents/authenticate", { access: "none", body: { client_secret: clientSecret, outcome } });
}

/** Reads a payment as the checkout page does. */
export function readPayment(h: Harness, clientSecret: string): Promise<Answer> {
  return h.call("GET", `/internal/emulator/provider/payment-intents?client_secret=${encodeURIComponent(clientSecret)}`, { access: "none" });
}

/** Saves a card for a customer (setup-intent, confirm) and makes it the default (set-default). */
export async function replaceCardOnFile(h: Harness, buyer: { id: string }, card: TestCard): Promise<Answer> {
  const token = await tokenOf(h, buyer.id);
  const si = await h.call("POST", `/payments/payment-method/user/${buyer.id}/setup-intent`, { access: { token }, body: {} });
  if (si.status !== 200) throw new Error(`setup-intent failed: ${si.status} ${si.text}`);
  const secret = si.json.client_secret as string;
  const confirmed = await h.call("POST", "/internal/emulator/provider/setup-intents/confirm", { access: "none", body: { client_secret: secret, card: cardBody(card) } });
  if (confirmed.status !== 200 || confirmed.json.status !== "succeeded") throw new Error(`setup confirm failed: ${confirmed.status} ${confirmed.text}`);
  return h.call("POST", `/payments/payment-method/user/${buyer.id}/set-default`, { access: { token }, body: { setup_intent_id: secret.split("_secret_")[0] } });
}

/** An item's quantity for a customer. */
export async function quantity(h: Harness, customer: { type: string; id: string }, itemId: string): Promise<number> {
  const r = await h.call("GET", `/payments/items/${customer.type}/${customer.id}/${itemId}`);
  if (r.status !== 200) throw new Error(`item read failed: ${r.status} ${r.text}`);
  return r.json.quantity as number;
}

/** The customer's owned products as `[id, quantity]` pairs, and the full listing. */
export async function products(h: Harness, customer: { type: string; id: string }): Promise<{ ids: [string | null, number][]; items: any[] }> {
  const r = await h.call("GET", `/payments/products/${customer.type}/${customer.id}`);
  if (r.status !== 200) throw new Error(`products failed: ${r.status} ${r.text}`);
  return { ids: r.json.items.map((i: { id: string | null; quantity: number }) => [i.id, i.quantity]), items: r.json.items };
}

/** The customer's invoices as `[status, amount_total]`, newest first. */
export async function invoices(h: Harness, customer: { type: string; id: string }): Promise<[string | null, number][]> {
  const r = await h.call("GET", `/payments/invoices/${customer.type}/${customer.id}?limit=100`);
  if (r.status !== 200) throw new Error(`invoices failed: ${r.status} ${r.text}`);
  return r.json.items.map((i: { status: string | null; amount_total: number }) => [i.status, i.amount_total]);
}

/** The outbox emails of a customer, newest first. */
export async function outbox(h: Harness, customer: { type: string; id: string }): Promise<any[]> {
  const r = await h.call("GET", `/internal/emulator/outbox?customer_type=${customer.type}&customer_id=${customer.id}&limit=200`, { access: "admin" });
  if (r.status !== 200) throw new Error(`outbox failed: ${r.status} ${r.text}`);
  return r.json.items;
}

/** The project's transactions of a customer, newest first. */
export async function transactions(h: Harness, customer: { type: string; id: string }, type?: string): Promise<any[]> {
  const r = await h.call("GET", `/internal/payments/transactions?customer_type=${customer.type}&customer_id=${customer.id}&limit=200${type ? `&type=${type}` : ""}`, { access: "admin" });
  if (r.status !== 200) throw new Error(`transactions failed: ${r.status} ${r.text}`);
  return r.json.transactions;
}
