/**
 * The payment emails the hosted API sends (its default "Payment Receipt" and "Payment Failed"
 * templates), kept in the emulator's outbox instead of being mailed. Recipients are picked as the
 * hosted API picks them: a user customer's primary email; every `team_admin` (held directly or
 * through a containing permission) of a team customer; nobody for a custom customer. One outbox
 * row per recipient; a user without a primary email gets a row marked `skipped`, as the hosted
 * outbox records an email it could not address. An event's emails are written once, however often
 * the event is delivered.
 */
import { randomUUID } from "node:crypto";
import type { CustomerType } from "../../core/schemas/index.js";
import { expandPermissions } from "../auth/permissions.js";
import { isUuid } from "../customer-access.js";
import type { SqlExecutor } from "../db.js";
import { getProjectConfig } from "../project-config.js";
import { formatUsd } from "./money.js";

/** `payment_receipt` (a payment went through) or `payment_failed`. */
export type PaymentEmailKind = "payment_receipt" | "payment_failed";

/** What one payment email says. */
export interface PaymentEmailInput {
  projectId: string;
  kind: PaymentEmailKind;
  /** The provider event this email answers (its emails are written once). */
  sourceEventId: string;
  customerType: CustomerType;
  customerId: string;
  productName: string;
  /** Receipts show the quantity bought. */
  quantity?: number | undefined;
  amountCents: number;
  /** Failure emails of one-time payments say why. */
  failureReason?: string | undefined;
  createdAt: number;
}

/** A recipient of a payment email. */
interface Recipient {
  userId: string;
  email: string | null;
  displayName: string | null;
}

async function recipientsOf(db: SqlExecutor, projectId: string, customerType: CustomerType, customerId: string): Promise<Recipient[]> {
  if (customerType === "custom" || !isUuid(customerId)) return [];
  if (customerType === "user") {
    const rows = await db.query<{ id: string; primary_email: string | null; display_name: string | null }>(
      "SELECT id::text AS id, primary_email, display_name FROM users WHERE project_id = $1 AND id = $2",
      [projectId, customerId],
    );
    return rows.map((r) => ({ userId: r.id, email: r.primary_email, displayName: r.display_name }));
  }
  const members = await db.query<{ user_id: string; permission_id: string | null; primary_email: string | null; display_name: string | null }>(
    `SELECT m.user_id::text AS user_id, p.permission_id, u.primary_email, u.display_name
     FROM team_members m
     JOIN users u ON u.project_id = m.project_id AND u.id = m.user_id
     LEFT JOIN team_member_permissions p ON p.project_id = m.project_id AND p.team_id = m.team_id AND p.user_id = m.user_id
     WHERE m.project_id = $1 AND m.team_id = $2
     ORDER BY m.user_id`,
    [projectId, customerId],
  );
  const config = await getProjectConfig(db, projectId);
  const byUser = new Map<string, { direct: string[]; email: string | null; displayName: string | null }>();
  for (const m of members) {
    const entry = byUser.get(m.user_id) ?? { direct: [], email: m.primary_email, displayName: m.display_name };
    if (m.permission_id !== null) entry.direct.push(m.permission_id);
    byUser.set(m.user_id, entry);
  }
  return [...byUser]
    .filter(([, m]) => expandPermissions(config, m.direct).has("team_admin"))
    .map(([userId, m]) => ({ userId, email: m.email, displayName: m.displayName }));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Subject, HTML and text of one email, following the hosted default templates. */
function render(
  kind: PaymentEmailKind,
  vars: { projectName: string; productName: string; amount: string; quantity?: number | undefined; failureReason?: string | undefined },
  recipient: Recipient,
): { subject: string; html: string; text: string } {
  const hi = `Hi${recipient.displayName ? `, ${recipient.displayName}` : ""}!`;
  const frame = (inner: string) =>
    `<!doctype html><html><body style="margin:0;padding:32px 0;background:#fff;color:#242424;font-family:system-ui,sans-serif">` +
    `<div style="max-width:560px;margin:0 auto;text-align:center">${inner}<hr style="border:0;border-top:1px solid #e5e5e5;margin:24px"></div></body></html>`;
  if (kind === "payment_receipt") {
    const subject = `Your receipt from ${vars.projectName}`;
    const html = frame(
      `<h3 style="font-size:20px;margin:0;padding:16px 24px">Thanks for your purchase</h3>` +
        `<p style="color:#474849;font-size:14px;padding:8px 24px 16px;margin:0">${escapeHtml(hi)} Your payment for ${escapeHtml(vars.productName)} is complete.</p>` +
        `<p style="font-weight:bold;font-size:16px;margin:0">Total paid: ${escapeHtml(vars.amount)}</p>` +
        `<p style="color:#474849;font-size:13px;margin:8px 0 0">Quantity: ${vars.quantity ?? 1}</p>`,
    );
    const text = [
      "Thanks for your purchase",
      "",
      `${hi} Your payment for ${vars.productName} is complete.`,
      "",
      `Total paid: ${vars.amount}`,
      `Quantity: ${vars.quantity ?? 1}`,
    ].join("\n");
    return { subject, html, text };
  }
  const subject = `Payment failed for ${vars.projectName}`;
  const reason = vars.failureReason ? `<p style="color:#8a8b8b;font-size:12px;padding:0 24px 8px;margin:0">Reason: ${escapeHtml(vars.failureReason)}</p>` : "";
  const html = frame(
    `<h3 style="font-size:20px;margin:0;padding:16px 24px">We couldn't process your payment</h3>` +
      `<p style="color:#474849;font-size:14px;padding:8px 24px 16px;margin:0">${escapeHtml(hi)} Your payment for ${escapeHtml(vars.productName)} (${escapeHtml(vars.amount)}) did not go through.</p>` +
      reason +
      `<p style="color:#474849;font-size:12px;padding:4px 24px 24px;margin:0">Please update your payment details to avoid service interruption.</p>`,
  );
  const text = [
    "We couldn't process your payment",
    "",
    `${hi} Your payment for ${vars.productName} (${vars.amount}) did not go through.`,
    ...(vars.failureReason ? [`Reason: ${vars.failureReason}`] : []),
    "",
    "Please update your payment details to avoid service interruption.",
  ].join("\n");
  return { subject, html, text };
}

/**
 * Writes the email of one payment event to the outbox, once per recipient; a repeat delivery of
 * the same event writes nothing. Returns the ids written now.
 */
export async function sendPaymentEmail(db: SqlExecutor, input: PaymentEmailInput): Promise<string[]> {
  const recipients = await recipientsOf(db, input.projectId, input.customerType, input.customerId);
  if (recipients.length === 0) return [];
  const projects = await db.query<{ display_name: string }>("SELECT display_name FROM emulator_projects WHERE id = $1", [input.projectId]);
  const projectName = projects[0]?.display_name ?? "your app";
  const amount = formatUsd(input.amountCents);
  const variables: Record<string, string | number> = { productName: input.productName, amount };
  if (input.kind === "payment_receipt") variables.quantity = input.quantity ?? 1;
  if (input.failureReason !== undefined) variables.failureReason = input.failureReason;
  const written: string[] = [];
  for (const recipient of recipients) {
    const { subject, html, text } = render(input.kind, { projectName, productName: input.productName, amount, quantity: input.quantity, failureReason: input.failureReason }, recipient);
    const id = randomUUID();
    const rows = await db.query<{ id: string }>(
      `INSERT INTO payments_emails (id, project_id, kind, source_event_id, customer_type, customer_id, to_user_id, to_email, status, skipped_reason,
         subject, product_name, amount, variables, html, body_text, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::json, $15, $16, $17)
       ON CONFLICT (project_id, source_event_id, kind, to_user_id) DO NOTHING RETURNING id`,
      [
        id,
        input.projectId,
        input.kind,
        input.sourceEventId,
        input.customerType,
        input.customerId,
        recipient.userId,
        recipient.email,
        recipient.email === null ? "skipped" : "sent",
        recipient.email === null ? "The user has no primary email address." : null,
        subject,
        input.productName,
        amount,
        JSON.stringify(variables),
        html,
        text,
        input.createdAt,
      ],
    );
    if (rows.length > 0) written.push(id);
  }
  return written;
}

/** One email of the outbox, as the outbox route answers it. */
export interface OutboxEmail {
  id: string;
  kind: PaymentEmailKind;
  created_at_millis: number;
  customer_type: CustomerType;
  customer_id: string;
  to: { user_id: string | null; email: string | null };
  status: "sent" | "skipped";
  skipped_reason: string | null;
  subject: string;
  product_name: string;
  amount: string;
  variables: Record<string, string | number>;
  html: string;
  text: string;
  source_event_id: string;
}

/** Filters of {@link listOutbox}. */
export interface OutboxFilter {
  customerType?: CustomerType | undefined;
  customerId?: string | undefined;
  kind?: PaymentEmailKind | undefined;
  to?: string | undefined;
  /** Only emails written after this sequence number (live streams), oldest first. */
  afterSeq?: number | undefined;
  /** Only emails written before this sequence number (pages), newest first. */
  beforeSeq?: number | undefined;
  limit: number;
}

/** A project's outbox, newest first (or oldest first after `afterSeq`), with each row's sequence number. */
export async function listOutbox(db: SqlExecutor, projectId: string, filter: OutboxFilter): Promise<(OutboxEmail & { seq: number })[]> {
  const params: unknown[] = [projectId];
  const where = ["project_id = $1"];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (filter.customerType !== undefined) add("customer_type = ?", filter.customerType);
  if (filter.customerId !== undefined) add("customer_id = ?", filter.customerId);
  if (filter.kind !== undefined) add("kind = ?", filter.kind);
  if (filter.to !== undefined) add("lower(to_email) = lower(?)", filter.to);
  if (filter.afterSeq !== undefined) add("seq > ?", filter.afterSeq);
  if (filter.beforeSeq !== undefined) add("seq < ?", filter.beforeSeq);
  params.push(filter.limit);
  const order = filter.afterSeq !== undefined ? "ASC" : "DESC";
  const rows = await db.query<Record<string, unknown>>(
    `SELECT * FROM payments_emails WHERE ${where.join(" AND ")} ORDER BY seq ${order} LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    id: String(r.id),
    kind: r.kind as PaymentEmailKind,
    created_at_millis: Number(r.created_at),
    customer_type: r.customer_type as CustomerType,
    customer_id: String(r.customer_id),
    to: { user_id: (r.to_user_id as string | null) ?? null, email: (r.to_email as string | null) ?? null },
    status: r.status as "sent" | "skipped",
    skipped_reason: (r.skipped_reason as string | null) ?? null,
    subject: String(r.subject),
    product_name: String(r.product_name),
    amount: String(r.amount),
    variables: (typeof r.variables === "string" ? JSON.parse(r.variables) : r.variables) as Record<string, string | number>,
    html: String(r.html),
    text: String(r.body_text),
    source_event_id: String(r.source_event_id),
  }));
}
