/**
 * SQL for the payment provider's objects: the same statements on PGlite and PostgreSQL. Rows are
 * read back into plain records; writes take the row lock (`FOR UPDATE`) where two requests could
 * race (confirming one payment twice, two clock reads renewing one subscription).
 */
import { randomBytes } from "node:crypto";
import type { CustomerType, DayInterval } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import type { ResolvedProduct } from "../payments/products.js";
import type { CardBehavior, CardBrand, CardError } from "./test-cards.js";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A Stripe-style id: `prefix_` and 24 random base-62 characters. */
export function providerId(prefix: string): string {
  let out = `${prefix}_`;
  for (const b of randomBytes(24)) out += ALPHABET[b % 62];
  return out;
}

function fromJson<T>(v: unknown): T {
  return (typeof v === "string" ? JSON.parse(v) : v) as T;
}
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

// ---- customers ----

/** A provider customer: one per payments customer that ever paid or saved a card. */
export interface ProviderCustomer {
  id: string;
  projectId: string;
  customerType: CustomerType;
  customerId: string;
  defaultPaymentMethodId: string | null;
  /** Credit (negative) or debt (positive) applied to the next invoices, in cents. */
  balanceCents: number;
  createdAt: number;
}

function customerFromRow(r: Record<string, unknown>): ProviderCustomer {
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    customerType: r.customer_type as CustomerType,
    customerId: String(r.customer_id),
    defaultPaymentMethodId: (r.default_payment_method_id as string | null) ?? null,
    balanceCents: num(r.balance_cents),
    createdAt: num(r.created_at),
  };
}

/** The provider customer of a payments customer, or null. */
export async function findProviderCustomer(db: SqlExecutor, projectId: string, customerType: CustomerType, customerId: string): Promise<ProviderCustomer | null> {
  const rows = await db.query<Record<string, unknown>>(
    "SELECT * FROM provider_customers WHERE project_id = $1 AND customer_type = $2 AND customer_id = $3",
    [projectId, customerType, customerId],
  );
  return rows[0] ? customerFromRow(rows[0]) : null;
}

/** A provider customer by its id, or null. */
export async function getProviderCustomer(db: SqlExecutor, id: string): Promise<ProviderCustomer | null> {
  const rows = await db.query<Record<string, unknown>>("SELECT * FROM provider_customers WHERE id = $1", [id]);
  return rows[0] ? customerFromRow(rows[0]) : null;
}

/** The provider customer of a payments customer, created on first use (concurrent calls agree). */
export async function ensureProviderCustomer(
  db: SqlExecutor,
  projectId: string,
  customerType: CustomerType,
  customerId: string,
  now: number,
): Promise<ProviderCustomer> {
  await db.query(
    `INSERT INTO provider_customers (id, project_id, customer_type, customer_id, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (project_id, customer_type, customer_id) DO NOTHING`,
    [providerId("cus"), projectId, customerType, customerId, now],
  );
  return (await findProviderCustomer(db, projectId, customerType, customerId))!;
}

/** Sets a customer's default payment method (what renewals and plan changes charge). */
export async function setDefaultPaymentMethod(db: SqlExecutor, customerId: string, paymentMethodId: string): Promise<void> {
  await db.query("UPDATE provider_customers SET default_payment_method_id = $2 WHERE id = $1", [customerId, paymentMethodId]);
}

/** Adds to a customer's balance (negative: credit for the next invoices). */
export async function addCustomerBalance(db: SqlExecutor, customerId: string, deltaCents: number): Promise<void> {
  await db.query("UPDATE provider_customers SET balance_cents = balance_cents + $2 WHERE id = $1", [customerId, deltaCents]);
}

// ---- payment methods ----

/** A saved or one-off card. */
export interface ProviderPaymentMethod {
  id: string;
  projectId: string;
  providerCustomerId: string | null;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
  behavior: CardBehavior;
  name: string | null;
  createdAt: number;
}

function paymentMethodFromRow(r: Record<string, unknown>): ProviderPaymentMethod {
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    providerCustomerId: (r.provider_customer_id as string | null) ?? null,
    brand: r.brand as CardBrand,
    last4: String(r.last4),
    expMonth: num(r.exp_month),
    expYear: num(r.exp_year),
    behavior: r.behavior as CardBehavior,
    name: (r.cardholder_name as string | null) ?? null,
    createdAt: num(r.created_at),
  };
}

/** Stores a card. */
export async function insertPaymentMethod(db: SqlExecutor, pm: ProviderPaymentMethod): Promise<void> {
  await db.query(
    `INSERT INTO provider_payment_methods (id, project_id, provider_customer_id, brand, last4, exp_month, exp_year, behavior, cardholder_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [pm.id, pm.projectId, pm.providerCustomerId, pm.brand, pm.last4, pm.expMonth, pm.expYear, pm.behavior, pm.name, pm.createdAt],
  );
}

/** Attaches a card to a customer (it becomes one of the customer's saved cards). */
export async function attachPaymentMethod(db: SqlExecutor, paymentMethodId: string, customerId: string): Promise<void> {
  await db.query("UPDATE provider_payment_methods SET provider_customer_id = $2 WHERE id = $1", [paymentMethodId, customerId]);
}

/** A card by id, or null. */
export async function getPaymentMethod(db: SqlExecutor, id: string | null): Promise<ProviderPaymentMethod | null> {
  if (id === null) return null;
  const rows = await db.query<Record<string, unknown>>("SELECT * FROM provider_payment_methods WHERE id = $1", [id]);
  return rows[0] ? paymentMethodFromRow(rows[0]) : null;
}

/** The newest card saved on a customer, or null. */
export async function newestSavedPaymentMethod(db: SqlExecutor, customerId: string): Promise<ProviderPaymentMethod | null> {
  const rows = await db.query<Record<string, unknown>>(
    "SELECT * FROM provider_payment_methods WHERE provider_customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    [customerId],
  );
  return rows[0] ? paymentMethodFromRow(rows[0]) : null;
}

// ---- setup intents ----

/** `requires_payment_method` → `requires_action` (3-D Secure) → `succeeded`. */
export type SetupIntentStatus = "requires_payment_method" | "requires_action" | "succeeded" | "canceled";

/** A setup intent: saving a card on a customer for later charges. */
export interface ProviderSetupIntent {
  id: string;
  projectId: string;
  providerCustomerId: string;
  clientSecret: string;
  status: SetupIntentStatus;
  paymentMethodId: string | null;
  lastError: CardError | null;
  createdAt: number;
  updatedAt: number;
}

function setupIntentFromRow(r: Record<string, unknown>): ProviderSetupIntent {
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    providerCustomerId: String(r.provider_customer_id),
    clientSecret: String(r.client_secret),
    status: r.status as SetupIntentStatus,
    paymentMethodId: (r.payment_method_id as string | null) ?? null,
    lastError: r.last_error === null || r.last_error === undefined ? null : fromJson<CardError>(r.last_error),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

/** Stores a new setup intent. */
export async function insertSetupIntent(db: SqlExecutor, si: ProviderSetupIntent): Promise<void> {
  await db.query(
    `INSERT INTO provider_setup_intents (id, project_id, provider_customer_id, client_secret, status, payment_method_id, last_error, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8, $9)`,
    [si.id, si.projectId, si.providerCustomerId, si.clientSecret, si.status, si.paymentMethodId, si.lastError === null ? null : JSON.stringify(si.lastError), si.createdAt, si.updatedAt],
  );
}

/** Saves a setup intent's state. */
export async function updateSetupIntent(db: SqlExecutor, si: ProviderSetupIntent): Promise<void> {
  await db.query(
    "UPDATE provider_setup_intents SET status = $2, payment_method_id = $3, last_error = $4::json, updated_at = $5 WHERE id = $1",
    [si.id, si.status, si.paymentMethodId, si.lastError === null ? null : JSON.stringify(si.lastError), si.updatedAt],
  );
}

/** A setup intent by client secret (locked for update), or null. */
export async function lockSetupIntentBySecret(db: SqlExecutor, clientSecret: string): Promise<ProviderSetupIntent | null> {
  const rows = await db.query<Record<string, unknown>>("SELECT * FROM provider_setup_intents WHERE client_secret = $1 FOR UPDATE", [clientSecret]);
  return rows[0] ? setupIntentFromRow(rows[0]) : null;
}

/** A setup intent of a project by id, or null. */
export async function findSetupIntent(db: SqlExecutor, projectId: string, id: string): Promise<ProviderSetupIntent | null> {
  const rows = await db.query<Record<string, unknown>>("SELECT * FROM provider_setup_intents WHERE project_id = $1 AND id = $2", [projectId, id]);
  return rows[0] ? setupIntentFromRow(rows[0]) : null;
}

// ---- payment intents ----

/** Stripe's payment intent statuses the emulator uses. */
export type PaymentIntentStatus = "requires_payment_method" | "requires_action" | "succeeded" | "canceled";

/** A payment: one-time purchases and each invoice's charge. */
export interface ProviderPaymentIntent {
  id: string;
  projectId: string;
  providerCustomerId: string | null;
  clientSecret: string;
  amountCents: number;
  currency: "usd";
  status: PaymentIntentStatus;
  paymentMethodId: string | null;
  lastError: CardError | null;
  /** As the hosted API sets it: `purchaseKind: "ONE_TIME"`, product, price, quantity, customer. */
  metadata: Record<string, string>;
  invoiceId: string | null;
  amountReceived: number;
  amountRefunded: number;
  createdAt: number;
  updatedAt: number;
}

function paymentIntentFromRow(r: Record<string, unknown>): ProviderPaymentIntent {
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    providerCustomerId: (r.provider_customer_id as string | null) ?? null,
    clientSecret: String(r.client_secret),
    amountCents: num(r.amount_cents),
    currency: "usd",
    status: r.status as PaymentIntentStatus,
    paymentMethodId: (r.payment_method_id as string | null) ?? null,
    lastError: r.last_error === null || r.last_error === undefined ? null : fromJson<CardError>(r.last_error),
    metadata: fromJson<Record<string, string>>(r.metadata),
    invoiceId: (r.invoice_id as string | null) ?? null,
    amountReceived: num(r.amount_received),
    amountRefunded: num(r.amount_refunded),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

/** Stores a new payment intent. */
export async function insertPaymentIntent(db: SqlExecutor, pi: ProviderPaymentIntent): Promise<void> {
  await db.query(
    `INSERT INTO provider_payment_intents (id, project_id, provider_customer_id, client_secret, amount_cents, currency, status, payment_method_id,
       last_error, metadata, invoice_id, amount_received, amount_refunded, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10::json, $11, $12, $13, $14, $15)`,
    [
      pi.id,
      pi.projectId,
      pi.providerCustomerId,
      pi.clientSecret,
      pi.amountCents,
      pi.currency,
      pi.status,
      pi.paymentMethodId,
      pi.lastError === null ? null : JSON.stringify(pi.lastError),
      JSON.stringify(pi.metadata),
      pi.invoiceId,
      pi.amountReceived,
      pi.amountRefunded,
      pi.createdAt,
      pi.updatedAt,
    ],
  );
}

/** Saves a payment intent's state. */
export async function updatePaymentIntent(db: SqlExecutor, pi: ProviderPaymentIntent): Promise<void> {
  await db.query(
    `UPDATE provider_payment_intents SET status = $2, payment_method_id = $3, last_error = $4::json, amount_received = $5, amount_refunded = $6,
       updated_at = $7, amount_cents = $8 WHERE id = $1`,
    [pi.id, pi.status, pi.paymentMethodId, pi.lastError === null ? null : JSON.stringify(pi.lastError), pi.amountReceived, pi.amountRefunded, pi.updatedAt, pi.amountCents],
  );
}

/** A payment intent by client secret, or null; `lock` takes its row lock. */
export async function findPaymentIntentBySecret(db: SqlExecutor, clientSecret: string, lock = false): Promise<ProviderPaymentIntent | null> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT * FROM provider_payment_intents WHERE client_secret = $1${lock ? " FOR UPDATE" : ""}`,
    [clientSecret],
  );
  return rows[0] ? paymentIntentFromRow(rows[0]) : null;
}

/** A payment intent by id, or null; `lock` takes its row lock. */
export async function getPaymentIntent(db: SqlExecutor, id: string | null, lock = false): Promise<ProviderPaymentIntent | null> {
  if (id === null) return null;
  const rows = await db.query<Record<string, unknown>>(`SELECT * FROM provider_payment_intents WHERE id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? paymentIntentFromRow(rows[0]) : null;
}

// ---- subscriptions ----

/** Stripe's subscription statuses (no trials: the hosted API creates none). */
export type SubscriptionStatus = "incomplete" | "incomplete_expired" | "active" | "past_due" | "canceled" | "unpaid";

/** What the hosted API stores in a subscription's metadata: the product snapshot and price. */
export interface SubscriptionMetadata {
  productId: string | null;
  priceId: string;
  product: ResolvedProduct;
}

/** A provider subscription. */
export interface ProviderSubscription {
  id: string;
  projectId: string;
  providerCustomerId: string;
  status: SubscriptionStatus;
  unitAmountCents: number;
  quantity: number;
  interval: DayInterval;
  metadata: SubscriptionMetadata;
  currentPeriodStart: number;
  currentPeriodEnd: number;
  cancelAtPeriodEnd: boolean;
  canceledAt: number | null;
  endedAt: number | null;
  /** When the product, price or quantity last changed (a plan switch). */
  itemChangedAt: number;
  latestInvoiceId: string | null;
  /** When time-driven work is due (expiry of an unpaid start, a retry, the period end); null when none. */
  nextDueAt: number | null;
  createdAt: number;
}

function subscriptionFromRow(r: Record<string, unknown>): ProviderSubscription {
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    providerCustomerId: String(r.provider_customer_id),
    status: r.status as SubscriptionStatus,
    unitAmountCents: num(r.unit_amount_cents),
    quantity: num(r.quantity),
    interval: fromJson<DayInterval>(r.price_interval),
    metadata: fromJson<SubscriptionMetadata>(r.metadata),
    currentPeriodStart: num(r.current_period_start),
    currentPeriodEnd: num(r.current_period_end),
    cancelAtPeriodEnd: r.cancel_at_period_end === true,
    canceledAt: numOrNull(r.canceled_at),
    endedAt: numOrNull(r.ended_at),
    itemChangedAt: num(r.item_changed_at),
    latestInvoiceId: (r.latest_invoice_id as string | null) ?? null,
    nextDueAt: numOrNull(r.next_due_at),
    createdAt: num(r.created_at),
  };
}

/** Stores a new subscription. */
export async function insertSubscription(db: SqlExecutor, s: ProviderSubscription): Promise<void> {
  await db.query(
    `INSERT INTO provider_subscriptions (id, project_id, provider_customer_id, status, unit_amount_cents, quantity, price_interval, metadata,
       current_period_start, current_period_end, cancel_at_period_end, canceled_at, ended_at, item_changed_at, latest_invoice_id, next_due_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8::json, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      s.id,
      s.projectId,
      s.providerCustomerId,
      s.status,
      s.unitAmountCents,
      s.quantity,
      JSON.stringify(s.interval),
      JSON.stringify(s.metadata),
      s.currentPeriodStart,
      s.currentPeriodEnd,
      s.cancelAtPeriodEnd,
      s.canceledAt,
      s.endedAt,
      s.itemChangedAt,
      s.latestInvoiceId,
      s.nextDueAt,
      s.createdAt,
    ],
  );
}

/** Saves a subscription's state. */
export async function updateSubscription(db: SqlExecutor, s: ProviderSubscription): Promise<void> {
  await db.query(
    `UPDATE provider_subscriptions SET status = $2, unit_amount_cents = $3, quantity = $4, price_interval = $5::json, metadata = $6::json,
       current_period_start = $7, current_period_end = $8, cancel_at_period_end = $9, canceled_at = $10, ended_at = $11, item_changed_at = $12,
       latest_invoice_id = $13, next_due_at = $14 WHERE id = $1`,
    [
      s.id,
      s.status,
      s.unitAmountCents,
      s.quantity,
      JSON.stringify(s.interval),
      JSON.stringify(s.metadata),
      s.currentPeriodStart,
      s.currentPeriodEnd,
      s.cancelAtPeriodEnd,
      s.canceledAt,
      s.endedAt,
      s.itemChangedAt,
      s.latestInvoiceId,
      s.nextDueAt,
    ],
  );
}

/** A subscription by id, or null; `lock` takes its row lock. */
export async function getSubscription(db: SqlExecutor, id: string | null, lock = false): Promise<ProviderSubscription | null> {
  if (id === null) return null;
  const rows = await db.query<Record<string, unknown>>(`SELECT * FROM provider_subscriptions WHERE id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? subscriptionFromRow(rows[0]) : null;
}

/** Every subscription of a customer, oldest first. */
export async function listCustomerSubscriptions(db: SqlExecutor, customerId: string): Promise<ProviderSubscription[]> {
  const rows = await db.query<Record<string, unknown>>(
    "SELECT * FROM provider_subscriptions WHERE provider_customer_id = $1 ORDER BY created_at, id",
    [customerId],
  );
  return rows.map(subscriptionFromRow);
}

/** Ids of the project's subscriptions with work due at or before `now`, earliest first. */
export async function dueSubscriptions(db: SqlExecutor, projectId: string, now: number, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM provider_subscriptions WHERE project_id = $1 AND next_due_at IS NOT NULL AND next_due_at <= $2
     ORDER BY next_due_at, id LIMIT $3`,
    [projectId, now, limit],
  );
  return rows.map((r) => r.id);
}

// ---- invoices ----

/** Stripe's invoice statuses. */
export type InvoiceStatus = "draft" | "open" | "paid" | "uncollectible" | "void";

/** Why an invoice was made: the first period, a renewal, or a plan change. */
export type BillingReason = "subscription_create" | "subscription_cycle" | "subscription_update";

/** A subscription invoice. */
export interface ProviderInvoice {
  id: string;
  projectId: string;
  providerCustomerId: string;
  subscriptionId: string;
  status: InvoiceStatus;
  billingReason: BillingReason;
  totalCents: number;
  amountDue: number;
  amountPaid: number;
  currency: "usd";
  /** The invoice line's description: the product's display name. */
  description: string;
  quantity: number;
  periodStart: number;
  periodEnd: number;
  paymentIntentId: string | null;
  attemptCount: number;
  nextPaymentAttempt: number | null;
  createdAt: number;
  paidAt: number | null;
}

function invoiceFromRow(r: Record<string, unknown>): ProviderInvoice {
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    providerCustomerId: String(r.provider_customer_id),
    subscriptionId: String(r.subscription_id),
    status: r.status as InvoiceStatus,
    billingReason: r.billing_reason as BillingReason,
    totalCents: num(r.total_cents),
    amountDue: num(r.amount_due),
    amountPaid: num(r.amount_paid),
    currency: "usd",
    description: String(r.description),
    quantity: num(r.quantity),
    periodStart: num(r.period_start),
    periodEnd: num(r.period_end),
    paymentIntentId: (r.payment_intent_id as string | null) ?? null,
    attemptCount: num(r.attempt_count),
    nextPaymentAttempt: numOrNull(r.next_payment_attempt),
    createdAt: num(r.created_at),
    paidAt: numOrNull(r.paid_at),
  };
}

/** Stores a new invoice. */
export async function insertInvoice(db: SqlExecutor, i: ProviderInvoice): Promise<void> {
  await db.query(
    `INSERT INTO provider_invoices (id, project_id, provider_customer_id, subscription_id, status, billing_reason, total_cents, amount_due, amount_paid,
       currency, description, quantity, period_start, period_end, payment_intent_id, attempt_count, next_payment_attempt, created_at, paid_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
    [
      i.id,
      i.projectId,
      i.providerCustomerId,
      i.subscriptionId,
      i.status,
      i.billingReason,
      i.totalCents,
      i.amountDue,
      i.amountPaid,
      i.currency,
      i.description,
      i.quantity,
      i.periodStart,
      i.periodEnd,
      i.paymentIntentId,
      i.attemptCount,
      i.nextPaymentAttempt,
      i.createdAt,
      i.paidAt,
    ],
  );
}

/** Saves an invoice's state. */
export async function updateInvoice(db: SqlExecutor, i: ProviderInvoice): Promise<void> {
  await db.query(
    `UPDATE provider_invoices SET status = $2, amount_paid = $3, payment_intent_id = $4, attempt_count = $5, next_payment_attempt = $6, paid_at = $7
     WHERE id = $1`,
    [i.id, i.status, i.amountPaid, i.paymentIntentId, i.attemptCount, i.nextPaymentAttempt, i.paidAt],
  );
}

/** An invoice by id, or null. */
export async function getInvoice(db: SqlExecutor, id: string | null): Promise<ProviderInvoice | null> {
  if (id === null) return null;
  const rows = await db.query<Record<string, unknown>>("SELECT * FROM provider_invoices WHERE id = $1", [id]);
  return rows[0] ? invoiceFromRow(rows[0]) : null;
}

/** The invoices of a subscription, oldest first. */
export async function listSubscriptionInvoices(db: SqlExecutor, subscriptionId: string): Promise<ProviderInvoice[]> {
  const rows = await db.query<Record<string, unknown>>("SELECT * FROM provider_invoices WHERE subscription_id = $1 ORDER BY created_at, id", [subscriptionId]);
  return rows.map(invoiceFromRow);
}

// ---- refunds ----

/** Records a refund of (part of) a payment and adds it to the payment's refunded amount. */
export async function insertRefund(db: SqlExecutor, projectId: string, paymentIntentId: string, amountCents: number, now: number): Promise<string> {
  const id = providerId("re");
  await db.query("INSERT INTO provider_refunds (id, project_id, payment_intent_id, amount_cents, created_at) VALUES ($1, $2, $3, $4, $5)", [
    id,
    projectId,
    paymentIntentId,
    amountCents,
    now,
  ]);
  await db.query("UPDATE provider_payment_intents SET amount_refunded = amount_refunded + $2, updated_at = $3 WHERE id = $1", [paymentIntentId, amountCents, now]);
  return id;
}

// ---- events ----

/** An event the provider sent (a webhook delivery). */
export interface ProviderEvent {
  id: string;
  projectId: string;
  type: string;
  object: Record<string, unknown>;
  createdAt: number;
}

/** Stores events, in their order, in one statement. */
export async function insertEvents(db: SqlExecutor, events: readonly ProviderEvent[]): Promise<void> {
  if (events.length === 0) return;
  const params: unknown[] = [];
  const rows = events.map((e) => {
    params.push(e.id, e.projectId, e.type, JSON.stringify(e.object), e.createdAt);
    const n = params.length;
    return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::json, $${n})`;
  });
  await db.query(`INSERT INTO provider_events (id, project_id, type, object, created_at) VALUES ${rows.join(", ")}`, params);
}

/** An event of a project by id, or null. */
export async function findEvent(db: SqlExecutor, projectId: string, id: string): Promise<ProviderEvent | null> {
  const rows = await db.query<Record<string, unknown>>("SELECT * FROM provider_events WHERE project_id = $1 AND id = $2", [projectId, id]);
  const r = rows[0];
  if (!r) return null;
  return { id: String(r.id), projectId: String(r.project_id), type: String(r.type), object: fromJson(r.object), createdAt: num(r.created_at) };
}

/** A project's events, newest first, after the `beforeSeq` cursor when given. */
export async function listEvents(
  db: SqlExecutor,
  projectId: string,
  options: { limit: number; beforeSeq?: number | undefined; type?: string | undefined },
): Promise<(ProviderEvent & { seq: number })[]> {
  const params: unknown[] = [projectId, options.limit];
  let where = "project_id = $1";
  if (options.beforeSeq !== undefined) {
    params.push(options.beforeSeq);
    where += ` AND seq < $${params.length}`;
  }
  if (options.type !== undefined) {
    params.push(options.type);
    where += ` AND type = $${params.length}`;
  }
  const rows = await db.query<Record<string, unknown>>(`SELECT * FROM provider_events WHERE ${where} ORDER BY seq DESC LIMIT $2`, params);
  return rows.map((r) => ({ seq: num(r.seq), id: String(r.id), projectId: String(r.project_id), type: String(r.type), object: fromJson(r.object), createdAt: num(r.created_at) }));
}
