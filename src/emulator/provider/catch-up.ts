/**
 * Time-driven work of the provider (renewals, retries, period-end cancellations, expiry of
 * never-paid starts) done whenever time is read or moved, not on a timer: before any payments
 * request of a project is answered, and after its test clock moves. Work is done in due-time
 * order, one step per transaction, each at the moment it was due (a renewal the clock jumped past
 * is dated at its period end), so a jump of a year runs every month's renewal in turn and ends in
 * the same state as a year of real time.
 */
import { createMiddleware } from "hono/factory";
import { emulatorNow } from "../clock.js";
import type { Db } from "../db.js";
import type { EmulatorEnv } from "../middleware/emulator-env.js";
import { newEventOutbox } from "./provider-events.js";
import { dueSubscriptions, getSubscription } from "./provider-store.js";
import { processDueSubscription } from "./subscriptions.js";
import { deliverEvents } from "./webhook-handler.js";

// A daily subscription over a century is ~36,500 renewals; beyond that a clock jump would only
// burn CPU on one request, so a call stops there and the next read carries on.
const MAX_STEPS_PER_CALL = 100_000;
const DUE_BATCH = 200;

/**
 * Does every piece of the project's provider work due at or before `now`, oldest first. Returns
 * the number of steps done. Concurrent callers (two requests, two processes) each lock the
 * subscription they step and re-check that its work is still due, so nothing runs twice.
 *
 * @example
 * await catchUpProvider(db, projectId, await emulatorNow(db, projectId));
 */
export async function catchUpProvider(db: Db, projectId: string, now: number): Promise<number> {
  let steps = 0;
  while (steps < MAX_STEPS_PER_CALL) {
    // A batch of the earliest due work; each step re-reads its subscription under lock, so work
    // done meanwhile (by another request) is skipped, and work a step makes due again (the next
    // period) is picked up by the next batch.
    const due = await dueSubscriptions(db, projectId, now, DUE_BATCH);
    if (due.length === 0) break;
    for (const id of due) {
      await db.transaction(
        async (tx) => {
          const sub = await getSubscription(tx, id, true);
          if (!sub || sub.nextDueAt === null || sub.nextDueAt > now) return;
          const outbox = newEventOutbox(projectId);
          await processDueSubscription(tx, outbox, sub, sub.nextDueAt);
          await deliverEvents(tx, outbox);
        },
        { isolation: "read committed" },
      );
      steps++;
    }
  }
  return steps;
}

/** Catches a project up to its own clock (see {@link catchUpProvider}). */
export async function catchUpProject(db: Db, projectId: string, realNow: () => number): Promise<void> {
  await catchUpProvider(db, projectId, await emulatorNow(db, projectId, realNow));
}

const PAYMENTS_PATH = /^\/api\/(?:v1|latest)\/(?:payments\/|internal\/payments\/|internal\/emulator\/)/;
const CLOCK_PATH = /^\/api\/(?:v1|latest)\/internal\/emulator\/clock(?:\/|$)/;

/**
 * Middleware: before a payments request (`/payments/*`, `/internal/payments/*`,
 * `/internal/emulator/*`) of the project named by `x-stack-project-id`, does the provider work
 * that time has made due; after a test-clock request, does the work the move made due. Requests
 * without a project header (checkout pages, code-based routes) catch up in their handlers.
 */
export function providerCatchUp() {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const path = new URL(c.req.url).pathname;
    const projectId = PAYMENTS_PATH.test(path) ? c.var.header("x-stack-project-id") : null;
    if (!projectId) return next();
    const { db, realNow } = c.var.services;
    await catchUpProject(db, projectId, realNow);
    await next();
    if (CLOCK_PATH.test(path) && c.req.method === "POST" && c.res.status < 300) await catchUpProject(db, projectId, realNow);
  });
}
