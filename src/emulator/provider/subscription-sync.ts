/**
 * The hosted API's `syncStripeSubscriptions` and `upsertStripeInvoice`, against the emulator's
 * provider: every subscription of a provider customer is written into the payments records
 * (status, quantity, period, `cancel_at_period_end`, and its end: a terminal status ends it then,
 * a pending cancellation at its period end), and subscription invoices are kept for
 * `listInvoices()` and the transactions.
 *
 * Where the hosted sync and a sensible ledger part ways, the ledger wins: a subscription whose
 * first payment never went through is not recorded (a failed payment grants nothing), and a plan
 * switch ends the old product's record and starts one for the new product (so each product's
 * items follow their own rules) instead of rewriting the one record in place.
 */
import { randomUUID } from "node:crypto";
import type { CustomerType } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { appendCustomerEvents } from "../live-events.js";
import { nextPurchaseId } from "../payments/purchase.js";
import { insertPurchase, loadPurchases, lockCustomer, type CustomerRef } from "../payments/store.js";
import { getProjectConfig } from "../project-config.js";
import {
  getProviderCustomer,
  listCustomerSubscriptions,
  type ProviderCustomer,
  type ProviderInvoice,
  type ProviderSubscription,
} from "./provider-store.js";

interface SegmentRow {
  id: string;
  stripe_subscription_id: string;
  product_id: string | null;
  price_id: string | null;
  quantity: number;
  revoked_quantity: number;
  status: string;
  cancel_at_period_end: boolean;
  ended_at: number | null;
  canceled_at: number | null;
  current_period_start: number | null;
  current_period_end: number | null;
  created_at: number;
}

const TERMINAL = new Set(["canceled", "unpaid", "incomplete_expired"]);

/** The payments customer a provider customer stands for. */
export function customerRefOf(c: { projectId: string; customerType: CustomerType; customerId: string }): CustomerRef {
  return { projectId: c.projectId, customerType: c.customerType, customerId: c.customerId };
}

/** The record fields a subscription's provider state implies. */
function recordState(sub: ProviderSubscription, at: number) {
  let endedAt: number | null = null;
  if (TERMINAL.has(sub.status)) endedAt = sub.endedAt ?? at;
  else if (sub.cancelAtPeriodEnd) endedAt = sub.currentPeriodEnd;
  return {
    status: sub.status,
    cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    endedAt,
    canceledAt: sub.canceledAt,
    periodStart: sub.currentPeriodStart,
    periodEnd: sub.currentPeriodEnd,
  };
}

async function setProviderColumns(
  tx: SqlExecutor,
  id: string,
  values: { stripeSubscriptionId: string; previousSegmentId: string | null; periodStart: number; periodEnd: number; canceledAt: number | null },
): Promise<void> {
  await tx.query(
    `UPDATE payments_purchases SET stripe_subscription_id = $2, previous_segment_id = $3, current_period_start = $4, current_period_end = $5, canceled_at = $6
     WHERE id = $1`,
    [id, values.stripeSubscriptionId, values.previousSegmentId, values.periodStart, values.periodEnd, values.canceledAt],
  );
}

/**
 * Writes every subscription of a provider customer into the payments records, under the
 * customer's lock, and appends live events when ownership or items changed. Idempotent: a second
 * sync of the same state changes nothing.
 */
export async function syncProviderSubscriptions(tx: SqlExecutor, providerCustomerId: string, at: number, known?: ProviderCustomer | null): Promise<void> {
  const customer = known ?? (await getProviderCustomer(tx, providerCustomerId));
  if (!customer) return;
  const c = customerRefOf(customer);
  const subs = await listCustomerSubscriptions(tx, customer.id);
  if (subs.length === 0) return;
  await lockCustomer(tx, c);
  const rows = await tx.query<SegmentRow>(
    `SELECT id, stripe_subscription_id, product_id, price_id, quantity, revoked_quantity, status, cancel_at_period_end, ended_at, canceled_at,
       current_period_start, current_period_end, created_at
     FROM payments_purchases WHERE project_id = $1 AND customer_type = $2 AND customer_id = $3 AND stripe_subscription_id IS NOT NULL
     ORDER BY created_at, id`,
    [c.projectId, c.customerType, c.customerId],
  );
  const touchedItems = new Set<string>();
  let changed = false;
  let purchases: Awaited<ReturnType<typeof loadPurchases>> | null = null;
  const insertSegment = async (sub: ProviderSubscription, createdAt: number, previous: string | null) => {
    purchases ??= await loadPurchases(tx, c);
    const state = recordState(sub, at);
    const id = nextPurchaseId(purchases, createdAt);
    const record = {
      id,
      kind: "subscription" as const,
      productId: sub.metadata.productId,
      product: sub.metadata.product,
      includedItems: sub.metadata.product.includedItems,
      priceId: sub.metadata.priceId,
      quantity: sub.quantity,
      createdAt,
      status: state.status,
      periodInterval: sub.interval,
      cancelAtPeriodEnd: state.cancelAtPeriodEnd,
      endedAt: state.endedAt,
      creationSource: "PURCHASE_PAGE",
    };
    await insertPurchase(tx, c, record);
    purchases.push(record);
    await setProviderColumns(tx, id, {
      stripeSubscriptionId: sub.id,
      previousSegmentId: previous,
      periodStart: state.periodStart,
      periodEnd: state.periodEnd,
      canceledAt: state.canceledAt,
    });
    for (const item of Object.keys(sub.metadata.product.includedItems)) touchedItems.add(item);
    changed = true;
  };

  for (const sub of subs) {
    const segments = rows.filter((r) => r.stripe_subscription_id === sub.id);
    const last = segments.at(-1);
    if (!last) {
      // Never paid for: nothing was bought.
      if (sub.status === "incomplete" || sub.status === "incomplete_expired") continue;
      await insertSegment(sub, sub.createdAt, null);
      continue;
    }
    const switched =
      (last.product_id !== sub.metadata.productId ||
        last.price_id !== sub.metadata.priceId ||
        Number(last.quantity) - Number(last.revoked_quantity) !== sub.quantity) &&
      sub.itemChangedAt > Number(last.created_at);
    if (switched) {
      await tx.query("UPDATE payments_purchases SET status = 'canceled', ended_at = $2, cancel_at_period_end = false WHERE id = $1", [last.id, sub.itemChangedAt]);
      const old = await tx.query<{ product: unknown }>("SELECT product FROM payments_purchases WHERE id = $1", [last.id]);
      const oldProduct = (typeof old[0]?.product === "string" ? JSON.parse(old[0].product) : old[0]?.product) as { includedItems?: Record<string, unknown> } | undefined;
      for (const item of Object.keys(oldProduct?.includedItems ?? {})) touchedItems.add(item);
      await insertSegment(sub, sub.itemChangedAt, last.id);
      continue;
    }
    const state = recordState(sub, at);
    const same =
      last.status === state.status &&
      last.cancel_at_period_end === state.cancelAtPeriodEnd &&
      (last.ended_at === null ? null : Number(last.ended_at)) === state.endedAt &&
      (last.canceled_at === null ? null : Number(last.canceled_at)) === state.canceledAt &&
      Number(last.current_period_start) === state.periodStart &&
      Number(last.current_period_end) === state.periodEnd;
    if (same) continue;
    await tx.query(
      `UPDATE payments_purchases SET status = $2, cancel_at_period_end = $3, ended_at = $4, canceled_at = $5, current_period_start = $6, current_period_end = $7
       WHERE id = $1`,
      [last.id, state.status, state.cancelAtPeriodEnd, state.endedAt, state.canceledAt, state.periodStart, state.periodEnd],
    );
    const ownershipChanged =
      last.status !== state.status ||
      last.cancel_at_period_end !== state.cancelAtPeriodEnd ||
      (last.ended_at === null ? null : Number(last.ended_at)) !== state.endedAt;
    if (ownershipChanged) {
      for (const item of Object.keys(sub.metadata.product.includedItems)) touchedItems.add(item);
      changed = true;
    }
  }
  if (changed) {
    const config = await getProjectConfig(tx, c.projectId);
    await appendCustomerEvents(tx, c, config.payments, { itemIds: [...touchedItems], products: true }, at);
  }
}

/** `upsertStripeInvoice`: keeps a subscription invoice's status and amounts for the payments side. */
export async function upsertSubscriptionInvoice(
  tx: SqlExecutor,
  invoice: Pick<ProviderInvoice, "projectId" | "id" | "subscriptionId" | "billingReason" | "status" | "totalCents" | "amountPaid" | "createdAt">,
): Promise<void> {
  await tx.query(
    `INSERT INTO payments_subscription_invoices (id, project_id, stripe_invoice_id, stripe_subscription_id, is_creation_invoice, billing_reason, status,
       amount_total, amount_paid, hosted_invoice_url, created_at)
     VALUES ($10, $1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)
     ON CONFLICT (project_id, stripe_invoice_id) DO UPDATE SET status = EXCLUDED.status, amount_total = EXCLUDED.amount_total, amount_paid = EXCLUDED.amount_paid`,
    [
      invoice.projectId,
      invoice.id,
      invoice.subscriptionId,
      invoice.billingReason === "subscription_create",
      invoice.billingReason,
      invoice.status,
      invoice.totalCents,
      invoice.amountPaid,
      invoice.createdAt,
      randomUUID(),
    ],
  );
}
