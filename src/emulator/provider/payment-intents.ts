/**
 * Payments at the checkout: a one-time purchase's payment intent, or a subscription's first
 * invoice, confirmed with a card the buyer typed. The card's test number decides the outcome:
 * `succeeded`, `requires_action` (a 3-D Secure step the buyer approves or fails), or back to
 * `requires_payment_method` with Stripe's decline code and message so the buyer can try another
 * card. A confirmation of a payment that already succeeded charges nothing (a double-clicked
 * "Pay"); the purchase rules are checked again before any charge, so a card is never charged for
 * something that can no longer be bought. As on the hosted service (Stripe knows nothing of it), a
 * customer deleted after the checkout began is not looked up again.
 */
import type { CustomerType, PaymentIntentView } from "../../core/schemas/index.js";
import { emulatorNow } from "../clock.js";
import type { Db, SqlExecutor } from "../db.js";
import type { ResolvedProduct } from "../payments/products.js";
import { validatePurchase } from "../payments/purchase.js";
import { loadPurchases } from "../payments/store.js";
import { catchUpProvider } from "./catch-up.js";
import { formatUsd } from "./money.js";
import { emitEvent, newEventOutbox, paymentIntentObject, type EventOutbox } from "./provider-events.js";
import { ProviderRequestError } from "./provider-request-error.js";
import {
  attachPaymentMethod,
  findPaymentIntentBySecret,
  getInvoice,
  getPaymentMethod,
  getProviderCustomer,
  getSubscription,
  insertPaymentIntent,
  insertPaymentMethod,
  providerId,
  setDefaultPaymentMethod,
  updatePaymentIntent,
  type ProviderCustomer,
  type ProviderPaymentIntent,
  type ProviderPaymentMethod,
} from "./provider-store.js";
import { settleInvoicePayment } from "./subscriptions.js";
import { AUTHENTICATION_FAILED, chargeOutcome, readCard, type CardInput, type ChargeOutcome, type CheckedCard } from "./test-cards.js";
import { deliverEvents } from "./webhook-handler.js";

/** What a one-time purchase's payment carries, as the hosted API sets its metadata. */
export interface OneTimePurchaseMetadata {
  customerType: CustomerType;
  customerId: string;
  productId: string | null;
  product: ResolvedProduct;
  priceId: string;
  quantity: number;
}

/** Creates the payment intent of a one-time purchase (`purchaseKind: "ONE_TIME"`). */
export async function createOneTimePaymentIntent(
  tx: SqlExecutor,
  customer: ProviderCustomer,
  values: { amountCents: number; purchase: OneTimePurchaseMetadata; now: number },
): Promise<ProviderPaymentIntent> {
  const id = providerId("pi");
  const p = values.purchase;
  const pi: ProviderPaymentIntent = {
    id,
    projectId: customer.projectId,
    providerCustomerId: customer.id,
    clientSecret: `${id}_secret_${providerId("s").slice(2)}`,
    amountCents: values.amountCents,
    currency: "usd",
    status: "requires_payment_method",
    paymentMethodId: null,
    lastError: null,
    metadata: {
      productId: p.productId ?? "",
      product: JSON.stringify(p.product),
      customerId: p.customerId,
      customerType: p.customerType,
      purchaseQuantity: String(p.quantity),
      purchaseKind: "ONE_TIME",
      tenancyId: customer.projectId,
      priceId: p.priceId,
    },
    invoiceId: null,
    amountReceived: 0,
    amountRefunded: 0,
    createdAt: values.now,
    updatedAt: values.now,
  };
  await insertPaymentIntent(tx, pi);
  return pi;
}

/** What a payment buys: from a one-time payment's metadata or a subscription's. */
async function purchaseOf(tx: SqlExecutor, pi: ProviderPaymentIntent): Promise<{ view: PaymentIntentView["purchase"]; subscription: PaymentIntentView["subscription"]; product: ResolvedProduct; initial: boolean }> {
  if (pi.invoiceId === null) {
    const m = pi.metadata;
    const product = JSON.parse(m.product ?? "null") as ResolvedProduct;
    return {
      view: {
        kind: "one_time",
        project_id: pi.projectId,
        customer_type: m.customerType as CustomerType,
        customer_id: m.customerId ?? "",
        product_id: m.productId ? m.productId : null,
        product_display_name: product.displayName || "Purchase",
        price_id: m.priceId ?? null,
        quantity: Number(m.purchaseQuantity ?? 1),
        interval: null,
      },
      subscription: null,
      product,
      initial: true,
    };
  }
  const invoice = (await getInvoice(tx, pi.invoiceId))!;
  const sub = (await getSubscription(tx, invoice.subscriptionId))!;
  const customer = (await getProviderCustomer(tx, sub.providerCustomerId))!;
  return {
    view: {
      kind: "subscription",
      project_id: pi.projectId,
      customer_type: customer.customerType,
      customer_id: customer.customerId,
      product_id: sub.metadata.productId,
      product_display_name: sub.metadata.product.displayName || "Subscription",
      price_id: sub.metadata.priceId,
      quantity: invoice.quantity,
      interval: sub.interval,
    },
    subscription: { id: sub.id, status: sub.status },
    product: sub.metadata.product,
    initial: invoice.billingReason === "subscription_create",
  };
}

/** A payment intent as the checkout page reads it. */
export async function paymentIntentView(tx: SqlExecutor, pi: ProviderPaymentIntent): Promise<PaymentIntentView> {
  const { view, subscription } = await purchaseOf(tx, pi);
  const error = pi.lastError;
  return {
    id: pi.id,
    status: pi.status,
    amount: pi.amountCents,
    amount_formatted: formatUsd(pi.amountCents),
    currency: "usd",
    last_payment_error: error === null ? null : { type: "card_error", code: error.code, ...(error.decline_code === undefined ? {} : { decline_code: error.decline_code }), message: error.message },
    next_action: pi.status === "requires_action" ? { type: "three_d_secure" } : null,
    purchase: view,
    subscription,
  };
}

/** The refusal of an unknown client secret. */
export function unknownSecret(kind: "payment" | "setup"): ProviderRequestError {
  return new ProviderRequestError(404, "invalid_request_error", "resource_missing", `No such ${kind === "payment" ? "payment intent" : "setup intent"} for this client secret.`, "client_secret");
}

/** Reads a payment intent by client secret. */
export async function readPaymentIntent(db: Db, clientSecret: string, realNow: () => number): Promise<PaymentIntentView> {
  const found = await findPaymentIntentBySecret(db, clientSecret);
  if (!found) throw unknownSecret("payment");
  await catchUpProvider(db, found.projectId, await emulatorNow(db, found.projectId, realNow));
  const pi = (await findPaymentIntentBySecret(db, clientSecret))!;
  return paymentIntentView(db, pi);
}

/** Refuses the charge (throws the purchase rule's error) when the purchase can no longer be made. */
async function checkStillPurchasable(tx: SqlExecutor, pi: ProviderPaymentIntent, now: number): Promise<void> {
  const { view, product, initial } = await purchaseOf(tx, pi);
  if (!initial) return;
  const purchases = await loadPurchases(tx, { projectId: pi.projectId, customerType: view.customer_type, customerId: view.customer_id });
  validatePurchase({ productId: view.product_id, product }, purchases, { priceId: view.price_id, quantity: view.quantity, customerId: view.customer_id }, now);
}

/** Records the result of one attempt to pay a one-time purchase. */
async function settleOneTimePayment(tx: SqlExecutor, outbox: EventOutbox, pi: ProviderPaymentIntent, pm: ProviderPaymentMethod, outcome: ChargeOutcome, at: number): Promise<void> {
  pi.paymentMethodId = pm.id;
  pi.updatedAt = at;
  if (outcome.kind === "requires_action") {
    pi.status = "requires_action";
    pi.lastError = null;
    await updatePaymentIntent(tx, pi);
    return;
  }
  if (outcome.kind === "succeeded") {
    pi.status = "succeeded";
    pi.lastError = null;
    pi.amountReceived = pi.amountCents;
    await updatePaymentIntent(tx, pi);
    await emitEvent(tx, outbox, "payment_intent.succeeded", paymentIntentObject(pi), at);
    return;
  }
  pi.status = "requires_payment_method";
  pi.lastError = outcome.error;
  await updatePaymentIntent(tx, pi);
  await emitEvent(tx, outbox, "payment_intent.payment_failed", paymentIntentObject(pi), at);
}

/**
 * Applies a charge outcome to a payment with a card. A subscription's card that paid becomes the
 * customer's card on file (what renewals charge), as `save_default_payment_method: on_subscription`
 * keeps it for the subscription.
 */
export async function settlePayment(tx: SqlExecutor, pi: ProviderPaymentIntent, pm: ProviderPaymentMethod, outcome: ChargeOutcome, at: number): Promise<void> {
  const outbox = newEventOutbox(pi.projectId);
  if (pi.invoiceId === null) {
    await settleOneTimePayment(tx, outbox, pi, pm, outcome, at);
  } else {
    if (outcome.kind === "succeeded" && pi.providerCustomerId !== null) {
      await attachPaymentMethod(tx, pm.id, pi.providerCustomerId);
      await setDefaultPaymentMethod(tx, pi.providerCustomerId, pm.id);
    }
    await settleInvoicePayment(tx, outbox, pi, pm, outcome, at);
  }
  await deliverEvents(tx, outbox);
}

/** Locks a payment by secret for a change: unknown, canceled or paid payments are answered here. */
async function lockForChange(tx: SqlExecutor, clientSecret: string): Promise<ProviderPaymentIntent | { done: ProviderPaymentIntent }> {
  const pi = await findPaymentIntentBySecret(tx, clientSecret, true);
  if (!pi) throw unknownSecret("payment");
  if (pi.status === "succeeded") return { done: pi };
  if (pi.status === "canceled")
    throw new ProviderRequestError(
      400,
      "invalid_request_error",
      "payment_intent_unexpected_state",
      "This payment was canceled: its subscription was not paid within 23 hours of the checkout. Start a new checkout.",
    );
  return pi;
}

/**
 * The typed card, or a {@link ProviderRequestError} naming the field that is malformed (number,
 * expiry, CVC), as Stripe answers a card it cannot read.
 */
export function readCardOrRefuse(card: CardInput, now: number): CheckedCard {
  const read = readCard(card, now);
  if ("problem" in read) throw new ProviderRequestError(400, "card_error", read.problem.code, read.problem.message, read.problem.param);
  return read.card;
}

/** Stores a typed card as a payment method of the project, not yet attached to a customer. */
export async function saveCard(tx: SqlExecutor, projectId: string, card: CheckedCard, now: number): Promise<ProviderPaymentMethod> {
  const pm: ProviderPaymentMethod = {
    id: providerId("pm"),
    projectId,
    providerCustomerId: null,
    brand: card.brand,
    last4: card.last4,
    expMonth: card.expMonth,
    expYear: card.expYear,
    behavior: card.behavior,
    name: card.name,
    createdAt: now,
  };
  await insertPaymentMethod(tx, pm);
  return pm;
}

/**
 * Confirms a payment with a card (see the module comment). Malformed cards are refused with a
 * {@link ProviderRequestError} naming the field and change nothing.
 */
export async function confirmPaymentIntent(db: Db, clientSecret: string, card: CardInput, realNow: () => number): Promise<PaymentIntentView> {
  const found = await findPaymentIntentBySecret(db, clientSecret);
  if (!found) throw unknownSecret("payment");
  const now = await emulatorNow(db, found.projectId, realNow);
  await catchUpProvider(db, found.projectId, now);
  return db.transaction(
    async (tx) => {
      const locked = await lockForChange(tx, clientSecret);
      if ("done" in locked) return paymentIntentView(tx, locked.done);
      const pi = locked;
      const read = readCardOrRefuse(card, now);
      await checkStillPurchasable(tx, pi, now);
      const pm = await saveCard(tx, pi.projectId, read, now);
      await settlePayment(tx, pi, pm, chargeOutcome(pm.behavior, "on"), now);
      return paymentIntentView(tx, (await findPaymentIntentBySecret(tx, clientSecret))!);
    },
    { isolation: "read committed" },
  );
}

/** The buyer's answer to a 3-D Secure step: approving charges the card, failing declines it. */
export async function authenticatePaymentIntent(db: Db, clientSecret: string, outcome: "approve" | "fail", realNow: () => number): Promise<PaymentIntentView> {
  const found = await findPaymentIntentBySecret(db, clientSecret);
  if (!found) throw unknownSecret("payment");
  const now = await emulatorNow(db, found.projectId, realNow);
  await catchUpProvider(db, found.projectId, now);
  return db.transaction(
    async (tx) => {
      const locked = await lockForChange(tx, clientSecret);
      if ("done" in locked) return paymentIntentView(tx, locked.done);
      const pi = locked;
      if (pi.status !== "requires_action")
        throw new ProviderRequestError(400, "invalid_request_error", "payment_intent_unexpected_state", "This payment is not waiting for a 3-D Secure authentication.");
      const pm = (await getPaymentMethod(tx, pi.paymentMethodId))!;
      if (outcome === "approve") await checkStillPurchasable(tx, pi, now);
      await settlePayment(tx, pi, pm, outcome === "approve" ? { kind: "succeeded" } : { kind: "failed", error: AUTHENTICATION_FAILED }, now);
      return paymentIntentView(tx, (await findPaymentIntentBySecret(tx, clientSecret))!);
    },
    { isolation: "read committed" },
  );
}
