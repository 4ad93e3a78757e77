/**
 * The hosted API's customer checks for payments routes: who may act on a customer
 * (`ensureClientCanAccessCustomer`) and whether it exists (`ensureCustomerExists`).
 */
import type { CustomerType } from "../core/schemas/index.js";
import { hasTeamPermission, isTeamMember } from "./auth/permissions.js";
import { ApiError, type RequestContext } from "./http.js";
import { getProjectConfig } from "./project-config.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID (any version; case-insensitive). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

// User and team ids as the hosted API's payments routes accept them: lowercase version-4 UUIDs,
// the form it issues. Any other spelling of an existing id (upper case, say) is not that
// customer, so it is refused rather than given a ledger of its own.
const CUSTOMER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True when `value` is a user or team id in the form payments routes accept (a lowercase v4 UUID). */
export function isCustomerUuid(value: string): boolean {
  return CUSTOMER_UUID.test(value);
}

/**
 * For client callers: a signed-in user acting on themselves, or on a team where they hold
 * `team_admin` (recursively). Server and admin callers may act on any customer.
 * `forbiddenText` is the route's 403 plain-text message for custom customers and other users.
 */
export async function ensureClientCanAccessCustomer(
  ctx: RequestContext,
  customerType: CustomerType,
  customerId: string,
  forbiddenText: string,
): Promise<void> {
  if (ctx.accessType !== "client") return;
  const user = ctx.user;
  if (!user) throw ApiError.known("USER_AUTHENTICATION_REQUIRED");
  if (customerType === "custom") throw ApiError.text(403, forbiddenText);
  if (customerType === "user") {
    if (customerId !== user.id) throw ApiError.text(403, forbiddenText);
    return;
  }
  const projectId = ctx.projectId!;
  const member = isUuid(customerId) && (await isTeamMember(ctx.db, projectId, customerId, user.id));
  if (!member) throw ApiError.known("TEAM_MEMBERSHIP_NOT_FOUND", { team_id: customerId, user_id: user.id });
  const config = await getProjectConfig(ctx.db, projectId);
  if (!(await hasTeamPermission(ctx.db, config, projectId, customerId, user.id, "team_admin")))
    throw ApiError.known("TEAM_PERMISSION_REQUIRED", { team_id: customerId, user_id: user.id, permission_id: "team_admin" });
}

/**
 * `USER_NOT_FOUND` for a user id that is not an existing user's UUID, `TEAM_NOT_FOUND` likewise
 * for teams; `custom` customers are never checked (their ids are free, case-sensitive strings).
 * Ids must be spelled as issued (see {@link isCustomerUuid}), so one customer has one ledger.
 */
export async function ensureCustomerExists(ctx: RequestContext, customerType: CustomerType, customerId: string): Promise<void> {
  if (customerType === "custom") return;
  const projectId = ctx.projectId!;
  if (customerType === "user") {
    const rows = isCustomerUuid(customerId) ? await ctx.db.query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2", [projectId, customerId]) : [];
    if (rows.length === 0) throw ApiError.known("USER_NOT_FOUND");
    return;
  }
  const rows = isCustomerUuid(customerId) ? await ctx.db.query("SELECT 1 FROM teams WHERE project_id = $1 AND id = $2", [projectId, customerId]) : [];
  if (rows.length === 0) throw ApiError.known("TEAM_NOT_FOUND", { team_id: customerId });
}
