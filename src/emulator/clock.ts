/**
 * The emulator's clock: real time plus an offset stored in the database (so every process on
 * one database agrees), moved forward by the test-clock extension route.
 */
import * as z from "zod/mini";
import { accessMayChange } from "./access-changes.js";
import type { SqlExecutor } from "./db.js";
import { ApiError, defineRoute, type Route } from "./http.js";
import { readThrough } from "./read-cache.js";

/**
 * Current emulator time in ms since the epoch: `realNow()` plus the project's stored offset.
 *
 * @example
 * const now = await emulatorNow(db, projectId);
 */
export async function emulatorNow(db: SqlExecutor, projectId: string, realNow: () => number = Date.now): Promise<number> {
  // Every request reads its project's clock; it changes only when advanced.
  const offset = await readThrough(db, `clock\u0000${projectId}`, ["emulator_clock"], async () => {
    const rows = await db.query<{ offset_millis: number }>("SELECT offset_millis FROM emulator_clock WHERE project_id = $1", [projectId]);
    return Number(rows[0]?.offset_millis ?? 0);
  });
  return realNow() + offset;
}

/** Moves the project's clock forward by `millis` (atomic, so concurrent advances add up). */
export async function advanceEmulatorClock(db: SqlExecutor, projectId: string, millis: number): Promise<void> {
  await db.query(
    `INSERT INTO emulator_clock (project_id, offset_millis) VALUES ($1, $2)
     ON CONFLICT (project_id) DO UPDATE SET offset_millis = emulator_clock.offset_millis + EXCLUDED.offset_millis`,
    [projectId, millis],
  );
}

/** The last moment a `Date` can represent (+275760-09-13). */
const LAST_DATE_MILLIS = 8.64e15;

const advanceBodySchema = z.strictObject({
  advance_millis: z.int().check(z.positive()),
});
const clockAnswerSchema = z.object({ now_millis: z.number() });

/**
 * Test-clock routes (an extension): `GET /internal/emulator/clock` and
 * `POST /internal/emulator/clock/advance {advance_millis}`, both answering `{now_millis}`.
 */
export const clockRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/internal/emulator/clock",
    access: "server",
    response: clockAnswerSchema,
    async handler(ctx) {
      return { now_millis: await ctx.now() };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/internal/emulator/clock/advance",
    access: "server",
    body: advanceBodySchema,
    response: clockAnswerSchema,
    async handler(ctx, { body }) {
      // Past the last moment a Date can hold, every timestamp the emulator writes would be invalid.
      const target = (await ctx.now()) + body.advance_millis;
      if (target > LAST_DATE_MILLIS)
        throw ApiError.text(400, `The clock cannot move past ${new Date(LAST_DATE_MILLIS).toISOString()}: advancing by ${body.advance_millis} ms would reach ${target}. Nothing was changed.`);
      await advanceEmulatorClock(ctx.db, ctx.projectId!, body.advance_millis);
      // Sessions and keys may have expired on the new clock.
      accessMayChange(ctx, { wholeProject: true });
      return { now_millis: await ctx.now() };
    },
  }),
];
