/**
 * Transactions: the ledger, newest first, filtered by transaction type and customer type (and
 * customer), page by page. A transaction opens to its entries, amount and products, and an
 * eligible one (a paid, live-mode purchase not refunded yet) can be refunded from there.
 */
import { useMemo, useState, type FormEvent } from "react";
import { isStackPaymentsError } from "../../core/errors.js";
import type { Transaction, TransactionEntry } from "../../core/admin/transactions.js";
import { TRANSACTION_TYPES, type TransactionType } from "../../core/schemas/transactions.js";
import type { CustomerType } from "../../core/schemas/common.js";
import { useAdminApp } from "../../react/use-admin-app.js";
import { useTransactions } from "../../react/use-transactions.js";
import type { DashboardSession } from "../admin-session.js";
import { CUSTOMER_TYPE_LABELS, formatDateTime, formatMoney, shortId, signed } from "../format.js";
import { href, navigate } from "../router.js";
import { Badge, Button, Card, Dialog, EmptyState, ErrorNote, Field, FormError, Loading, PageHeader, errorMessage, useToast } from "../ui.js";

/** Words for each transaction type. */
export const TRANSACTION_TYPE_LABELS: Record<TransactionType, string> = {
  purchase: "Purchase",
  "subscription-renewal": "Renewal",
  "subscription-cancellation": "Cancellation",
  "manual-item-quantity-change": "Manual change",
  refund: "Refund",
  chargeback: "Chargeback",
  "product-change": "Plan change",
};

const TYPE_TONES: Partial<Record<TransactionType, "green" | "blue" | "amber" | "red" | "violet">> = {
  purchase: "green",
  "subscription-renewal": "blue",
  "manual-item-quantity-change": "violet",
  refund: "amber",
  chargeback: "red",
};

const PAGE_SIZE = 20;

type Entry<T extends TransactionEntry["type"]> = Extract<TransactionEntry, { type: T }>;
const entriesOf = <T extends TransactionEntry["type"]>(tx: Transaction, type: T) => tx.entries.filter((e): e is Entry<T> => e.type === type);

/** The customer a transaction is about. */
export function customerOf(tx: Transaction): { type: CustomerType; id: string } | null {
  if (tx.customer_type && tx.customer_id) return { type: tx.customer_type, id: tx.customer_id };
  const entry = tx.entries.find((e) => "customer_type" in e) as { customer_type: CustomerType; customer_id: string } | undefined;
  return entry ? { type: entry.customer_type, id: entry.customer_id } : null;
}

/** What was charged (or returned), in its currency: `$5.00`, `-$5.00`; null when no money moved. */
export function amountOf(tx: Transaction): string | null {
  const transfers = entriesOf(tx, "money_transfer");
  if (transfers.length === 0) return null;
  const [currency, amount] = Object.entries(transfers[0]!.charged_amount).find(([, v]) => v !== undefined) ?? ["USD", transfers[0]!.net_amount.USD];
  return formatMoney(amount!, currency);
}

/** Transactions by id: those on screen, where a refund or plan change finds the purchase it adjusts. */
type KnownTransactions = ReadonlyMap<string, Transaction>;

/**
 * The product a revocation took back, named from the purchase it adjusts when that purchase is
 * among `known` (the entry itself carries only the purchase's id and entry index, as on the hosted API).
 */
function revokedProductName(entry: Entry<"product_revocation">, known: KnownTransactions): string | null {
  const grant = known.get(entry.adjusted_transaction_id)?.entries[entry.adjusted_entry_index];
  return grant?.type === "product_grant" ? grant.product.display_name : null;
}

/** What a transaction did, in a few words: products granted, items changed, revocations. */
export function summaryOf(tx: Transaction, known: KnownTransactions = new Map()): string {
  const parts: string[] = [];
  for (const g of entriesOf(tx, "product_grant")) parts.push(`${g.product.display_name}${g.quantity !== 1 ? ` ×${g.quantity}` : ""}`);
  for (const c of entriesOf(tx, "item_quantity_change")) parts.push(`${c.item_id} ${signed(c.quantity)}`);
  for (const r of entriesOf(tx, "product_revocation")) {
    const name = revokedProductName(r, known);
    parts.push(name ? `took back ${name} ×${r.quantity}` : `took back ${r.quantity}`);
  }
  return parts.join(", ") || "—";
}

/** The purchase a refund would act on, when the transaction can be refunded. */
function refundTarget(
  tx: Transaction,
): { type: "subscription" | "one-time-purchase"; id: string; chargedUsd: string; quantity: number; entryIndex: number; productName: string } | null {
  if (tx.test_mode || tx.adjusted_by.length > 0 || (tx.type !== "purchase" && tx.type !== "subscription-renewal")) return null;
  const entryIndex = tx.entries.findIndex((e) => e.type === "product_grant");
  const grant = tx.entries[entryIndex] as Entry<"product_grant"> | undefined;
  const charged = entriesOf(tx, "money_transfer")[0]?.charged_amount.USD;
  if (!grant || charged === undefined || Number(charged) <= 0) return null;
  const base = { chargedUsd: charged, quantity: grant.quantity, entryIndex, productName: grant.product.display_name };
  if (grant.subscription_id) return { type: "subscription", id: grant.subscription_id, ...base };
  if (grant.one_time_purchase_id) return { type: "one-time-purchase", id: grant.one_time_purchase_id, ...base };
  return null;
}

function isTransactionType(value: string): value is TransactionType {
  return (TRANSACTION_TYPES as readonly string[]).includes(value);
}

/** The Transactions section. */
export function TransactionsSection({ rest }: { session: DashboardSession; rest: string[] }) {
  const customer = rest[0] === "customer" && (rest[1] === "user" || rest[1] === "team" || rest[1] === "custom") && rest[2] ? { type: rest[1] as CustomerType, id: rest[2] } : null;
  const [type, setType] = useState<TransactionType | "">("");
  const [customerType, setCustomerType] = useState<CustomerType | "">(customer?.type ?? "");
  // Cursors of the pages seen so far: the first page has none.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const page = cursors.length - 1;
  const filters = {
    limit: PAGE_SIZE,
    ...(type ? { type } : {}),
    ...(customer ? { customerType: customer.type, customerId: customer.id } : customerType ? { customerType } : {}),
    ...(cursors[page] ? { cursor: cursors[page] } : {}),
  };
  const list = useTransactions({ ...filters, suspense: false });
  const resetPages = () => setCursors([undefined]);
  return (
    <>
      <PageHeader title="Transactions" description="All payment activity: purchases, renewals, manual changes and refunds. Open one for its entries; refund paid purchases from there." />
      <div className="toolbar">
        <label className="inline-label">
          <span className="small muted">Type</span>
          <select
            value={type}
            data-testid="filter-type"
            onChange={(e) => {
              setType(isTransactionType(e.target.value) ? e.target.value : "");
              resetPages();
            }}
          >
            <option value="">All types</option>
            {TRANSACTION_TYPES.map((t) => (
              <option key={t} value={t}>
                {TRANSACTION_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        {customer ? (
          <span className="filter-chip" data-testid="filter-customer">
            {CUSTOMER_TYPE_LABELS[customer.type]} <span className="mono">{shortId(customer.id)}</span>
            <button type="button" aria-label="Show every customer" onClick={() => navigate("transactions")}>
              ×
            </button>
          </span>
        ) : (
          <label className="inline-label">
            <span className="small muted">Customer type</span>
            <select
              value={customerType}
              data-testid="filter-customer-type"
              onChange={(e) => {
                const v = e.target.value;
                setCustomerType(v === "user" || v === "team" || v === "custom" ? v : "");
                resetPages();
              }}
            >
              <option value="">All customers</option>
              <option value="user">Users</option>
              <option value="team">Teams</option>
              <option value="custom">Custom</option>
            </select>
          </label>
        )}
      </div>
      <Card testId="transactions-card">
        {list.status === "pending" && <Loading rows={4} />}
        {list.status === "error" && <ErrorNote error={list.error} retry={() => void list.refetch()} />}
        {list.data &&
          (list.data.transactions.length === 0 ? (
            <EmptyState title={page > 0 ? "No more transactions" : type || customerType || customer ? "No transactions match these filters" : "No transactions yet"}>
              {page === 0 && !type && !customerType && !customer ? "Purchases, renewals, manual changes and refunds show up here as they happen." : undefined}
            </EmptyState>
          ) : (
            <TransactionList transactions={list.data.transactions} />
          ))}
        {list.data && (page > 0 || list.data.nextCursor) && (
          <div className="pager">
            <Button size="sm" disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="page-previous">
              ← Newer
            </Button>
            <span className="small muted">Page {page + 1}</span>
            <Button size="sm" disabled={!list.data.nextCursor} onClick={() => setCursors((c) => [...c, list.data!.nextCursor ?? undefined])} data-testid="page-next">
              Older →
            </Button>
          </div>
        )}
      </Card>
    </>
  );
}

/** Rows of transactions; each opens its details. */
export function TransactionList({ transactions, compact = false }: { transactions: Transaction[]; compact?: boolean }) {
  const [open, setOpen] = useState<Transaction | null>(null);
  const known = useMemo(() => new Map(transactions.map((tx) => [tx.id, tx])), [transactions]);
  return (
    <>
      <ul className="rows">
        {transactions.map((tx) => {
          const customer = customerOf(tx);
          const amount = amountOf(tx);
          return (
            <li key={tx.id} className="row">
              <button type="button" className="row-link" onClick={() => setOpen(tx)} data-testid={`transaction-${tx.id}`}>
                <span className="row-main">
                  <span className="inline wrap">
                    <Badge tone={TYPE_TONES[tx.type ?? "purchase"] ?? "neutral"}>{tx.type ? TRANSACTION_TYPE_LABELS[tx.type] : "Other"}</Badge>
                    {tx.adjusted_by.length > 0 && <Badge tone="amber">Refunded</Badge>}
                    <span className="strong">{summaryOf(tx, known)}</span>
                  </span>
                  <span className="muted small">
                    {formatDateTime(tx.created_at_millis)}
                    {!compact && customer && (
                      <>
                        {" · "}
                        {CUSTOMER_TYPE_LABELS[customer.type]} <span className="mono">{shortId(customer.id)}</span>
                      </>
                    )}
                  </span>
                </span>
                <span className="row-side amount" data-testid={`transaction-amount-${tx.id}`}>
                  {tx.test_mode ? (
                    <span className="muted small">Free (test mode)</span>
                  ) : amount ? (
                    <span className={amount.startsWith("-") ? "negative" : ""}>{amount}</span>
                  ) : (
                    <span className="muted small">{tx.type === "purchase" ? "No charge" : "—"}</span>
                  )}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {open && <TransactionDialog transaction={open} known={known} onClose={() => setOpen(null)} />}
    </>
  );
}

function EntryRow({ entry, known }: { entry: TransactionEntry; known: KnownTransactions }) {
  switch (entry.type) {
    case "money_transfer": {
      const [currency, amount] = Object.entries(entry.charged_amount).find(([, v]) => v !== undefined) ?? ["USD", entry.net_amount.USD];
      return (
        <>
          <Badge>Money</Badge> {amount!.startsWith("-") ? `Refunded ${formatMoney(amount!.slice(1), currency)}` : `Charged ${formatMoney(amount!, currency)}`}
          {currency !== "USD" ? ` (net ${formatMoney(entry.net_amount.USD)})` : ""}
        </>
      );
    }
    case "product_grant":
      return (
        <>
          <Badge tone="green">Product</Badge> {entry.product.display_name} ×{entry.quantity}
          <span className="muted small mono"> {entry.product_id ?? "inline"}{entry.price_id ? ` · price ${entry.price_id}` : ""}</span>
        </>
      );
    case "item_quantity_change": {
      const extra = entry as typeof entry & { description?: string | null; expires_at_millis?: number | null };
      return (
        <>
          <Badge tone="violet">Item</Badge> {entry.item_id} {signed(entry.quantity)}
          {extra.expires_at_millis ? <span className="muted small"> · expires {formatDateTime(extra.expires_at_millis)}</span> : null}
          {extra.description ? <span className="muted small"> · “{extra.description}”</span> : null}
        </>
      );
    }
    case "product_revocation":
      return (
        <>
          <Badge tone="amber">Revocation</Badge> took back {revokedProductName(entry, known) ?? "the product"} ×{entry.quantity} of purchase{" "}
          <span className="mono small">{entry.adjusted_transaction_id}</span>
        </>
      );
    default:
      return (
        <>
          <Badge>{entry.type}</Badge> {"quantity" in entry ? entry.quantity : ""}
        </>
      );
  }
}

function TransactionDialog({ transaction: tx, known, onClose }: { transaction: Transaction; known: KnownTransactions; onClose(): void }) {
  const customer = customerOf(tx);
  const amount = amountOf(tx);
  const target = refundTarget(tx);
  return (
    <Dialog
      wide
      title={`${tx.type ? TRANSACTION_TYPE_LABELS[tx.type] : "Transaction"} · ${formatDateTime(tx.created_at_millis)}`}
      description={<span className="mono">{tx.id}</span>}
      onClose={onClose}
      testId="transaction-dialog"
    >
      <dl className="facts">
        <div>
          <dt>Customer</dt>
          <dd>
            {customer ? (
              <a href={href("customers", customer.type, customer.id)}>
                {CUSTOMER_TYPE_LABELS[customer.type]} <span className="mono">{customer.id}</span>
              </a>
            ) : (
              "—"
            )}
          </dd>
        </div>
        <div>
          <dt>Amount</dt>
          <dd data-testid="transaction-amount">{tx.test_mode ? "Free (test mode)" : (amount ?? "—")}</dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>{tx.test_mode ? <Badge tone="amber">Test mode</Badge> : <Badge tone="violet">Live mode</Badge>}</dd>
        </div>
        {tx.adjusted_by.length > 0 && (
          <div>
            <dt>Adjusted by</dt>
            <dd className="mono small">{tx.adjusted_by.map((a) => a.transaction_id).join(", ")}</dd>
          </div>
        )}
      </dl>
      <h3 className="h3">Entries</h3>
      <ol className="entries" data-testid="transaction-entries">
        {tx.entries.map((entry, i) => (
          <li key={i}>
            <EntryRow entry={entry} known={known} />
          </li>
        ))}
      </ol>
      {target ? (
        <RefundForm transactionId={tx.id} target={target} onDone={onClose} />
      ) : (
        <p className="muted small" data-testid="refund-unavailable">
          {tx.test_mode
            ? "Test-mode purchases are free and cannot be refunded."
            : tx.adjusted_by.length > 0
              ? "Already refunded."
              : tx.type === "purchase" || tx.type === "subscription-renewal"
                ? "Only paid purchases in US dollars can be refunded."
                : "Only purchases can be refunded."}
        </p>
      )}
    </Dialog>
  );
}

function RefundForm({ transactionId, target, onDone }: { transactionId: string; target: NonNullable<ReturnType<typeof refundTarget>>; onDone(): void }) {
  const admin = useAdminApp();
  const toast = useToast();
  const [amount, setAmount] = useState(target.chargedUsd);
  const [quantity, setQuantity] = useState(String(target.quantity));
  const [endAction, setEndAction] = useState<"now" | "at-period-end">("now");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const oneTime = target.type === "one-time-purchase";
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await admin.refundTransaction(
        oneTime
          ? // Per entry: how many to take back (all, some, or none) and how much to give back.
            { type: target.type, id: target.id, refundEntries: [{ entryIndex: target.entryIndex, quantity: quantity.trim() === "" ? Number.NaN : Number(quantity.trim()), amountUsd: amount.trim() }] }
          : { type: target.type, id: target.id, amountUsd: amount.trim(), endAction },
      );
      toast(`Refunded ${formatMoney(amount.trim())}.`);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const argument = isStackPaymentsError(error, "INVALID_ARGUMENT") ? String(error.details?.argument ?? "") : "";
  const amountError = /amountUsd$/.test(argument) ? errorMessage(error) : undefined;
  const quantityError = /quantity$/.test(argument) ? errorMessage(error) : undefined;
  return (
    <form className="form refund" onSubmit={(e) => void submit(e)} noValidate data-testid="refund-form">
      <h3 className="h3">Refund</h3>
      <p className="muted small">
        Gives money back to the customer's card{oneTime ? " and takes back the quantity of the product you choose (items it already granted stay)" : " and takes the product back"}. Charged: {formatMoney(target.chargedUsd)} for {target.productName}
        {target.quantity !== 1 ? ` ×${target.quantity}` : ""}.
      </p>
      <div className="grid-2">
        <Field label="Amount (USD)" hint={`Up to ${formatMoney(target.chargedUsd)}.`} error={amountError}>
          {(props) => <input {...props} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="refund-amount" />}
        </Field>
        {oneTime ? (
          <Field label="Quantity to take back" hint={`Of ${target.quantity} bought; 0 keeps the product.`} error={quantityError}>
            {(props) => <input {...props} inputMode="numeric" value={quantity} onChange={(e) => setQuantity(e.target.value)} data-testid="refund-quantity" />}
          </Field>
        ) : (
          <Field label="Subscription">
            {(props) => (
              <select {...props} value={endAction} onChange={(e) => setEndAction(e.target.value as "now" | "at-period-end")}>
                <option value="now">End it now</option>
                <option value="at-period-end">End at the end of the period</option>
              </select>
            )}
          </Field>
        )}
      </div>
      {!amountError && !quantityError && <FormError error={error} testId="refund-error" />}
      <div className="form-actions">
        <Button type="submit" variant="danger" busy={busy} data-testid="refund-submit">
          Refund {amount.trim() && Number.isFinite(Number(amount)) ? formatMoney(amount.trim()) : ""}
        </Button>
        <span className="muted small">
          Transaction <span className="mono">{shortId(transactionId)}</span>
        </span>
      </div>
    </form>
  );
}
