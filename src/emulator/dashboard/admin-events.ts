/**
 * What the dashboard watches (emulator extensions, admin only):
 *
 * - `GET /internal/emulator/activity`: the project's activity log (answered API requests, from
 *   the in-memory recorder) and its latest payments events (item quantities and product lists
 *   that changed, from the ledger's event table), with the id to resume the live stream from;
 * - `GET /internal/emulator/admin-events`: both, live, as server-sent events (`activity` and
 *   `payments`), resumable with `Last-Event-ID`;
 * - `GET /internal/emulator/custom-customers`: the custom customer ids the project's ledger knows
 *   (the hosted API has no listing of them).
 */
import {
  activityResponseSchema,
  customCustomersQuerySchema,
  customCustomersResponseSchema,
  type PaymentsEventWire,
} from "../../core/schemas/emulator-dashboard.js";
import type { ItemResponse, ProductsListResponse } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { openEventStream } from "../live-event-routes.js";
import { activityRecorderFor, type ActivityEntry } from "./activity-recorder.js";

/** How often the stream looks for new payments events. */
const POLL_MILLIS = 250;
/** How often an idle stream sends a comment so proxies keep it open. */
const HEARTBEAT_MILLIS = 15_000;
/** Payments events the activity route returns. */
const PAYMENTS_HISTORY = 200;

interface LiveEventRow {
  id: string;
  customer_type: PaymentsEventWire["customer_type"];
  customer_id: string;
  kind: "item" | "products";
  item_id: string | null;
  payload: unknown;
  created_at: number;
}

/** A ledger event row as the dashboard reads it: the new quantity, or what the customer owns now. */
function paymentsEventOf(row: LiveEventRow): PaymentsEventWire {
  const payload = typeof row.payload === "string" ? (JSON.parse(row.payload) as unknown) : row.payload;
  const base = {
    id: Number(row.id),
    customer_type: row.customer_type,
    customer_id: row.customer_id,
    kind: row.kind,
    item_id: row.item_id,
    created_at_millis: Number(row.created_at),
  };
  if (row.kind === "item") {
    const item = payload as ItemResponse | null;
    return { ...base, item: { display_name: item?.display_name ?? row.item_id ?? "", quantity: Number(item?.quantity ?? 0) } };
  }
  const list = payload as ProductsListResponse | null;
  return { ...base, products: (list?.items ?? []).map((p) => ({ id: p.id, display_name: p.product.display_name, quantity: p.quantity })) };
}

const EVENT_COLUMNS = "id::text AS id, customer_type, customer_id, kind, item_id, payload, created_at";

async function paymentsEventsAfter(db: SqlExecutor, projectId: string, afterId: number, limit: number): Promise<PaymentsEventWire[]> {
  const rows = await db.query<LiveEventRow>(`SELECT ${EVENT_COLUMNS} FROM payments_live_events WHERE project_id = $1 AND id > $2 ORDER BY id LIMIT $3`, [
    projectId,
    afterId,
    limit,
  ]);
  return rows.map(paymentsEventOf);
}

async function latestPaymentsEvents(db: SqlExecutor, projectId: string, limit: number): Promise<PaymentsEventWire[]> {
  const rows = await db.query<LiveEventRow>(`SELECT ${EVENT_COLUMNS} FROM payments_live_events WHERE project_id = $1 ORDER BY id DESC LIMIT $2`, [projectId, limit]);
  return rows.map(paymentsEventOf).reverse();
}

async function latestPaymentsEventId(db: SqlExecutor, projectId: string): Promise<number> {
  const rows = await db.query<{ id: string | null }>("SELECT max(id)::text AS id FROM payments_live_events WHERE project_id = $1", [projectId]);
  return Number(rows[0]?.id ?? 0);
}

/** The stream's position: the last payments event id and the last activity seq, as `"<payments>.<activity>"`. */
function resumeId(paymentsId: number, activitySeq: number): string {
  return `${paymentsId}.${activitySeq}`;
}

function parseResumeId(ctx: RequestContext): { paymentsId: number; activitySeq: number } | null {
  const raw = ctx.header("last-event-id") ?? ctx.url.searchParams.get("last_event_id");
  if (raw === null || raw === "") return null;
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(raw);
  if (!match) throw ApiError.text(400, `Last-Event-ID must be an id this stream sent ("<payments event id>.<activity seq>"), got ${JSON.stringify(raw.slice(0, 40))}.`);
  return { paymentsId: Number(match[1]), activitySeq: Number(match[2]) };
}

/** The dashboard's watch routes. */
export const adminEventRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/internal/emulator/activity",
    access: "admin",
    response: activityResponseSchema,
    async handler(ctx) {
      const projectId = ctx.projectId!;
      const recorder = activityRecorderFor(ctx.db);
      // Read the position first: anything after it reaches the stream, nothing is missed between.
      const activitySeq = recorder.latestSeq;
      const paymentsId = await latestPaymentsEventId(ctx.db, projectId);
      const payments = (await latestPaymentsEvents(ctx.db, projectId, PAYMENTS_HISTORY)).filter((e) => e.id <= paymentsId);
      return {
        requests: recorder.list(projectId).filter((e) => e.seq <= activitySeq),
        payments_events: payments,
        resume_id: resumeId(paymentsId, activitySeq),
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/internal/emulator/admin-events",
    access: "admin",
    async handler(ctx) {
      const projectId = ctx.projectId!;
      const recorder = activityRecorderFor(ctx.db);
      const resume = parseResumeId(ctx);
      let paymentsId = resume?.paymentsId ?? (await latestPaymentsEventId(ctx.db, projectId));
      let activitySeq = resume?.activitySeq ?? recorder.latestSeq;
      // Each stream polls the database, so it counts against the same caps as every event stream.
      return openEventStream(ctx, () => {
        // Entries recorded while the stream is open, in order; those kept before it are replayed first.
        const pending: ActivityEntry[] = recorder.list(projectId, activitySeq);
        let wake: (() => void) | null = null;
        const unsubscribe = recorder.subscribe((id, entry) => {
          if (id !== projectId) return;
          pending.push(entry);
          wake?.();
        });
        return async (stream) => {
          const onAbort = () => stream.abort();
          ctx.request.signal.addEventListener("abort", onAbort, { once: true });
          stream.onAbort(() => {
            ctx.request.signal.removeEventListener("abort", onAbort);
            unsubscribe();
            wake?.();
          });
          try {
            await stream.write("retry: 1000\n: connected\n\n");
            let lastSent = Date.now();
            let lastPoll = 0;
            while (!stream.aborted && !stream.closed) {
              if (Date.now() - lastPoll >= POLL_MILLIS) {
                lastPoll = Date.now();
                for (const event of await paymentsEventsAfter(ctx.db, projectId, paymentsId, 200)) {
                  paymentsId = event.id;
                  await stream.writeSSE({ id: resumeId(paymentsId, activitySeq), event: "payments", data: JSON.stringify(event) });
                  lastSent = Date.now();
                }
              }
              while (pending.length > 0 && !stream.aborted) {
                const entry = pending.shift()!;
                if (entry.seq <= activitySeq) continue;
                activitySeq = entry.seq;
                await stream.writeSSE({ id: resumeId(paymentsId, activitySeq), event: "activity", data: JSON.stringify(entry) });
                lastSent = Date.now();
              }
              if (Date.now() - lastSent >= HEARTBEAT_MILLIS) {
                await stream.write(": heartbeat\n\n");
                lastSent = Date.now();
              }
              // Sleep until the next poll, or until an entry is recorded.
              await new Promise<void>((resolve) => {
                const timer = setTimeout(done, POLL_MILLIS);
                function done() {
                  clearTimeout(timer);
                  wake = null;
                  resolve();
                }
                wake = done;
              });
            }
          } catch {
            // The database went away (emulator closing) or the consumer left: end the stream.
          } finally {
            unsubscribe();
          }
        };
      });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/internal/emulator/custom-customers",
    access: "admin",
    query: customCustomersQuerySchema,
    response: customCustomersResponseSchema,
    async handler(ctx, { query }) {
      const limit = query.limit === undefined ? 100 : Math.min(500, Number(query.limit));
      const pattern = `%${(query.query ?? "").toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = await ctx.db.query<{ id: string; last: number }>(
        `SELECT customer_id AS id, max(t) AS last FROM (
           SELECT customer_id, created_at AS t FROM payments_purchases WHERE project_id = $1 AND customer_type = 'custom'
           UNION ALL
           SELECT customer_id, created_at AS t FROM payments_item_changes WHERE project_id = $1 AND customer_type = 'custom'
         ) AS known
         WHERE lower(customer_id) LIKE $2
         GROUP BY customer_id ORDER BY max(t) DESC, customer_id LIMIT $3`,
        [ctx.projectId!, pattern, limit],
      );
      return { items: rows.map((r) => ({ id: r.id, last_activity_millis: Number(r.last) })) };
    },
  }),
];
