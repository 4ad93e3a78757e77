/**
 * Payment emails: the emulator sends no mail; it keeps the receipts and payment-failure emails
 * the hosted API would send in an outbox (recipient, subject, product, amount, rendered body),
 * shown here newest first.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { DashboardSession } from "../admin-session.js";
import type { OutboxEmail } from "../emulator-api.js";
import { CUSTOMER_TYPE_LABELS, formatDateTime, formatMoney, shortId } from "../format.js";
import { dashboardKeys } from "../live-updates.js";
import { href } from "../router.js";
import { Badge, Button, Card, Dialog, EmptyState, ErrorNote, Loading, PageHeader, Segmented } from "../ui.js";

const KINDS = [
  { value: "all", label: "All" },
  { value: "payment_receipt", label: "Receipts" },
  { value: "payment_failed", label: "Failed payments" },
] as const;
type Kind = (typeof KINDS)[number]["value"];

function amountText(amount: string): string {
  return /^-?\d+(\.\d+)?$/.test(amount) ? formatMoney(amount) : amount;
}

/** The Payment emails section. */
export function EmailsSection({ session }: { session: DashboardSession }) {
  const [kind, setKind] = useState<Kind>("all");
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors.at(-1) ?? null;
  const [open, setOpen] = useState<OutboxEmail | null>(null);
  const outbox = useQuery({
    queryKey: dashboardKeys.outbox(session.projectId, kind, cursor),
    queryFn: () => session.api.listOutbox({ kind: kind === "all" ? undefined : kind, cursor: cursor ?? undefined }),
    placeholderData: (previous) => previous,
  });
  return (
    <>
      <PageHeader
        title="Payment emails"
        description="A receipt on every successful payment and a notice on every failed one, for one-time purchases and renewals. The emulator sends no mail: this outbox shows what would have been sent."
      />
      <div className="toolbar">
        <Segmented
          label="Kind of email"
          value={kind}
          options={KINDS}
          onChange={(k) => {
            setKind(k);
            setCursors([null]);
          }}
        />
      </div>
      <Card testId="outbox">
        {outbox.status === "pending" && <Loading rows={3} />}
        {outbox.status === "error" && <ErrorNote error={outbox.error} retry={() => void outbox.refetch()} />}
        {outbox.data &&
          (outbox.data.items.length === 0 ? (
            <EmptyState title={kind === "all" ? "No payment emails yet" : "No emails of this kind"}>
              Emails are written when a paid (live-mode) purchase or renewal succeeds or fails. Test-mode purchases send none.
            </EmptyState>
          ) : (
            <ul className="rows">
              {outbox.data.items.map((email) => (
                <li key={email.id} className="row">
                  <button type="button" className="row-link" onClick={() => setOpen(email)} data-testid={`email-${email.id}`}>
                    <span className="row-main">
                      <span className="inline wrap">
                        <Badge tone={email.kind === "payment_receipt" ? "green" : "red"}>{email.kind === "payment_receipt" ? "Receipt" : "Payment failed"}</Badge>
                        {email.status === "skipped" && <Badge tone="amber" title={email.skipped_reason ?? undefined}>Not sent</Badge>}
                        <span className="strong">{email.subject}</span>
                      </span>
                      <span className="muted small">
                        To {email.to.email ?? "nobody"} · {email.product_name} · {formatDateTime(email.created_at_millis)}
                      </span>
                    </span>
                    <span className="row-side amount">{amountText(email.amount)}</span>
                  </button>
                </li>
              ))}
            </ul>
          ))}
        {outbox.data && (cursors.length > 1 || outbox.data.next_cursor) && (
          <div className="pager">
            <Button size="sm" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
              ← Newer
            </Button>
            <span className="small muted">Page {cursors.length}</span>
            <Button size="sm" disabled={!outbox.data.next_cursor} onClick={() => setCursors((c) => [...c, outbox.data!.next_cursor])}>
              Older →
            </Button>
          </div>
        )}
      </Card>
      {open && <EmailDialog email={open} onClose={() => setOpen(null)} />}
    </>
  );
}

function EmailDialog({ email, onClose }: { email: OutboxEmail; onClose(): void }) {
  const [view, setView] = useState<"html" | "text">("html");
  return (
    <Dialog wide title={email.subject} description={`${email.kind === "payment_receipt" ? "Receipt" : "Payment failed"} · ${formatDateTime(email.created_at_millis)}`} onClose={onClose} testId="email-dialog">
      <dl className="facts">
        <div>
          <dt>To</dt>
          <dd data-testid="email-to">{email.to.email ?? <span className="muted">No address{email.skipped_reason ? `: ${email.skipped_reason}` : ""}</span>}</dd>
        </div>
        <div>
          <dt>Customer</dt>
          <dd>
            <a href={href("customers", email.customer_type, email.customer_id)}>
              {CUSTOMER_TYPE_LABELS[email.customer_type]} <span className="mono">{shortId(email.customer_id)}</span>
            </a>
          </dd>
        </div>
        <div>
          <dt>Product</dt>
          <dd>{email.product_name}</dd>
        </div>
        <div>
          <dt>Amount</dt>
          <dd data-testid="email-amount">{amountText(email.amount)}</dd>
        </div>
      </dl>
      <Segmented
        label="Body"
        value={view}
        options={[
          { value: "html", label: "Rendered" },
          { value: "text", label: "Plain text" },
        ]}
        onChange={setView}
      />
      {view === "html" ? (
        // No scripts, no same-origin access: the email is shown, nothing more.
        <iframe className="email-frame" title={`Body of "${email.subject}"`} sandbox="" srcDoc={email.html} data-testid="email-body" />
      ) : (
        <pre className="email-text" data-testid="email-text">
          {email.text}
        </pre>
      )}
    </Dialog>
  );
}
