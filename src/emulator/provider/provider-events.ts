/**
 * The provider's events: every change to a payment, invoice or subscription is told to the hosted
 * side as Stripe tells it through webhooks (`payment_intent.succeeded`, `invoice.paid`,
 * `customer.subscription.updated`, ...), with a Stripe-shaped snapshot of the object. Events are
 * stored (so they can be listed and redelivered) and collected in an {@link EventOutbox} that the
 * caller delivers to the webhook handling once its change is written, in the same transaction.
 */
import type { SqlExecutor } from "../db.js";
import {
  insertEvents,
  providerId,
  type ProviderEvent,
  type ProviderInvoice,
  type ProviderPaymentIntent,
  type ProviderSubscription,
} from "./provider-store.js";

/** The events of one change, in the order they happened. */
export interface EventOutbox {
  projectId: string;
  events: ProviderEvent[];
  /** How many of `events` are stored already (the rest are written in one statement when delivered). */
  stored: number;
}

/** A new, empty outbox for a change in `projectId`. */
export function newEventOutbox(projectId: string): EventOutbox {
  return { projectId, events: [], stored: 0 };
}

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

/** A payment intent as Stripe shows it in events. */
export function paymentIntentObject(pi: ProviderPaymentIntent): Record<string, unknown> {
  return {
    id: pi.id,
    object: "payment_intent",
    amount: pi.amountCents,
    amount_received: pi.amountReceived,
    amount_refunded: pi.amountRefunded,
    currency: pi.currency,
    customer: pi.providerCustomerId,
    status: pi.status,
    payment_method: pi.paymentMethodId,
    invoice: pi.invoiceId,
    metadata: pi.metadata,
    last_payment_error: pi.lastError,
    created: seconds(pi.createdAt),
  };
}

/** An invoice as Stripe shows it in events (one line: the subscription's item). */
export function invoiceObject(inv: ProviderInvoice): Record<string, unknown> {
  return {
    id: inv.id,
    object: "invoice",
    customer: inv.providerCustomerId,
    subscription: inv.subscriptionId,
    status: inv.status,
    billing_reason: inv.billingReason,
    total: inv.totalCents,
    amount_due: inv.amountDue,
    amount_paid: inv.amountPaid,
    currency: inv.currency,
    hosted_invoice_url: null,
    attempt_count: inv.attemptCount,
    next_payment_attempt: seconds(inv.nextPaymentAttempt),
    payment_intent: inv.paymentIntentId,
    period_start: seconds(inv.periodStart),
    period_end: seconds(inv.periodEnd),
    created: seconds(inv.createdAt),
    // Stripe's times are whole seconds; the emulator's clock keeps milliseconds.
    created_at_millis: inv.createdAt,
    lines: {
      data: [
        {
          description: inv.description,
          quantity: inv.quantity,
          amount: inv.totalCents,
          parent: { subscription_item_details: { subscription: inv.subscriptionId } },
        },
      ],
    },
  };
}

/** A subscription as Stripe shows it in events. */
export function subscriptionObject(sub: ProviderSubscription): Record<string, unknown> {
  return {
    id: sub.id,
    object: "subscription",
    customer: sub.providerCustomerId,
    status: sub.status,
    cancel_at_period_end: sub.cancelAtPeriodEnd,
    canceled_at: seconds(sub.canceledAt),
    ended_at: seconds(sub.endedAt),
    latest_invoice: sub.latestInvoiceId,
    created: seconds(sub.createdAt),
    metadata: { productId: sub.metadata.productId, priceId: sub.metadata.priceId },
    items: {
      data: [
        {
          quantity: sub.quantity,
          current_period_start: seconds(sub.currentPeriodStart),
          current_period_end: seconds(sub.currentPeriodEnd),
          price: { unit_amount: sub.unitAmountCents, currency: "usd", recurring: { interval: sub.interval[1], interval_count: sub.interval[0] } },
        },
      ],
    },
  };
}

/**
 * Adds an event to the outbox; it is stored (with the others of the change) before it is
 * delivered. The `tx` parameter keeps callers in their transaction.
 */
export async function emitEvent(_tx: SqlExecutor, outbox: EventOutbox, type: string, object: Record<string, unknown>, at: number): Promise<void> {
  outbox.events.push({ id: providerId("evt"), projectId: outbox.projectId, type, object, createdAt: at });
}

/** Stores the outbox's events not stored yet, in one statement. */
export async function storeEvents(tx: SqlExecutor, outbox: EventOutbox): Promise<void> {
  const pending = outbox.events.slice(outbox.stored);
  outbox.stored = outbox.events.length;
  await insertEvents(tx, pending);
}
