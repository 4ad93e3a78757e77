/**
 * The live event stream (an emulator extension): server-sent events of one customer's item
 * quantities and product list. Writes append rows to `payments_live_events` in the same
 * transaction as the change, so every process sharing the database sees them in order; a stream
 * polls that table and sends each change with its new value. `Last-Event-ID` resumes a stream.
 */
import { streamSSE } from "hono/streaming";
import * as z from "zod/mini";
import { customerTypeSchema, type ItemResponse, type LiveEvent, type PaymentsConfig } from "../core/schemas/index.js";
import { ensureClientCanAccessCustomer, ensureCustomerExists } from "./customer-access.js";
import type { Db, SqlExecutor } from "./db.js";
import { ApiError, defineRoute, type RequestContext, type Route } from "./http.js";
import { listCustomerProducts, readItem } from "./payments/customer-state.js";
import { resolveItem } from "./payments/products.js";
import {
  expiringItemIds,
  insertLiveEvent,
  lastLiveEventPayload,
  latestLiveEventId,
  loadLiveEvents,
  loadPurchases,
  lockCustomer,
  type CustomerRef,
} from "./payments/store.js";
import { honoContextOf } from "./middleware/authenticate.js";
import { getProjectConfig } from "./project-config.js";

/** How often a stream looks for new events. */
const POLL_MILLIS = 100;
/** How often a stream checks for changes that come from time passing (expiries, period ends). */
const TIME_CHECK_MILLIS = 500;
/** How often an idle stream sends a comment so proxies keep it open. */
const HEARTBEAT_MILLIS = 15_000;

/**
 * Records that a customer's items and/or product list changed (call inside the write's
 * transaction, after the change). Item events carry the quantity computed in that transaction
 * (`known` passes values the caller already has);
 * product-list events are rendered for each stream's caller when sent (clients see fewer products).
 */
export async function appendCustomerEvents(
  tx: SqlExecutor,
  c: CustomerRef,
  config: PaymentsConfig,
  changes: { itemIds: readonly string[]; products: boolean; known?: readonly ItemResponse[] },
  now: number,
): Promise<void> {
  for (const itemId of changes.itemIds) {
    const item = resolveItem(config, itemId);
    if (!item || item.customerType !== c.customerType) continue;
    const value = changes.known?.find((k) => k.id === itemId) ?? (await readItem(tx, c, item, now));
    await insertLiveEvent(tx, c, { kind: "item", itemId, payload: value, createdAt: now });
  }
  if (changes.products) {
    // The server view is stored to tell later whether time changed the list (see
    // recordTimeBasedChanges); each stream still renders the list for its own caller.
    const payload = await listCustomerProducts(tx, c, config, now, { isClient: false });
    await insertLiveEvent(tx, c, { kind: "products", itemId: null, payload, createdAt: now });
  }
}

/** What time alone may have changed for a customer: values that differ from their last event. */
async function timeBasedChanges(
  db: SqlExecutor,
  c: CustomerRef,
  config: PaymentsConfig,
  now: number,
): Promise<{ items: ItemResponse[]; products: boolean }> {
  const [purchases, expiring] = await Promise.all([loadPurchases(db, c), expiringItemIds(db, c)]);
  const itemIds = new Set(expiring);
  for (const p of purchases) for (const id of Object.keys(p.includedItems)) itemIds.add(id);
  const items: ItemResponse[] = [];
  for (const id of itemIds) {
    const item = resolveItem(config, id);
    if (!item || item.customerType !== c.customerType) continue;
    const value = await readItem(db, c, item, now);
    const last = (await lastLiveEventPayload(db, c, "item", id)) as ItemResponse | undefined;
    if (last?.quantity !== value.quantity) items.push(value);
  }
  let products = false;
  if (purchases.length > 0) {
    const list = await listCustomerProducts(db, c, config, now, { isClient: false });
    products = JSON.stringify(list) !== JSON.stringify(await lastLiveEventPayload(db, c, "products", null));
  }
  return { items, products };
}

/**
 * Appends events for changes that come from time passing (grant expiries, repeats, subscription
 * ends, period roll-overs), e.g. after the test clock moved. Streams call it as they poll; the
 * check runs again under the customer's lock before writing, so concurrent streams (or
 * processes) neither duplicate an event nor write a stale value after a newer write.
 */
export async function recordTimeBasedChanges(db: Db, c: CustomerRef, config: PaymentsConfig, now: number): Promise<void> {
  const first = await timeBasedChanges(db, c, config, now);
  if (first.items.length === 0 && !first.products) return;
  await db.transaction(
    async (tx) => {
      await lockCustomer(tx, c);
      const changes = await timeBasedChanges(tx, c, config, now);
      if (changes.items.length === 0 && !changes.products) return;
      await appendCustomerEvents(tx, c, config, { itemIds: changes.items.map((i) => i.id), products: changes.products, known: changes.items }, now);
    },
    { isolation: "read committed" },
  );
}

const paramsSchema = z.strictObject({ customer_type: customerTypeSchema, customer_id: z.string() });
const querySchema = z.strictObject({ last_event_id: z.optional(z.string().check(z.regex(/^\d{1,15}$/))) });

function resumeId(ctx: RequestContext, queryValue: string | undefined): number | null {
  const header = ctx.header("last-event-id");
  const raw = header ?? queryValue;
  if (raw === undefined || raw === null || raw === "") return null;
  if (!/^\d{1,15}$/.test(raw)) throw ApiError.text(400, "Last-Event-ID must be a non-negative integer event id.");
  return Number(raw);
}

/**
 * `GET /payments/events/{customer_type}/{customer_id}`: `text/event-stream` of
 * `{kind: "item", item_id, item}` and `{kind: "products", products}` events (`liveEventSchema`),
 * with the same access rules as reading items. Without `Last-Event-ID` it starts from now.
 */
export const liveEventRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/payments/events/:customer_type/:customer_id",
    access: "client",
    params: paramsSchema,
    query: querySchema,
    async handler(ctx, { params, query }) {
      await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only access their own user or team items.");
      await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
      const c: CustomerRef = { projectId: ctx.projectId!, customerType: params.customer_type, customerId: params.customer_id };
      let lastId = resumeId(ctx, query.last_event_id) ?? (await latestLiveEventId(ctx.db, c));
      const isClient = ctx.accessType === "client";

      const response = streamSSE(honoContextOf(ctx), async (stream) => {
        const request = ctx.request;
        // Over HTTP the request's signal aborts when the client leaves; in process the reader cancels.
        const onAbort = () => stream.abort();
        request.signal.addEventListener("abort", onAbort, { once: true });
        stream.onAbort(() => request.signal.removeEventListener("abort", onAbort));
        await stream.write("retry: 1000\n: connected\n\n");
        let lastSent = Date.now();
        let lastTimeCheck = 0;
        while (!stream.aborted && !stream.closed) {
          try {
            if (Date.now() - lastTimeCheck >= TIME_CHECK_MILLIS) {
              lastTimeCheck = Date.now();
              const config = (await getProjectConfig(ctx.db, c.projectId)).payments;
              await recordTimeBasedChanges(ctx.db, c, config, await ctx.now());
            }
            const events = await loadLiveEvents(ctx.db, c, lastId);
            if (events.length > 0) {
              const config = (await getProjectConfig(ctx.db, c.projectId)).payments;
              const now = await ctx.now();
              let products: LiveEvent | null = null;
              for (const e of events) {
                let data: LiveEvent;
                if (e.kind === "item") {
                  data = { kind: "item", item_id: e.itemId ?? "", item: e.payload as Extract<LiveEvent, { kind: "item" }>["item"] };
                } else {
                  // Every product event of one batch would carry the same current list.
                  products ??= { kind: "products", products: await listCustomerProducts(ctx.db, c, config, now, { isClient }) };
                  data = products;
                }
                if (stream.aborted) return;
                await stream.writeSSE({ id: String(e.id), data: JSON.stringify(data) });
                lastId = e.id;
                lastSent = Date.now();
              }
            } else if (Date.now() - lastSent >= HEARTBEAT_MILLIS) {
              await stream.write(": heartbeat\n\n");
              lastSent = Date.now();
            }
          } catch {
            // The database went away (emulator closing) or the consumer left: end the stream.
            return;
          }
          await stream.sleep(POLL_MILLIS);
        }
      });
      response.headers.set("content-type", "text/event-stream; charset=utf-8");
      response.headers.set("cache-control", "no-store, max-age=0");
      response.headers.set("x-accel-buffering", "no");
      response.headers.delete("transfer-encoding");
      return response;
    },
  }),
];
