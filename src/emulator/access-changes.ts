/**
 * Writes that may take access away from open event streams mark their request here (sign-out, a
 * deleted user, a revoked key...); once the request has answered, its writes committed, the
 * `recheckStreamAccess` middleware has the streams concerned re-check their access at once rather
 * than at their next periodic check. A module of its own, importing nothing of the emulator's but
 * the request type, so that any route may mark its request.
 */
import type { RequestContext } from "./http.js";

/**
 * Whose access to customers a write may have taken away: one user's (their client streams), the
 * callers' watching one team, or, for what only the project's own keys can change (a key revoked,
 * the project deleted, its config, its test clock), every stream of the project.
 */
export type AccessChange = { userId: string } | { teamId: string } | { wholeProject: true };

const marks = new WeakMap<RequestContext, AccessChange[]>();

/** Marks this request as one that may take access away from `who`. */
export function accessMayChange(ctx: RequestContext, who: AccessChange): void {
  const list = marks.get(ctx);
  if (list) list.push(who);
  else marks.set(ctx, [who]);
}

/** What the request was marked with (see {@link accessMayChange}). */
export function accessChangesOf(ctx: RequestContext): readonly AccessChange[] {
  return marks.get(ctx) ?? [];
}
