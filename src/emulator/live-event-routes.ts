/**
 * `GET /payments/events/{customer_type}/{customer_id}`: the route of the live event stream. Each
 * admitted stream subscribes to the emulator's {@link LiveStreamHub}, which feeds it.
 */
import type { MiddlewareHandler } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import * as z from "zod/mini";
import { customerTypeSchema } from "../core/schemas/index.js";
import { ensureClientCanAccessCustomer, ensureCustomerExists } from "./customer-access.js";
import { ApiError, defineRoute, textResponse, type RequestContext, type Route } from "./http.js";
import { accessChangesOf } from "./access-changes.js";
import { ACCESS_CHECK_MILLIS, RETRY_AFTER_SECONDS, type LiveStreamHub, type Subscriber } from "./live-events.js";
import { callerStillValid, honoContextOf } from "./middleware/authenticate.js";
import type { EmulatorEnv } from "./middleware/emulator-env.js";
import { latestLiveEventId, type CustomerRef } from "./payments/store.js";

const paramsSchema = z.strictObject({ customer_type: customerTypeSchema, customer_id: z.string() });
const querySchema = z.strictObject({ last_event_id: z.optional(z.string().check(z.regex(/^\d{1,15}$/))) });

function resumeId(ctx: RequestContext, queryValue: string | undefined): number | null {
  const header = ctx.header("last-event-id");
  const raw = header ?? queryValue;
  if (raw === undefined || raw === null || raw === "") return null;
  if (!/^\d{1,15}$/.test(raw)) throw ApiError.text(400, "Last-Event-ID must be a non-negative integer event id.");
  return Number(raw);
}

/** Who a stream counts against (its cap): the signed-in user for clients, the project's key otherwise. */
export function callerOf(ctx: RequestContext): string {
  if (ctx.accessType === "client") return JSON.stringify([ctx.projectId, "user", ctx.user?.id ?? null]);
  return JSON.stringify([ctx.projectId, ctx.accessType]);
}

/**
 * Whether a client's caller may still read the customer: the user exists, the session the
 * stream was opened with is not signed out, revoked or expired, and the item access rules still pass
 * (team admin). The access token's own expiry is not checked: the session it belongs to is.
 */
async function clientStillHasAccess(ctx: RequestContext, c: CustomerRef): Promise<boolean> {
  const user = ctx.user;
  if (!user) return false;
  const rows = await ctx.db.query(
    `SELECT 1 FROM users u JOIN refresh_tokens r ON r.project_id = u.project_id AND r.user_id = u.id
     WHERE u.project_id = $1 AND u.id = $2 AND r.id = $3 AND r.expires_at_millis > $4`,
    [c.projectId, user.id, user.refreshTokenId, await ctx.now()],
  );
  if (rows.length === 0) return false;
  try {
    await ensureClientCanAccessCustomer(ctx, c.customerType, c.customerId, "");
    return true;
  } catch (error) {
    if (error instanceof ApiError) return false;
    throw error;
  }
}

/** Serves one admitted stream until it ends (client gone, access lost, emulator closing). */
function serveStream(ctx: RequestContext, stream: SSEStreamingApi, hub: LiveStreamHub, c: CustomerRef, lastId: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const request = ctx.request;
    let ended = false;
    let unsubscribe: (() => void) | undefined;
    const finish = () => {
      if (ended) return;
      ended = true;
      unsubscribe?.();
      request.signal.removeEventListener("abort", onAbort);
      resolve();
    };
    // Over HTTP the request's signal aborts when the client leaves; in process the reader cancels.
    const onAbort = () => {
      stream.abort();
      finish();
    };
    request.signal.addEventListener("abort", onAbort, { once: true });
    stream.onAbort(finish);
    const write = async (text: string) => {
      if (ended || stream.aborted || stream.closed) return;
      await stream.write(text);
    };
    const isClient = ctx.accessType === "client";
    const subscriber: Subscriber = {
      customer: c,
      isClient,
      callerUserId: isClient ? (ctx.user?.id ?? null) : null,
      lastId,
      busy: false,
      busySince: 0,
      lastSent: Date.now(),
      lastAccessCheck: Date.now(),
      // The key it was opened with must still be valid (a revoked key opens nothing else), and a
      // client's user must still have access to the customer.
      hasAccess: async () => (await callerStillValid(ctx)) && (!isClient || (await clientStillHasAccess(ctx, c))),
      write,
      end(reason) {
        if (ended) return;
        void write(`: closed: ${reason}\n\n`).finally(() => {
          void stream.close();
          finish();
        });
      },
      abort() {
        stream.abort();
        finish();
      },
    };
    void write("retry: 1000\n: connected\n\n").then(() => {
      if (!ended) unsubscribe = hub.subscribe(subscriber);
    });
  });
}

/** What serves one event stream, once it is admitted; made by the `prepare` of {@link openEventStream}. */
export type EventStreamRun = (stream: SSEStreamingApi) => Promise<void>;

/**
 * The answer of every event-stream route of the emulator. HEAD gets the headers only (nothing would
 * ever read a stream opened for it, and its loop would run on). A new stream counts against the
 * caller's and the emulator's caps: past them, 429 with `Retry-After`; else `prepare` runs (what
 * must happen before the first byte, e.g. where to resume) and the stream it returns is served
 * with the headers every stream sends (no caching, no proxy buffering, no `transfer-encoding` of
 * its own: the server sets it). The stream's place under the caps is given back when it ends, or
 * at once when `prepare` fails.
 */
export async function openEventStream(
  ctx: RequestContext,
  prepare: () => EventStreamRun | Promise<EventStreamRun>,
  options: { accessCheckedByHub?: boolean } = {},
): Promise<Response> {
  if (ctx.request.method === "HEAD") return new Response(null, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" } });
  const admitted = hubOf(ctx).admit(callerOf(ctx));
  if ("refusal" in admitted) {
    const refused = textResponse(429, admitted.refusal);
    refused.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
    return refused;
  }
  let response: Response;
  try {
    const run = await prepare();
    response = streamSSE(honoContextOf(ctx), async (stream) => {
      const stopWatching = options.accessCheckedByHub ? () => {} : watchAccess(ctx, stream);
      try {
        await run(stream);
      } finally {
        stopWatching();
        admitted.release();
      }
    });
  } catch (error) {
    admitted.release();
    throw error;
  }
  response.headers.set("content-type", "text/event-stream; charset=utf-8");
  response.headers.set("cache-control", "no-store, max-age=0");
  response.headers.set("x-accel-buffering", "no");
  response.headers.delete("transfer-encoding");
  return response;
}

/**
 * The middleware behind `accessMayChange` (access-changes.ts): after a marked request succeeded
 * (outside every transaction of the request, so the check sees what it wrote), the streams it
 * concerns re-check their access.
 */
export function recheckStreamAccess(): MiddlewareHandler<EmulatorEnv> {
  return async (c, next) => {
    await next();
    const ctx = c.get("ctx");
    if (!ctx?.projectId || !c.res.ok) return;
    for (const who of accessChangesOf(ctx)) c.var.services.liveStreams.recheckAccess(ctx.projectId, who);
  };
}

/**
 * Ends a stream the hub does not drive (the dashboard's activity and outbox streams) once what
 * opened it no longer grants it (see `callerStillValid`): checked every few seconds, and at once
 * when a write asks for its project's streams to be re-checked. Returns the end of the watch.
 */
function watchAccess(ctx: RequestContext, stream: SSEStreamingApi): () => void {
  let checking = false;
  const check = () => {
    if (checking || stream.aborted || stream.closed) return;
    checking = true;
    void callerStillValid(ctx)
      .catch(() => false)
      .then(async (allowed) => {
        checking = false;
        if (allowed || stream.aborted || stream.closed) return;
        await stream.write(": closed: the caller no longer has access to this project\n\n").catch(() => {});
        stream.abort();
      });
  };
  const timer = setInterval(check, ACCESS_CHECK_MILLIS);
  const unwatch = hubOf(ctx).onProjectAccessChange(ctx.projectId!, check);
  return () => {
    clearInterval(timer);
    unwatch();
  };
}

/** The hub of the app serving this request. */
function hubOf(ctx: RequestContext): LiveStreamHub {
  return honoContextOf(ctx).var.services.liveStreams;
}

/**
 * `GET /payments/events/{customer_type}/{customer_id}`: `text/event-stream` of
 * `{kind: "item", item_id, item}` and `{kind: "products", products}` events (`liveEventSchema`),
 * with the same access rules as reading items. Without `Last-Event-ID` it starts from now. A
 * caller over its stream cap (or an emulator at its total cap) gets 429 with `Retry-After`.
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
      const lastId = resumeId(ctx, query.last_event_id) ?? (await latestLiveEventId(ctx.db, c));
      const hub = hubOf(ctx);
      // The hub checks these streams' access itself, before deliveries and when writes ask.
      return openEventStream(ctx, () => (stream) => serveStream(ctx, stream, hub, c, lastId), { accessCheckedByHub: true });
    },
  }),
];
