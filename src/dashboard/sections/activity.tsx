/**
 * Activity: the API requests the emulator answered for this project (method, path, access type,
 * status, known error) and the payments events (quantities and product lists that changed), live
 * and filterable, newest first: where to look when an app misbehaves.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { ActivityEntryWire, PaymentsEventWire } from "../../core/schemas/emulator-dashboard.js";
import type { DashboardSession } from "../admin-session.js";
import { CUSTOMER_TYPE_LABELS, formatTime, shortId } from "../format.js";
import { activityQuery } from "../live-updates.js";
import { href } from "../router.js";
import { Badge, Button, Card, EmptyState, ErrorNote, Loading, PageHeader, Segmented } from "../ui.js";

const VIEWS = [
  { value: "requests", label: "API requests" },
  { value: "payments", label: "Payments events" },
] as const;

const STATUSES = [
  { value: "all", label: "All" },
  { value: "errors", label: "Errors" },
  { value: "ok", label: "Succeeded" },
] as const;

function statusTone(status: number): "green" | "amber" | "red" | "neutral" {
  if (status >= 500) return "red";
  if (status >= 400) return "amber";
  if (status >= 200 && status < 300) return "green";
  return "neutral";
}

/** The Activity section. */
export function ActivitySection({ session }: { session: DashboardSession }) {
  const log = useQuery(activityQuery(session));
  const [view, setView] = useState<"requests" | "payments">("requests");
  const [status, setStatus] = useState<"all" | "errors" | "ok">("all");
  const [access, setAccess] = useState<"" | "client" | "server" | "admin">("");
  const [text, setText] = useState("");
  const [ownRequests, setOwnRequests] = useState(false);
  const [paused, setPaused] = useState<{ requests: ActivityEntryWire[]; payments: PaymentsEventWire[] } | null>(null);
  const requests = paused?.requests ?? log.data?.requests ?? [];
  const payments = paused?.payments ?? log.data?.payments_events ?? [];
  const needle = text.trim().toLowerCase();
  const shownRequests = useMemo(
    () =>
      requests
        .filter(
          (r) =>
            (ownRequests || r.source === "app") &&
            (status === "all" || (status === "errors" ? r.status >= 400 : r.status < 400)) &&
            (access === "" || r.access_type === access) &&
            (needle === "" || `${r.method} ${r.path} ${r.known_error ?? ""} ${r.status}`.toLowerCase().includes(needle)),
        )
        .reverse(),
    [requests, ownRequests, status, access, needle],
  );
  const shownPayments = useMemo(
    () =>
      payments
        .filter((e) => needle === "" || `${e.customer_type} ${e.customer_id} ${e.item_id ?? ""} ${e.item?.display_name ?? ""} ${(e.products ?? []).map((p) => p.display_name).join(" ")}`.toLowerCase().includes(needle))
        .reverse(),
    [payments, needle],
  );
  return (
    <>
      <PageHeader
        title="Activity"
        description="Every API request the emulator answered for this project, and every change of a customer's items and products, as they happen. Keys, tokens and bodies are never recorded."
        actions={
          <Button onClick={() => setPaused(paused ? null : { requests: log.data?.requests ?? [], payments: log.data?.payments_events ?? [] })} data-testid="activity-pause">
            {paused ? "Resume live" : "Pause"}
          </Button>
        }
      />
      <div className="toolbar">
        <Segmented label="What to show" value={view} options={VIEWS} onChange={setView} />
        <label className="search">
          <span className="visually-hidden">Filter by text</span>
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder={view === "requests" ? "Path, error code, status" : "Customer, item, product"} data-testid="activity-search" />
        </label>
      </div>
      {view === "requests" && (
        <div className="toolbar">
          <Segmented label="Status" value={status} options={STATUSES} onChange={setStatus} />
          <label className="inline-label">
            <span className="small muted">Access</span>
            <select value={access} onChange={(e) => setAccess(e.target.value as typeof access)} data-testid="activity-access">
              <option value="">Any</option>
              <option value="client">Client</option>
              <option value="server">Server</option>
              <option value="admin">Admin</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={ownRequests} onChange={(e) => setOwnRequests(e.target.checked)} data-testid="activity-own" />
            <span className="small">Include this dashboard's requests</span>
          </label>
        </div>
      )}
      <Card testId="activity-log">
        {paused && <p className="note small">Paused: new activity is kept but not shown.</p>}
        {log.status === "pending" && <Loading rows={4} />}
        {log.status === "error" && <ErrorNote error={log.error} retry={() => void log.refetch()} />}
        {log.data &&
          view === "requests" &&
          (shownRequests.length === 0 ? (
            <EmptyState title={requests.every((r) => r.source === "dashboard") && !ownRequests ? "No requests from your apps yet" : "No request matches the filters"}>
              {requests.every((r) => r.source === "dashboard") && !ownRequests
                ? "Requests your apps make to the emulator show up here as they are answered."
                : "Change the filters, or include this dashboard's own requests."}
            </EmptyState>
          ) : (
            <ol className="log" data-testid="activity-requests">
              {shownRequests.map((r) => (
                <li key={r.seq} className="log-row" data-testid="activity-request">
                  <span className="log-time mono small">{formatTime(r.at_millis)}</span>
                  <span className={`method method-${r.method.toLowerCase()}`}>{r.method}</span>
                  <span className="log-path mono">{r.path}</span>
                  <span className="log-meta">
                    {r.access_type ? <Badge>{r.access_type}</Badge> : <Badge tone="red">no access type</Badge>}
                    <Badge tone={statusTone(r.status)}>{r.status}</Badge>
                    {r.known_error && <Badge tone="red">{r.known_error}</Badge>}
                    <span className="muted small">{r.duration_ms} ms</span>
                  </span>
                </li>
              ))}
            </ol>
          ))}
        {log.data &&
          view === "payments" &&
          (shownPayments.length === 0 ? (
            <EmptyState title={payments.length === 0 ? "No payments events yet" : "No event matches the filter"}>
              {payments.length === 0 ? "Purchases, grants, quantity changes and refunds show up here as customers' items and products change." : undefined}
            </EmptyState>
          ) : (
            <ol className="log" data-testid="activity-payments">
              {shownPayments.map((e) => (
                <li key={e.id} className="log-row" data-testid="activity-payment">
                  <span className="log-time mono small" title="Emulator time">
                    {formatTime(e.created_at_millis)}
                  </span>
                  <Badge tone={e.kind === "item" ? "violet" : "green"}>{e.kind === "item" ? "Item" : "Products"}</Badge>
                  <span className="log-path">
                    <a href={href("customers", e.customer_type, e.customer_id)}>
                      {CUSTOMER_TYPE_LABELS[e.customer_type]} <span className="mono">{shortId(e.customer_id)}</span>
                    </a>
                    {": "}
                    {e.kind === "item" ? (
                      <>
                        {e.item?.display_name ?? e.item_id} is now <span className="strong">{e.item?.quantity.toLocaleString("en-US")}</span>
                      </>
                    ) : (e.products ?? []).length === 0 ? (
                      "owns no products"
                    ) : (
                      <>owns {(e.products ?? []).map((p) => `${p.display_name} ×${p.quantity}`).join(", ")}</>
                    )}
                  </span>
                </li>
              ))}
            </ol>
          ))}
      </Card>
    </>
  );
}
