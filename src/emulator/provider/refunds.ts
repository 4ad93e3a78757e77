/**
 * `POST /internal/payments/transactions/refund` (admin): refunds a purchase paid through the
 * provider, in either body form.
 *
 * - The contract's `{ type, id, refund_entries: [{ entry_index, quantity, amount_usd }] }`: each
 *   entry names a `product_grant` entry of the purchase's transaction, a quantity of it to take
 *   back (now) and a USD amount to give back; a subscription's first invoice is refunded, and the
 *   seats taken back leave its future invoices (all of them: it cancels at period end).
 * - The official 2.8.108 SDK's `{ type, id, invoice_id?, amount_usd, end_action? }`: a USD amount of
 *   one payment (a subscription's first invoice unless `invoice_id` names another: an invoice id
 *   from the transactions, or the provider's `in_...` id). A one-time purchase is taken back
 *   whole; a subscription ends now or at its period end as `end_action` says, and keeps running
 *   without it.
 *
 * Rules (checked in this order, each answered with the hosted API's error, nothing changed):
 * unknown purchase; test-mode purchase (not refundable); a purchase no card paid for; already
 * refunded (per payment); entry indexes, quantities and amounts (the contract's `SCHEMA_ERROR`
 * messages; a total of $0 is refused, as it would use up the payment's one refund); a price
 * without a USD amount. A retry of a refund that went through is "already
 * refunded": nothing is refunded twice.
 */
import type { CustomerType, TransactionEntry } from "../../core/schemas/index.js";
import { refundAmountBodySchema, refundEntriesBodySchema, refundTransactionResponseSchema } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { ApiError, defineRoute, type Route } from "../http.js";
import { appendCustomerEvents } from "../live-events.js";
import { loadPurchaseRows, purchaseEntries, type PurchaseRow } from "../payments/transactions.js";
import { lockCustomer, type CustomerRef } from "../payments/store.js";
import { getProjectConfig } from "../project-config.js";
import { parseWith } from "../validate.js";
import { centsToMoney, toCents } from "./money.js";
import { newEventOutbox } from "./provider-events.js";
import { getInvoice, getSubscription, insertRefund } from "./provider-store.js";
import { cancelAtPeriodEnd, cancelNow, setSubscriptionQuantity } from "./subscriptions.js";
import { deliverEvents } from "./webhook-handler.js";

const MONEY_FORMAT = "Money amount must be in the format of <number> or <number>.<number>";
const MONEY = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;

function schemaError(message: string): ApiError {
  return ApiError.known("SCHEMA_ERROR", { message });
}

/** A string `amount_usd` that is not money is refused with the hosted message (before the other checks). */
function checkMoneyFormat(ctx: { method: string; url: URL }, body: unknown): void {
  const amounts: unknown[] = [];
  if (typeof body === "object" && body !== null) {
    const b = body as { amount_usd?: unknown; refund_entries?: unknown };
    amounts.push(b.amount_usd);
    if (Array.isArray(b.refund_entries)) for (const e of b.refund_entries) if (typeof e === "object" && e !== null) amounts.push((e as { amount_usd?: unknown }).amount_usd);
  }
  if (amounts.some((a) => typeof a === "string" && !MONEY.test(a))) throw ApiError.schema(ctx.method, ctx.url.pathname, [MONEY_FORMAT]);
}

interface PaidPayment {
  /** The payment intent to refund. */
  paymentIntentId: string;
  /** What was paid, in cents. */
  paidCents: number;
  /** `""` for a one-time purchase; the refunded invoice's id for a subscription. */
  invoiceKey: string;
  /** The transaction the refund adjusts: the purchase's, or a renewal's. */
  adjustedTransactionId: string;
}

async function findPaidInvoice(tx: SqlExecutor, projectId: string, purchase: PurchaseRow, invoiceId: string | undefined): Promise<PaidPayment> {
  const rows = await tx.query<{ id: string; stripe_invoice_id: string; is_creation_invoice: boolean; billing_reason: string }>(
    `SELECT id, stripe_invoice_id, is_creation_invoice, billing_reason FROM payments_subscription_invoices
     WHERE project_id = $1 AND stripe_subscription_id = $2 ORDER BY created_at, id`,
    [projectId, purchase.stripe_subscription_id],
  );
  const row = invoiceId === undefined ? rows.find((r) => r.is_creation_invoice) : rows.find((r) => r.id === invoiceId || r.stripe_invoice_id === invoiceId);
  if (!row) throw ApiError.known("SUBSCRIPTION_INVOICE_NOT_FOUND", { subscription_invoice_id: invoiceId ?? purchase.id });
  const invoice = await getInvoice(tx, row.stripe_invoice_id);
  if (!invoice || invoice.status !== "paid" || invoice.paymentIntentId === null || invoice.amountPaid === 0)
    throw ApiError.text(400, "This invoice was not paid, so there is nothing to refund.");
  return {
    paymentIntentId: invoice.paymentIntentId,
    paidCents: invoice.amountPaid,
    invoiceKey: row.id,
    adjustedTransactionId: row.billing_reason === "subscription_cycle" ? row.id : purchase.id,
  };
}

/** Validates the contract's refund entries against the purchase's transaction entries. */
function checkRefundEntries(entries: readonly TransactionEntry[], refundEntries: readonly { entry_index: number; quantity: number }[]): void {
  const seen = new Set<number>();
  for (const r of refundEntries) {
    if (!Number.isInteger(r.quantity)) throw schemaError("Refund quantity must be an integer.");
    if (r.quantity < 0) throw schemaError("Refund quantity cannot be negative.");
    if (seen.has(r.entry_index)) throw schemaError("Refund entries cannot contain duplicate entry indexes.");
    seen.add(r.entry_index);
    const entry = Number.isInteger(r.entry_index) ? entries[r.entry_index] : undefined;
    if (!entry) throw schemaError("Refund entry index is invalid.");
    if (entry.type !== "product_grant") throw schemaError("Refund entries must reference product grant entries.");
    if (r.quantity > entry.quantity) throw schemaError("Refund quantity cannot exceed purchased quantity.");
  }
}

/** The USD total a purchase's price charged, in cents (refunds are USD only). */
function usdChargedCents(p: PurchaseRow): number {
  const price = p.price_id === null || p.product.prices === "include-by-default" ? undefined : p.product.prices[p.price_id];
  const cents = price?.amounts.USD === undefined ? null : toCents(price.amounts.USD);
  if (cents === null) throw schemaError("Refund amounts can only be specified for USD-priced purchases.");
  return cents * p.quantity;
}

/** The refund route. */
export const refundRoute: Route = defineRoute({
  method: "POST",
  path: "/internal/payments/transactions/refund",
  access: "admin",
  response: refundTransactionResponseSchema,
  async handler(ctx) {
    checkMoneyFormat(ctx, ctx.body);
    const raw = ctx.body;
    const isEntriesForm = typeof raw === "object" && raw !== null && "refund_entries" in raw;
    const body = isEntriesForm ? { form: "entries" as const, ...parseWith(ctx, refundEntriesBodySchema, raw, "body") } : { form: "amount" as const, ...parseWith(ctx, refundAmountBodySchema, raw, "body") };
    const projectId = ctx.projectId!;
    const now = await ctx.now();

    const kind = body.type === "one-time-purchase" ? "one_time" : "subscription";
    const found = (await loadPurchaseRows(ctx.db, projectId, [body.id])).get(body.id);
    const purchase = found && found.kind === kind ? found : undefined;
    if (!purchase)
      throw kind === "one_time" ? ApiError.known("ONE_TIME_PURCHASE_NOT_FOUND", { one_time_purchase_id: body.id }) : ApiError.known("SUBSCRIPTION_INVOICE_NOT_FOUND", { subscription_invoice_id: body.id });
    if (purchase.creation_source === "TEST_MODE") throw ApiError.known("TEST_MODE_PURCHASE_NON_REFUNDABLE");
    const c: CustomerRef = { projectId, customerType: purchase.customer_type as CustomerType, customerId: purchase.customer_id };

    const refundId = await ctx.db.transaction(
      async (tx) => {
        await lockCustomer(tx, c);
        const current = (await loadPurchaseRows(tx, projectId, [purchase.id])).get(purchase.id)!;
        let payment: PaidPayment;
        if (kind === "one_time") {
          if (current.stripe_payment_intent_id === null) throw ApiError.known("ONE_TIME_PURCHASE_NOT_FOUND", { one_time_purchase_id: body.id });
          // What the price charged, worked out after the entries are checked (the hosted order).
          payment = { paymentIntentId: current.stripe_payment_intent_id, paidCents: Number.NaN, invoiceKey: "", adjustedTransactionId: current.id };
        } else {
          if (current.stripe_subscription_id === null) throw ApiError.known("SUBSCRIPTION_INVOICE_NOT_FOUND", { subscription_invoice_id: body.id });
          payment = await findPaidInvoice(tx, projectId, current, body.form === "amount" ? body.invoice_id : undefined);
        }
        const refunded = await tx.query("SELECT 1 FROM payments_refunds WHERE project_id = $1 AND purchase_id = $2 AND refunded_invoice_key = $3", [
          projectId,
          current.id,
          payment.invoiceKey,
        ]);
        if (refunded.length > 0)
          throw kind === "one_time" ? ApiError.known("ONE_TIME_PURCHASE_ALREADY_REFUNDED", { one_time_purchase_id: current.id }) : ApiError.known("SUBSCRIPTION_ALREADY_REFUNDED", { subscription_id: current.id });

        const previous = current.previous_segment_id === null ? null : ((await loadPurchaseRows(tx, projectId, [current.previous_segment_id])).get(current.previous_segment_id) ?? null);
        const { entries, grantIndex } = purchaseEntries(current, previous, null);
        let revoked: { index: number; quantity: number }[];
        let amountCents: number;
        let amounts: (number | null)[];
        if (body.form === "entries") {
          checkRefundEntries(entries, body.refund_entries);
          amounts = body.refund_entries.map((e) => toCents(e.amount_usd));
          revoked = body.refund_entries.map((e) => ({ index: e.entry_index, quantity: e.quantity }));
        } else {
          amounts = [toCents(body.amount_usd)];
          revoked = kind === "one_time" ? [{ index: grantIndex, quantity: current.quantity - current.revoked_quantity }] : [];
        }
        const charged = usdChargedCents(current);
        const paidCents = kind === "one_time" ? charged : payment.paidCents;
        // An amount too large to count in cents exceeds any charge.
        amountCents = amounts.reduce<number>((sum, a) => (a === null ? Number.POSITIVE_INFINITY : sum + a), 0);
        if (amountCents < 0) throw schemaError("Refund amount cannot be negative.");
        // A payment is refunded once: a $0 refund, recorded, would refuse every real one after it
        // (the provider refuses a refund of nothing too).
        if (amountCents === 0) throw schemaError("Refund amount must be greater than zero: a refund of $0 would use up the payment's one refund.");
        if (amountCents > paidCents) throw schemaError("Refund amount cannot exceed the charged amount.");

        await insertRefund(tx, projectId, payment.paymentIntentId, amountCents, now);
        const revokedQuantity = revoked.reduce((sum, r) => sum + r.quantity, 0);
        if (revokedQuantity > 0)
          await tx.query("UPDATE payments_purchases SET revoked_quantity = revoked_quantity + $2, revoked_at = $3 WHERE id = $1", [current.id, revokedQuantity, now]);

        const id = payment.invoiceKey === "" || payment.adjustedTransactionId === current.id ? `${current.id}:refund` : `${current.id}:refund:${payment.invoiceKey}`;
        const refundEntries: TransactionEntry[] = revoked.map((r) => ({ type: "product_revocation", adjusted_transaction_id: payment.adjustedTransactionId, adjusted_entry_index: r.index, quantity: r.quantity }));
        refundEntries.push({
          type: "money_transfer",
          adjusted_transaction_id: revoked.length === 0 ? payment.adjustedTransactionId : null,
          adjusted_entry_index: revoked.length === 0 ? 0 : null,
          customer_type: c.customerType,
          customer_id: c.customerId,
          charged_amount: { USD: centsToMoney(-amountCents) },
          net_amount: { USD: centsToMoney(-amountCents) },
        });
        await tx.query(
          `INSERT INTO payments_refunds (id, project_id, customer_type, customer_id, purchase_id, refunded_invoice_key, adjusted_transaction_id, entries, amount_cents, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9, $10)`,
          [id, projectId, c.customerType, c.customerId, current.id, payment.invoiceKey, payment.adjustedTransactionId, JSON.stringify(refundEntries), amountCents, now],
        );

        // What happens to a refunded subscription: seats taken back leave its invoices; the
        // 2.8.108 form ends it as asked.
        if (kind === "subscription" && current.stripe_subscription_id !== null) {
          const sub = await getSubscription(tx, current.stripe_subscription_id, true);
          const latest = await tx.query<{ id: string }>(
            "SELECT id FROM payments_purchases WHERE project_id = $1 AND stripe_subscription_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
            [projectId, current.stripe_subscription_id],
          );
          const running = sub !== null && (sub.status === "active" || sub.status === "past_due");
          const outbox = newEventOutbox(projectId);
          if (running && revokedQuantity > 0 && latest[0]?.id === current.id) await setSubscriptionQuantity(tx, outbox, sub, Math.max(0, sub.quantity - revokedQuantity), now);
          if (running && body.form === "amount" && body.end_action === "now") await cancelNow(tx, outbox, sub, now);
          if (running && body.form === "amount" && body.end_action === "at-period-end") await cancelAtPeriodEnd(tx, outbox, sub, now);
          await deliverEvents(tx, outbox);
        }
        if (revokedQuantity > 0) {
          const config = await getProjectConfig(tx, projectId);
          await appendCustomerEvents(tx, c, config.payments, { itemIds: Object.keys(current.product.includedItems), products: true }, now);
        }
        return id;
      },
      { isolation: "read committed" },
    );
    return { success: true as const, refund_transaction_id: refundId };
  },
});
