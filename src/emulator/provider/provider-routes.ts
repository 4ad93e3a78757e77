/**
 * The emulator's own routes around its payment provider (extensions, below `/api/v1` and
 * `/api/latest`):
 *
 * - what the checkout page's card form calls, keyed by a client secret and needing no project
 *   keys (as Stripe.js needs only the publishable key and the secret): read, confirm with a card,
 *   and answer a 3-D Secure step, for payment intents and setup intents;
 * - for admins: a simulated paid purchase (test card 4242), the payment emails outbox and its
 *   live stream, and the provider's events with a redelivery (the hosted handling is idempotent).
 */
import * as z from "zod/mini";
import {
  authenticateIntentBodySchema,
  clientSecretQuerySchema,
  confirmIntentBodySchema,
  outboxListResponseSchema,
  outboxQuerySchema,
  paymentIntentViewSchema,
  providerEventsListResponseSchema,
  providerEventsQuerySchema,
  redeliverEventResponseSchema,
  setupIntentViewSchema,
  simulatePurchaseBodySchema,
  simulatePurchaseResponseSchema,
} from "../../core/schemas/index.js";
import { ensureCustomerExists } from "../customer-access.js";
import { answer, ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { openEventStream } from "../live-event-routes.js";
import { honoContextOf } from "../middleware/authenticate.js";
import { resolveRequestedProduct } from "../payments/purchase.js";
import { getProjectConfig } from "../project-config.js";
import { centsToMoney } from "./money.js";
import { listOutbox } from "./payment-emails.js";
import { authenticatePaymentIntent, confirmPaymentIntent, readPaymentIntent, settlePayment } from "./payment-intents.js";
import { startProviderPurchase } from "./provider-purchase.js";
import { ProviderRequestError } from "./provider-request-error.js";
import { findEvent, insertPaymentMethod, listEvents, providerId } from "./provider-store.js";
import { authenticateSetupIntent, confirmSetupIntent, readSetupIntent } from "./setup-intents.js";
import { chargeOutcome } from "./test-cards.js";
import { redeliverEvent } from "./webhook-handler.js";

const PREFIX = "/internal/emulator/provider";

/** Runs a provider API call, answering its refusals in Stripe's error shape. */
async function providerCall<T>(fn: () => Promise<T>): Promise<T | ReturnType<typeof answer>> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ProviderRequestError) return answer(error.status, error.body());
    throw error;
  }
}

function realNowOf(ctx: RequestContext): () => number {
  return honoContextOf(ctx).var.services.realNow;
}

const eventParamsSchema = z.strictObject({ event_id: z.string() });

function pageLimit(value: string | undefined, fallback: number): number {
  return Math.min(200, Math.max(1, value === undefined ? fallback : Number(value)));
}

/** The emulator-only provider routes. */
export const providerRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: `${PREFIX}/payment-intents`,
    access: "none",
    query: clientSecretQuerySchema,
    response: paymentIntentViewSchema,
    async handler(ctx, { query }) {
      return providerCall(() => readPaymentIntent(ctx.db, query.client_secret, realNowOf(ctx)));
    },
  }),
  defineRoute({
    method: "POST",
    path: `${PREFIX}/payment-intents/confirm`,
    access: "none",
    body: confirmIntentBodySchema,
    response: paymentIntentViewSchema,
    async handler(ctx, { body }) {
      return providerCall(() => confirmPaymentIntent(ctx.db, body.client_secret, body.card, realNowOf(ctx)));
    },
  }),
  defineRoute({
    method: "POST",
    path: `${PREFIX}/payment-intents/authenticate`,
    access: "none",
    body: authenticateIntentBodySchema,
    response: paymentIntentViewSchema,
    async handler(ctx, { body }) {
      return providerCall(() => authenticatePaymentIntent(ctx.db, body.client_secret, body.outcome, realNowOf(ctx)));
    },
  }),
  defineRoute({
    method: "GET",
    path: `${PREFIX}/setup-intents`,
    access: "none",
    query: clientSecretQuerySchema,
    response: setupIntentViewSchema,
    async handler(ctx, { query }) {
      return providerCall(() => readSetupIntent(ctx.db, query.client_secret));
    },
  }),
  defineRoute({
    method: "POST",
    path: `${PREFIX}/setup-intents/confirm`,
    access: "none",
    body: confirmIntentBodySchema,
    response: setupIntentViewSchema,
    async handler(ctx, { body }) {
      return providerCall(() => confirmSetupIntent(ctx.db, body.client_secret, body.card, realNowOf(ctx)));
    },
  }),
  defineRoute({
    method: "POST",
    path: `${PREFIX}/setup-intents/authenticate`,
    access: "none",
    body: authenticateIntentBodySchema,
    response: setupIntentViewSchema,
    async handler(ctx, { body }) {
      return providerCall(() => authenticateSetupIntent(ctx.db, body.client_secret, body.outcome, realNowOf(ctx)));
    },
  }),
  defineRoute({
    method: "POST",
    path: "/internal/emulator/simulate-purchase",
    access: "admin",
    body: simulatePurchaseBodySchema,
    response: simulatePurchaseResponseSchema,
    async handler(ctx, { body }) {
      const config = await getProjectConfig(ctx.db, ctx.projectId!);
      if (config.payments.blockNewPurchases) throw ApiError.known("NEW_PURCHASES_BLOCKED");
      if (!ctx.project!.stripeAccount) throw ApiError.text(400, "Payments are not set up in this Stack Auth project. Please go to the Stack Auth dashboard and complete the Payments onboarding.");
      await ensureCustomerExists(ctx, body.customer_type, body.customer_id);
      const chosen = resolveRequestedProduct(
        config.payments,
        { productId: body.product_id, productInline: undefined, isClient: false },
        { customerType: body.customer_type, customerId: body.customer_id },
      );
      const now = await ctx.now();
      return ctx.db.transaction(
        async (tx) => {
          const started = await startProviderPurchase(tx, {
            projectId: ctx.projectId!,
            customerType: body.customer_type,
            customerId: body.customer_id,
            productId: chosen.productId,
            product: chosen.product,
            priceId: body.price_id ?? null,
            quantity: body.quantity ?? 1,
            now,
          });
          const pm = {
            id: providerId("pm"),
            projectId: ctx.projectId!,
            providerCustomerId: null,
            brand: "visa" as const,
            last4: "4242",
            expMonth: 12,
            expYear: new Date(now).getUTCFullYear() + 5,
            behavior: "succeeds" as const,
            name: null,
            createdAt: now,
          };
          await insertPaymentMethod(tx, pm);
          await settlePayment(tx, started.paymentIntent, pm, chargeOutcome("succeeds", "on"), now);
          const column = started.subscription ? "stripe_subscription_id" : "stripe_payment_intent_id";
          const key = started.subscription ? started.subscription.id : started.paymentIntent.id;
          const rows = await tx.query<{ id: string }>(`SELECT id FROM payments_purchases WHERE project_id = $1 AND ${column} = $2 ORDER BY created_at, id LIMIT 1`, [
            ctx.projectId,
            key,
          ]);
          const id = rows[0]!.id;
          return {
            success: true as const,
            transaction_id: id,
            payment_intent_id: started.paymentIntent.id,
            amount_usd: centsToMoney(started.amountCents),
            ...(started.subscription ? { subscription_id: id } : { one_time_purchase_id: id }),
          };
        },
        { isolation: "read committed" },
      );
    },
  }),
  defineRoute({
    method: "GET",
    path: "/internal/emulator/outbox",
    access: "admin",
    query: outboxQuerySchema,
    response: outboxListResponseSchema,
    async handler(ctx, { query }) {
      const limit = pageLimit(query.limit, 50);
      const rows = await listOutbox(ctx.db, ctx.projectId!, {
        customerType: query.customer_type,
        customerId: query.customer_id,
        kind: query.kind,
        to: query.to,
        beforeSeq: query.cursor === undefined ? undefined : Number(query.cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map(({ seq: _seq, ...email }) => email),
        next_cursor: rows.length > limit ? String(page.at(-1)!.seq) : null,
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/internal/emulator/outbox/events",
    access: "admin",
    async handler(ctx) {
      const projectId = ctx.projectId!;
      // Each stream polls the database, so it counts against the same caps as the event streams.
      return openEventStream(ctx, async () => {
        const latest = await listOutbox(ctx.db, projectId, { limit: 1 });
        let lastSeq = latest[0]?.seq ?? 0;
        return async (stream) => {
          const onAbort = () => stream.abort();
          ctx.request.signal.addEventListener("abort", onAbort, { once: true });
          stream.onAbort(() => ctx.request.signal.removeEventListener("abort", onAbort));
          await stream.write("retry: 1000\n: connected\n\n");
          while (!stream.aborted && !stream.closed) {
            try {
              const emails = await listOutbox(ctx.db, projectId, { afterSeq: lastSeq, limit: 100 });
              for (const { seq, ...email } of emails) {
                await stream.writeSSE({ id: String(seq), event: "email", data: JSON.stringify(email) });
                lastSeq = seq;
              }
            } catch {
              return;
            }
            await stream.sleep(250);
          }
        };
      });
    },
  }),
  defineRoute({
    method: "GET",
    path: `${PREFIX}/events`,
    access: "admin",
    query: providerEventsQuerySchema,
    response: providerEventsListResponseSchema,
    async handler(ctx, { query }) {
      const limit = pageLimit(query.limit, 50);
      const rows = await listEvents(ctx.db, ctx.projectId!, { limit: limit + 1, beforeSeq: query.cursor === undefined ? undefined : Number(query.cursor), type: query.type });
      const page = rows.slice(0, limit);
      return {
        items: page.map((e) => ({ id: e.id, type: e.type, created_at_millis: e.createdAt, data: { object: e.object } })),
        next_cursor: rows.length > limit ? String(page.at(-1)!.seq) : null,
      };
    },
  }),
  defineRoute({
    method: "POST",
    path: `${PREFIX}/events/:event_id/redeliver`,
    access: "admin",
    params: eventParamsSchema,
    response: redeliverEventResponseSchema,
    async handler(ctx, { params }) {
      const event = await findEvent(ctx.db, ctx.projectId!, params.event_id);
      if (!event) throw ApiError.text(404, `No provider event with id ${params.event_id} in this project.`);
      await ctx.db.transaction((tx) => redeliverEvent(tx, event), { isolation: "read committed" });
      return { received: true as const };
    },
  }),
];
