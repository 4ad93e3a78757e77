/**
 * The provider's subscriptions over time, as Stripe runs them for the hosted API: created
 * `incomplete` with a first invoice to pay (`payment_behavior: default_incomplete`), `active` once
 * paid, renewed at each period end by charging the card on file and writing an invoice, `past_due`
 * while a renewal is unpaid, and ended by a cancellation (at period end), by the retries running
 * out, or (never paid) 23 hours after creation. Plan changes charge the prorated difference at
 * once and fail without changing anything when the card does not pay (`error_if_incomplete`).
 *
 * The retries follow Stripe's default Smart Retries policy for a new account, "8 tries within
 * 2 weeks", placed simply: the renewal's own attempt, then one every two days until day 14. When
 * the last one fails the invoice is marked uncollectible and the subscription is canceled (the
 * default "if all retries fail" settings), which the hosted API's sync turns into the end of the
 * product and its items. The hosted API configures none of these settings itself.
 */
import type { DayInterval } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { addCalendarInterval } from "../ledger.js";
import { emitEvent, invoiceObject, paymentIntentObject, subscriptionObject, type EventOutbox } from "./provider-events.js";
import {
  addCustomerBalance,
  getInvoice,
  getPaymentIntent,
  getPaymentMethod,
  getProviderCustomer,
  getSubscription,
  insertInvoice,
  insertPaymentIntent,
  providerId,
  updateInvoice,
  updatePaymentIntent,
  updateSubscription,
  insertSubscription,
  type BillingReason,
  type ProviderCustomer,
  type ProviderInvoice,
  type ProviderPaymentIntent,
  type ProviderPaymentMethod,
  type ProviderSubscription,
  type SubscriptionMetadata,
} from "./provider-store.js";
import { chargeOutcome, type CardError, type ChargeOutcome } from "./test-cards.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** An unpaid first invoice expires the subscription after this long (Stripe: 23 hours). */
export const INCOMPLETE_EXPIRY_MILLIS = 23 * HOUR;

/** Days after a failed renewal's first attempt at which it is retried: 8 tries within 2 weeks. */
export const RETRY_DAYS = [2, 4, 6, 8, 10, 12, 14] as const;

/** Tries per invoice before the retries run out (the first attempt and each retry). */
export const MAX_ATTEMPTS = RETRY_DAYS.length + 1;

const NO_PAYMENT_METHOD: CardError = {
  type: "card_error",
  code: "payment_method_missing",
  message: "The customer has no card on file to charge.",
};

/** When a subscription next has time-driven work, or null. */
export function nextDueAt(sub: ProviderSubscription, openInvoice: ProviderInvoice | null): number | null {
  if (sub.status === "incomplete") return sub.createdAt + INCOMPLETE_EXPIRY_MILLIS;
  if (sub.status !== "active" && sub.status !== "past_due") return null;
  let due = sub.currentPeriodEnd;
  if (openInvoice && openInvoice.status === "open" && openInvoice.nextPaymentAttempt !== null) due = Math.min(due, openInvoice.nextPaymentAttempt);
  return due;
}

/** Saves a subscription with its next due time; `known` is an invoice the caller holds (saves a read when it is the latest). */
async function saveSubscription(tx: SqlExecutor, sub: ProviderSubscription, known?: ProviderInvoice | null): Promise<void> {
  const latest = known && known.id === sub.latestInvoiceId ? known : await getInvoice(tx, sub.latestInvoiceId);
  sub.nextDueAt = nextDueAt(sub, latest);
  await updateSubscription(tx, sub);
}

/** A new payment intent for an invoice (no `purchaseKind`: the hosted API tells them apart by it). */
function invoicePaymentIntent(invoice: ProviderInvoice, now: number): ProviderPaymentIntent {
  const id = providerId("pi");
  return {
    id,
    projectId: invoice.projectId,
    providerCustomerId: invoice.providerCustomerId,
    clientSecret: `${id}_secret_${providerId("s").slice(2)}`,
    amountCents: invoice.amountDue,
    currency: "usd",
    status: "requires_payment_method",
    paymentMethodId: null,
    lastError: null,
    metadata: {},
    invoiceId: invoice.id,
    amountReceived: 0,
    amountRefunded: 0,
    createdAt: now,
    updatedAt: now,
  };
}

/** Writes a finalized invoice for a subscription (applying the customer's credit), with its payment intent. */
async function createInvoice(
  tx: SqlExecutor,
  outbox: EventOutbox,
  sub: ProviderSubscription,
  customer: ProviderCustomer,
  values: { reason: BillingReason; totalCents: number; periodStart: number; periodEnd: number; at: number },
): Promise<{ invoice: ProviderInvoice; pi: ProviderPaymentIntent }> {
  const amountDue = Math.max(0, values.totalCents + customer.balanceCents);
  const applied = amountDue - values.totalCents;
  if (applied !== 0) await addCustomerBalance(tx, customer.id, applied);
  customer.balanceCents += applied;
  const invoice: ProviderInvoice = {
    id: providerId("in"),
    projectId: sub.projectId,
    providerCustomerId: sub.providerCustomerId,
    subscriptionId: sub.id,
    status: "open",
    billingReason: values.reason,
    totalCents: values.totalCents,
    amountDue,
    amountPaid: 0,
    currency: "usd",
    description: sub.metadata.product.displayName || "Subscription",
    quantity: sub.quantity,
    periodStart: values.periodStart,
    periodEnd: values.periodEnd,
    paymentIntentId: null,
    attemptCount: 0,
    nextPaymentAttempt: null,
    createdAt: values.at,
    paidAt: null,
  };
  const pi = invoicePaymentIntent(invoice, values.at);
  invoice.paymentIntentId = pi.id;
  await insertInvoice(tx, invoice);
  await insertPaymentIntent(tx, pi);
  await emitEvent(tx, outbox, "invoice.created", invoiceObject(invoice), values.at);
  await emitEvent(tx, outbox, "invoice.finalized", invoiceObject(invoice), values.at);
  return { invoice, pi };
}

/** What {@link createSubscription} made: the subscription, its first invoice and that invoice's payment. */
export interface NewSubscription {
  subscription: ProviderSubscription;
  invoice: ProviderInvoice;
  paymentIntent: ProviderPaymentIntent;
}

/**
 * Creates a subscription as `stripe.subscriptions.create({ payment_behavior: "default_incomplete" })`
 * does: `incomplete`, its first period starting now, and an open first invoice whose payment
 * intent the buyer confirms.
 */
export async function createSubscription(
  tx: SqlExecutor,
  outbox: EventOutbox,
  customer: ProviderCustomer,
  values: { metadata: SubscriptionMetadata; unitAmountCents: number; quantity: number; interval: DayInterval; now: number },
): Promise<NewSubscription> {
  const now = values.now;
  const sub: ProviderSubscription = {
    id: providerId("sub"),
    projectId: customer.projectId,
    providerCustomerId: customer.id,
    status: "incomplete",
    unitAmountCents: values.unitAmountCents,
    quantity: values.quantity,
    interval: values.interval,
    metadata: values.metadata,
    currentPeriodStart: now,
    currentPeriodEnd: addCalendarInterval(now, values.interval),
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    itemChangedAt: now,
    latestInvoiceId: null,
    nextDueAt: now + INCOMPLETE_EXPIRY_MILLIS,
    createdAt: now,
  };
  await insertSubscription(tx, sub);
  await emitEvent(tx, outbox, "customer.subscription.created", subscriptionObject(sub), now);
  const { invoice, pi } = await createInvoice(tx, outbox, sub, customer, {
    reason: "subscription_create",
    totalCents: sub.unitAmountCents * sub.quantity,
    periodStart: sub.currentPeriodStart,
    periodEnd: sub.currentPeriodEnd,
    at: now,
  });
  sub.latestInvoiceId = invoice.id;
  await saveSubscription(tx, sub);
  return { subscription: sub, invoice, paymentIntent: pi };
}

/**
 * Records the result of one attempt to pay an invoice's payment intent with a card: the payment
 * intent, the invoice and the subscription move on, and their events are emitted. A 3-D Secure
 * step leaves the payment waiting for the buyer (on-session only).
 */
export async function settleInvoicePayment(
  tx: SqlExecutor,
  outbox: EventOutbox,
  pi: ProviderPaymentIntent,
  pm: ProviderPaymentMethod | null,
  outcome: ChargeOutcome,
  at: number,
  known?: { invoice: ProviderInvoice; sub: ProviderSubscription },
): Promise<void> {
  const invoice = known?.invoice ?? (await getInvoice(tx, pi.invoiceId))!;
  const sub = known?.sub ?? (await getSubscription(tx, invoice.subscriptionId, true))!;
  pi.paymentMethodId = pm?.id ?? pi.paymentMethodId;
  pi.updatedAt = at;
  if (outcome.kind === "requires_action") {
    pi.status = "requires_action";
    pi.lastError = null;
    await updatePaymentIntent(tx, pi);
    return;
  }
  invoice.attemptCount += 1;
  if (outcome.kind === "succeeded") {
    pi.status = "succeeded";
    pi.lastError = null;
    pi.amountReceived = pi.amountCents;
    await updatePaymentIntent(tx, pi);
    invoice.status = "paid";
    invoice.amountPaid = invoice.amountDue;
    invoice.paidAt = at;
    invoice.nextPaymentAttempt = null;
    await updateInvoice(tx, invoice);
    await emitEvent(tx, outbox, "payment_intent.succeeded", paymentIntentObject(pi), at);
    await emitEvent(tx, outbox, "invoice.paid", invoiceObject(invoice), at);
    await emitEvent(tx, outbox, "invoice.payment_succeeded", invoiceObject(invoice), at);
    if (sub.status === "incomplete" || sub.status === "past_due") {
      sub.status = "active";
      await saveSubscription(tx, sub, invoice);
      await emitEvent(tx, outbox, "customer.subscription.updated", subscriptionObject(sub), at);
    } else {
      await saveSubscription(tx, sub, invoice);
    }
    return;
  }
  pi.status = "requires_payment_method";
  pi.lastError = outcome.error;
  await updatePaymentIntent(tx, pi);
  await emitEvent(tx, outbox, "payment_intent.payment_failed", paymentIntentObject(pi), at);
  if (invoice.billingReason === "subscription_create") {
    // The buyer is at the checkout and tries again; Stripe does not retry a first invoice.
    await updateInvoice(tx, invoice);
    await emitEvent(tx, outbox, "invoice.payment_failed", invoiceObject(invoice), at);
    return;
  }
  if (invoice.attemptCount >= MAX_ATTEMPTS) {
    invoice.status = "uncollectible";
    invoice.nextPaymentAttempt = null;
    await updateInvoice(tx, invoice);
    await emitEvent(tx, outbox, "invoice.payment_failed", invoiceObject(invoice), at);
    await emitEvent(tx, outbox, "invoice.marked_uncollectible", invoiceObject(invoice), at);
    sub.status = "canceled";
    sub.canceledAt = at;
    sub.endedAt = at;
    await saveSubscription(tx, sub, invoice);
    await emitEvent(tx, outbox, "customer.subscription.deleted", subscriptionObject(sub), at);
    return;
  }
  invoice.nextPaymentAttempt = invoice.createdAt + RETRY_DAYS[invoice.attemptCount - 1]! * DAY;
  await updateInvoice(tx, invoice);
  await emitEvent(tx, outbox, "invoice.payment_failed", invoiceObject(invoice), at);
  if (sub.status === "active") {
    sub.status = "past_due";
    await saveSubscription(tx, sub, invoice);
    await emitEvent(tx, outbox, "customer.subscription.updated", subscriptionObject(sub), at);
  } else {
    await saveSubscription(tx, sub, invoice);
  }
}

/** Charges an invoice off-session with the customer's card on file (renewals and retries). */
async function chargeInvoiceOffSession(
  tx: SqlExecutor,
  outbox: EventOutbox,
  invoice: ProviderInvoice,
  sub: ProviderSubscription,
  at: number,
  customer?: ProviderCustomer,
  pi?: ProviderPaymentIntent,
): Promise<void> {
  const payment = pi ?? (await getPaymentIntent(tx, invoice.paymentIntentId, true))!;
  if (invoice.amountDue === 0) {
    await settleInvoicePayment(tx, outbox, payment, null, { kind: "succeeded" }, at, { invoice, sub });
    return;
  }
  const owner = customer ?? (await getProviderCustomer(tx, invoice.providerCustomerId))!;
  const pm = await getPaymentMethod(tx, owner.defaultPaymentMethodId);
  const outcome: ChargeOutcome = pm ? chargeOutcome(pm.behavior, "off") : { kind: "failed", error: NO_PAYMENT_METHOD };
  await settleInvoicePayment(tx, outbox, payment, pm, outcome, at, { invoice, sub });
}

/**
 * Does a subscription's time-driven work that is due at `at` (its `nextDueAt`): expires a
 * never-paid start, retries an unpaid renewal, or at the period end either ends a subscription
 * set to cancel or renews it. Call with the subscription's row lock held; one step per call.
 */
export async function processDueSubscription(tx: SqlExecutor, outbox: EventOutbox, sub: ProviderSubscription, at: number): Promise<void> {
  if (sub.status === "incomplete") {
    sub.status = "incomplete_expired";
    sub.endedAt = at;
    const invoice = await getInvoice(tx, sub.latestInvoiceId);
    if (invoice && invoice.status === "open") {
      invoice.status = "void";
      invoice.nextPaymentAttempt = null;
      await updateInvoice(tx, invoice);
      const pi = await getPaymentIntent(tx, invoice.paymentIntentId, true);
      if (pi && pi.status !== "succeeded") {
        pi.status = "canceled";
        pi.updatedAt = at;
        await updatePaymentIntent(tx, pi);
      }
      await emitEvent(tx, outbox, "invoice.voided", invoiceObject(invoice), at);
    }
    await saveSubscription(tx, sub);
    await emitEvent(tx, outbox, "customer.subscription.updated", subscriptionObject(sub), at);
    return;
  }
  if (sub.status !== "active" && sub.status !== "past_due") {
    await saveSubscription(tx, sub);
    return;
  }
  const latest = await getInvoice(tx, sub.latestInvoiceId);
  if (latest && latest.status === "open" && latest.nextPaymentAttempt !== null && latest.nextPaymentAttempt <= at && latest.nextPaymentAttempt <= sub.currentPeriodEnd) {
    await chargeInvoiceOffSession(tx, outbox, latest, sub, at);
    return;
  }
  if (sub.currentPeriodEnd > at) {
    await saveSubscription(tx, sub);
    return;
  }
  const periodEnd = sub.currentPeriodEnd;
  if (sub.cancelAtPeriodEnd) {
    sub.status = "canceled";
    sub.endedAt = periodEnd;
    await saveSubscription(tx, sub);
    await emitEvent(tx, outbox, "customer.subscription.deleted", subscriptionObject(sub), periodEnd);
    return;
  }
  // A renewal: the next period starts where this one ended. An older invoice still unpaid stops
  // being retried (the new invoice carries the dunning on).
  if (latest && latest.status === "open" && latest.nextPaymentAttempt !== null) {
    latest.nextPaymentAttempt = null;
    await updateInvoice(tx, latest);
  }
  sub.currentPeriodStart = periodEnd;
  sub.currentPeriodEnd = addCalendarInterval(periodEnd, sub.interval);
  const customer = (await getProviderCustomer(tx, sub.providerCustomerId))!;
  const { invoice, pi } = await createInvoice(tx, outbox, sub, customer, {
    reason: "subscription_cycle",
    totalCents: sub.unitAmountCents * sub.quantity,
    periodStart: sub.currentPeriodStart,
    periodEnd: sub.currentPeriodEnd,
    at: periodEnd,
  });
  sub.latestInvoiceId = invoice.id;
  await emitEvent(tx, outbox, "customer.subscription.updated", subscriptionObject(sub), periodEnd);
  await chargeInvoiceOffSession(tx, outbox, invoice, sub, periodEnd, customer, pi);
}

/** Sets a subscription to cancel at its period end (it stays active until then). */
export async function cancelAtPeriodEnd(tx: SqlExecutor, outbox: EventOutbox, sub: ProviderSubscription, at: number): Promise<void> {
  if (sub.cancelAtPeriodEnd || (sub.status !== "active" && sub.status !== "past_due")) return;
  sub.cancelAtPeriodEnd = true;
  sub.canceledAt = at;
  await saveSubscription(tx, sub);
  await emitEvent(tx, outbox, "customer.subscription.updated", subscriptionObject(sub), at);
}

/** Cancels a subscription now (`stripe.subscriptions.cancel`): it ends at `at`. */
export async function cancelNow(tx: SqlExecutor, outbox: EventOutbox, sub: ProviderSubscription, at: number): Promise<void> {
  if (sub.status === "canceled" || sub.status === "incomplete_expired" || sub.status === "unpaid") return;
  sub.status = "canceled";
  sub.canceledAt = at;
  sub.endedAt = at;
  await saveSubscription(tx, sub);
  await emitEvent(tx, outbox, "customer.subscription.deleted", subscriptionObject(sub), at);
}

/** Changes a subscription's quantity (refunds take back seats); zero cancels it at period end. */
export async function setSubscriptionQuantity(tx: SqlExecutor, outbox: EventOutbox, sub: ProviderSubscription, quantity: number, at: number): Promise<void> {
  sub.quantity = quantity;
  if (quantity === 0 && !sub.cancelAtPeriodEnd) {
    sub.cancelAtPeriodEnd = true;
    sub.canceledAt = at;
  }
  await saveSubscription(tx, sub);
  await emitEvent(tx, outbox, "customer.subscription.updated", subscriptionObject(sub), at);
}

/** A plan change that the card on file did not pay for: nothing was changed. */
export class PlanChangePaymentError extends Error {
  constructor(readonly error: CardError) {
    super(error.message);
  }
}

/**
 * Moves a subscription to another price (a plan switch), as `stripe.subscriptions.update` with
 * `payment_behavior: "error_if_incomplete"` does: the unused part of the current period is
 * credited, the new price charged for it (a new billing period starts now when the interval
 * changes), and the difference is invoiced and charged to the card on file at once. A downgrade's
 * credit goes to the customer's balance for the next invoices. Throws
 * {@link PlanChangePaymentError} when the card does not pay; the caller's transaction then rolls
 * everything back.
 */
export async function switchPlan(
  tx: SqlExecutor,
  outbox: EventOutbox,
  sub: ProviderSubscription,
  next: { metadata: SubscriptionMetadata; unitAmountCents: number; quantity: number; interval: DayInterval },
  at: number,
): Promise<void> {
  const customer = (await getProviderCustomer(tx, sub.providerCustomerId))!;
  const length = sub.currentPeriodEnd - sub.currentPeriodStart;
  const unused = length > 0 ? Math.max(0, Math.min(1, (sub.currentPeriodEnd - at) / length)) : 0;
  const credit = Math.round(sub.unitAmountCents * sub.quantity * unused);
  const sameInterval = sub.interval[0] === next.interval[0] && sub.interval[1] === next.interval[1];
  const newTotal = next.unitAmountCents * next.quantity;
  const charge = sameInterval ? Math.round(newTotal * unused) : newTotal;
  sub.unitAmountCents = next.unitAmountCents;
  sub.quantity = next.quantity;
  sub.metadata = next.metadata;
  sub.itemChangedAt = at;
  if (!sameInterval) {
    sub.interval = next.interval;
    sub.currentPeriodStart = at;
    sub.currentPeriodEnd = addCalendarInterval(at, next.interval);
  }
  const difference = charge - credit;
  if (difference > 0) {
    const pm = await getPaymentMethod(tx, customer.defaultPaymentMethodId);
    const { invoice, pi } = await createInvoice(tx, outbox, sub, customer, {
      reason: "subscription_update",
      totalCents: difference,
      periodStart: at,
      periodEnd: sub.currentPeriodEnd,
      at,
    });
    const outcome: ChargeOutcome = invoice.amountDue === 0 ? { kind: "succeeded" } : pm ? chargeOutcome(pm.behavior, "off") : { kind: "failed", error: NO_PAYMENT_METHOD };
    // Off-session charges never stop for 3-D Secure: they succeed or fail.
    if (outcome.kind === "failed") throw new PlanChangePaymentError(outcome.error);
    sub.latestInvoiceId = invoice.id;
    await updateSubscription(tx, sub);
    await settleInvoicePayment(tx, outbox, pi, pm, outcome, at);
  } else if (difference < 0) {
    await addCustomerBalance(tx, customer.id, difference);
  }
  await saveSubscription(tx, sub);
  await emitEvent(tx, outbox, "customer.subscription.updated", subscriptionObject(sub), at);
}
