/**
 * What the hosted API does with each Stripe webhook, done for the emulator's provider events in
 * the transaction of the change that sent them:
 *
 * - `payment_intent.succeeded` of a one-time purchase: the purchase is recorded, keyed by the
 *   payment intent (a redelivery never grants twice), and a receipt is sent;
 * - `payment_intent.payment_failed` of a one-time purchase: a failure email;
 * - subscription, invoice and (invoice) payment events: every subscription of the customer is
 *   synced into the payments records and invoices are kept; `invoice.payment_succeeded` sends a
 *   receipt, `invoice.payment_failed` of an uncollectible invoice a failure email;
 * - the events the hosted API ignores are ignored.
 *
 * Conflicting subscriptions of the bought product's line are replaced when the payment succeeds
 * (the hosted API replaces them when the checkout session starts), so a declined or abandoned
 * payment changes nothing.
 */
import type { CustomerType } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { appendCustomerEvents } from "../live-events.js";
import type { ResolvedProduct } from "../payments/products.js";
import { nextPurchaseId, ownedProductsInLine, type ChosenProduct } from "../payments/purchase.js";
import { isActiveSubscription } from "../payments/customer-state.js";
import { endSubscription, insertPurchase, loadPurchases, lockCustomer, type CustomerRef, type PurchaseRecord } from "../payments/store.js";
import { getProjectConfig } from "../project-config.js";
import { sendPaymentEmail } from "./payment-emails.js";
import { newEventOutbox, storeEvents, type EventOutbox } from "./provider-events.js";
import { getProviderCustomer, getSubscription, type ProviderCustomer, type ProviderEvent } from "./provider-store.js";
import { cancelNow } from "./subscriptions.js";
import { syncProviderSubscriptions, upsertSubscriptionInvoice } from "./subscription-sync.js";

/** Events that make the hosted API re-sync the customer's subscriptions. */
const SUBSCRIPTION_EVENTS = new Set([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "invoice.created",
  "invoice.finalized",
  "invoice.updated",
  "invoice.voided",
  "invoice.paid",
  "invoice.payment_failed",
  "invoice.payment_action_required",
  "invoice.marked_uncollectible",
  "invoice.payment_succeeded",
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
]);

/** Events the hosted API receives and ignores. */
const IGNORED_EVENTS = new Set(["account.updated", "account.application.authorized", "capability.updated", "charge.failed", "balance.available", "customer.updated"]);

const CUSTOMER_TYPES = new Set(["user", "team", "custom"]);

function metadataOf(event: ProviderEvent): Record<string, string> {
  return (event.object.metadata ?? {}) as Record<string, string>;
}

/**
 * Ends the active subscriptions of `chosen`'s product line (other products, not its add-on
 * bases) at `at`: the ones the provider bills are canceled there (their end comes back through
 * the sync), the others end in the records.
 */
async function replaceLineSubscriptions(tx: SqlExecutor, outbox: EventOutbox, c: CustomerRef, chosen: ChosenProduct, purchases: PurchaseRecord[], at: number): Promise<string[]> {
  const replaced = ownedProductsInLine(chosen, purchases, at).flatMap((o) => o.purchases.filter((p) => isActiveSubscription(p, at)));
  const touched: string[] = [];
  for (const old of replaced) {
    for (const item of Object.keys(old.includedItems)) touched.push(item);
    const rows = await tx.query<{ stripe_subscription_id: string | null }>("SELECT stripe_subscription_id FROM payments_purchases WHERE id = $1", [old.id]);
    const providerSubId = rows[0]?.stripe_subscription_id ?? null;
    if (providerSubId !== null) {
      const sub = await getSubscription(tx, providerSubId, true);
      if (sub) await cancelNow(tx, outbox, sub, at);
      continue;
    }
    await endSubscription(tx, c, old.id, at, false);
    await tx.query("UPDATE payments_purchases SET canceled_at = $2 WHERE id = $1", [old.id, at]);
  }
  return touched;
}

/** A subscription's first payment went through: it replaces the other subscriptions of its line. */
async function replaceForNewSubscription(tx: SqlExecutor, outbox: EventOutbox, subscriptionId: string, at: number): Promise<void> {
  const sub = await getSubscription(tx, subscriptionId);
  const customer = sub && (await getProviderCustomer(tx, sub.providerCustomerId));
  if (!sub || !customer) return;
  const c: CustomerRef = { projectId: customer.projectId, customerType: customer.customerType, customerId: customer.customerId };
  await lockCustomer(tx, c);
  const purchases = await loadPurchases(tx, c);
  const touched = await replaceLineSubscriptions(tx, outbox, c, { productId: sub.metadata.productId, product: sub.metadata.product }, purchases, at);
  if (touched.length === 0) return;
  const config = await getProjectConfig(tx, c.projectId);
  await appendCustomerEvents(tx, c, config.payments, { itemIds: touched, products: true }, at);
}

/** `payment_intent.succeeded` of a one-time purchase: records it once, then sends the receipt. */
async function recordOneTimePurchase(tx: SqlExecutor, outbox: EventOutbox, event: ProviderEvent): Promise<void> {
  const meta = metadataOf(event);
  if (!CUSTOMER_TYPES.has(meta.customerType ?? "") || !meta.customerId) throw new Error(`Payment ${String(event.object.id)} has no customer metadata.`);
  const c: CustomerRef = { projectId: event.projectId, customerType: meta.customerType as CustomerType, customerId: meta.customerId };
  const product = JSON.parse(meta.product ?? "null") as ResolvedProduct | null;
  if (!product) throw new Error(`Payment ${String(event.object.id)} has no product metadata.`);
  const quantity = Math.max(1, Number(meta.purchaseQuantity || 1));
  const productId = meta.productId ? meta.productId : null;
  const priceId = meta.priceId ? meta.priceId : null;
  const paymentIntentId = String(event.object.id);
  const at = event.createdAt;

  await lockCustomer(tx, c);
  const existing = await tx.query<{ id: string }>("SELECT id FROM payments_purchases WHERE project_id = $1 AND stripe_payment_intent_id = $2", [c.projectId, paymentIntentId]);
  if (existing[0]) {
    // The hosted upsert's update: the same values again, so nothing changes.
    await tx.query("UPDATE payments_purchases SET product_id = $2, price_id = $3, product = $4::json, quantity = $5 WHERE id = $1", [
      existing[0].id,
      productId,
      priceId,
      JSON.stringify(product),
      quantity,
    ]);
  } else {
    const purchases = await loadPurchases(tx, c);
    const touched = new Set(Object.keys(product.includedItems));
    for (const item of await replaceLineSubscriptions(tx, outbox, c, { productId, product }, purchases, at)) touched.add(item);
    const id = nextPurchaseId(purchases, at);
    await insertPurchase(tx, c, {
      id,
      kind: "one_time",
      productId,
      product,
      includedItems: product.includedItems,
      priceId,
      quantity,
      createdAt: at,
      status: "completed",
      periodInterval: null,
      cancelAtPeriodEnd: false,
      endedAt: null,
      creationSource: "PURCHASE_PAGE",
    });
    await tx.query("UPDATE payments_purchases SET stripe_payment_intent_id = $2 WHERE id = $1", [id, paymentIntentId]);
    const config = await getProjectConfig(tx, c.projectId);
    await appendCustomerEvents(tx, c, config.payments, { itemIds: [...touched], products: true }, at);
  }
  await sendPaymentEmail(tx, {
    projectId: c.projectId,
    kind: "payment_receipt",
    sourceEventId: event.id,
    customerType: c.customerType,
    customerId: c.customerId,
    productName: product.displayName || "Purchase",
    quantity,
    amountCents: Number(event.object.amount_received ?? 0),
    createdAt: at,
  });
}

/** The invoice fields the payments side keeps, from an invoice event's snapshot. */
function invoiceFromEvent(event: ProviderEvent): Parameters<typeof upsertSubscriptionInvoice>[1] {
  const o = event.object;
  return {
    projectId: event.projectId,
    id: String(o.id),
    subscriptionId: String(o.subscription),
    billingReason: o.billing_reason as "subscription_create" | "subscription_cycle" | "subscription_update",
    status: o.status as "draft" | "open" | "paid" | "uncollectible" | "void",
    totalCents: Number(o.total),
    amountPaid: Number(o.amount_paid),
    createdAt: Number(o.created_at_millis),
  };
}

/** Emails about a subscription invoice go to the customer the provider customer stands for. */
async function invoiceEmail(tx: SqlExecutor, event: ProviderEvent, kind: "payment_receipt" | "payment_failed", customers: CustomerCache): Promise<void> {
  const customer = await customers(String(event.object.customer));
  if (!customer) throw new Error(`Invoice ${String(event.object.id)} has no customer.`);
  const line = ((event.object.lines as { data?: { description?: string; quantity?: number }[] } | undefined)?.data ?? [])[0];
  await sendPaymentEmail(tx, {
    projectId: event.projectId,
    kind,
    sourceEventId: event.id,
    customerType: customer.customerType,
    customerId: customer.customerId,
    productName: line?.description ?? "Subscription",
    quantity: kind === "payment_receipt" ? (line?.quantity ?? 1) : undefined,
    amountCents: Number(kind === "payment_receipt" ? event.object.amount_paid : event.object.amount_due),
    createdAt: event.createdAt,
  });
}

/** Provider customers read once per delivery. */
type CustomerCache = (id: string) => Promise<ProviderCustomer | null>;

async function handleEvents(tx: SqlExecutor, outbox: EventOutbox, events: readonly ProviderEvent[]): Promise<void> {
  const known = new Map<string, Promise<ProviderCustomer | null>>();
  const customers: CustomerCache = (id) => {
    let found = known.get(id);
    if (!found) known.set(id, (found = getProviderCustomer(tx, id)));
    return found;
  };
  const customersToSync = new Map<string, number>();
  // The hosted API keeps an invoice from the event's snapshot; the newest snapshot wins.
  const invoicesToKeep = new Map<string, ProviderEvent>();
  const startedSubscriptions = new Map<string, number>();
  const emails: (() => Promise<void>)[] = [];
  for (const event of events) {
    const meta = metadataOf(event);
    if (event.type === "payment_intent.succeeded" && meta.purchaseKind === "ONE_TIME") {
      await recordOneTimePurchase(tx, outbox, event);
    } else if (event.type === "payment_intent.payment_failed" && meta.purchaseKind === "ONE_TIME") {
      const product = JSON.parse(meta.product ?? "null") as ResolvedProduct | null;
      const error = event.object.last_payment_error as { message?: string } | null;
      emails.push(() =>
        sendPaymentEmail(tx, {
          projectId: event.projectId,
          kind: "payment_failed",
          sourceEventId: event.id,
          customerType: meta.customerType as CustomerType,
          customerId: meta.customerId ?? "",
          productName: product?.displayName || "Purchase",
          amountCents: Number(event.object.amount ?? 0),
          failureReason: error?.message,
          createdAt: event.createdAt,
        }).then(() => undefined),
      );
    } else if (SUBSCRIPTION_EVENTS.has(event.type)) {
      const customer = event.object.customer;
      if (typeof customer !== "string") throw new Error(`Provider event ${event.id} has no customer.`);
      customersToSync.set(customer, event.createdAt);
      if (event.type.startsWith("invoice.")) invoicesToKeep.set(String(event.object.id), event);
      if (event.type === "invoice.paid" && event.object.billing_reason === "subscription_create")
        startedSubscriptions.set(String(event.object.subscription), event.createdAt);
      if (event.type === "invoice.payment_succeeded") emails.push(() => invoiceEmail(tx, event, "payment_receipt", customers));
      if (event.type === "invoice.payment_failed" && event.object.status === "uncollectible") emails.push(() => invoiceEmail(tx, event, "payment_failed", customers));
    } else if (!IGNORED_EVENTS.has(event.type)) {
      throw new Error(`Unknown provider event type received: ${event.type}`);
    }
  }
  for (const [id, at] of startedSubscriptions) await replaceForNewSubscription(tx, outbox, id, at);
  // The hosted API syncs once per event from the provider's current state; syncing once per
  // customer after all the events of a change reaches the same records.
  for (const [customer, at] of customersToSync) await syncProviderSubscriptions(tx, customer, at, await customers(customer));
  for (const event of invoicesToKeep.values()) await upsertSubscriptionInvoice(tx, invoiceFromEvent(event));
  for (const send of emails) await send();
}

/**
 * Delivers the events of a change to the webhook handling, including any events that handling
 * causes (a purchase replacing a subscription the provider bills), until none are left.
 */
export async function deliverEvents(tx: SqlExecutor, outbox: EventOutbox): Promise<void> {
  let delivered = 0;
  for (let round = 0; delivered < outbox.events.length; round++) {
    if (round > 20) throw new Error("Provider events kept causing more events.");
    await storeEvents(tx, outbox);
    const batch = outbox.events.slice(delivered);
    delivered = outbox.events.length;
    await handleEvents(tx, outbox, batch);
  }
}

/** Delivers one stored event again (what a webhook redelivery does); the handling is idempotent. */
export async function redeliverEvent(tx: SqlExecutor, event: ProviderEvent): Promise<void> {
  const outbox = newEventOutbox(event.projectId);
  await handleEvents(tx, outbox, [event]);
  await deliverEvents(tx, outbox);
}
