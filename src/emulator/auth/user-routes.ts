/**
 * `/users/me` and the server `/users` routes, with the contract's client and server field sets.
 */
import * as z from "zod/mini";
import { createUserBodySchema, jsonSchema } from "../../core/schemas/index.js";
import { accessMayChange } from "../access-changes.js";
import { isUuid } from "../customer-access.js";
import { answer, ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { getProjectConfig, type ProjectConfig } from "../project-config.js";
import { orEmptyObject } from "../validate.js";
import { hashPassword } from "./passwords.js";
import { isTeamMember } from "./permissions.js";
import { createPersonalTeamIfEnabled } from "./teams.js";
import { ensureAuthEmailFree, findUser, insertUser, restrictedReason, resolveUserId, userView, viewOf, withEmailUniqueness, type UserRow } from "./users.js";

const clientUpdateUserSchema = z.strictObject({
  display_name: z.optional(z.nullable(z.string())),
  profile_image_url: z.optional(z.nullable(z.string())),
  client_metadata: z.optional(jsonSchema),
  selected_team_id: z.optional(z.nullable(z.string())),
  totp_secret_base64: z.optional(z.nullable(z.string())),
  otp_auth_enabled: z.optional(z.boolean()),
  passkey_auth_enabled: z.optional(z.boolean()),
  primary_email: z.optional(z.nullable(z.email())),
});

const serverUpdateUserSchema = z.extend(clientUpdateUserSchema, {
  client_read_only_metadata: z.optional(jsonSchema),
  server_metadata: z.optional(jsonSchema),
  primary_email_verified: z.optional(z.boolean()),
  primary_email_auth_enabled: z.optional(z.boolean()),
  password: z.optional(z.nullable(z.string())),
  password_hash: z.optional(z.string()),
  is_anonymous: z.optional(z.literal(false)),
  restricted_by_admin: z.optional(z.boolean()),
  restricted_by_admin_reason: z.optional(z.nullable(z.string())),
  restricted_by_admin_private_details: z.optional(z.nullable(z.string())),
  country_code: z.optional(z.nullable(z.string())),
  risk_scores: z.optional(z.unknown()),
});
type UserUpdate = z.infer<typeof serverUpdateUserSchema>;

const listUsersQuerySchema = z.strictObject({
  limit: z.optional(z.string().check(z.regex(/^[1-9][0-9]*$/))),
  cursor: z.optional(z.string()),
  order_by: z.optional(z.enum(["signed_up_at", "last_active_at"])),
  desc: z.optional(z.enum(["true", "false"])),
  query: z.optional(z.string()),
  team_id: z.optional(z.string()),
  include_restricted: z.optional(z.enum(["true", "false"])),
  include_anonymous: z.optional(z.enum(["true", "false"])),
  only_anonymous: z.optional(z.enum(["true", "false"])),
});

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
const DATA_URL_IMAGE = /^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/]+=*$/i;

async function applyUserUpdate(ctx: RequestContext, config: ProjectConfig, user: UserRow, body: UserUpdate): Promise<UserRow> {
  const projectId = ctx.projectId!;
  if (ctx.accessType === "client" && body.profile_image_url && !DATA_URL_IMAGE.test(body.profile_image_url)) throw ApiError.text(400, "Invalid profile image URL");
  if (body.password !== undefined && body.password_hash !== undefined) throw ApiError.text(400, "Cannot set both password and password_hash at the same time.");
  if (typeof body.password === "string" && !config.auth.password.allowSignIn) throw ApiError.text(400, "Password auth not enabled in the project");
  if (body.selected_team_id !== undefined && body.selected_team_id !== null) {
    if (!isUuid(body.selected_team_id) || !(await isTeamMember(ctx.db, projectId, body.selected_team_id, user.id)))
      throw ApiError.known("TEAM_MEMBERSHIP_NOT_FOUND", { team_id: body.selected_team_id, user_id: user.id });
  }
  const email = body.primary_email !== undefined ? body.primary_email : user.primary_email;
  const authEnabled = body.primary_email_auth_enabled ?? user.primary_email_auth_enabled;
  if (email !== null && authEnabled && (body.primary_email !== undefined || body.primary_email_auth_enabled !== undefined))
    await ensureAuthEmailFree(ctx.db, projectId, email, user.id);
  const passwordHash = typeof body.password === "string" ? await hashPassword(body.password) : body.password === null ? null : body.password_hash;

  const sets: string[] = [];
  const values: unknown[] = [projectId, user.id];
  const set = (column: string, value: unknown, cast = "") => {
    values.push(value);
    sets.push(`${column} = $${values.length}${cast}`);
  };
  if (body.display_name !== undefined) set("display_name", body.display_name);
  if (body.profile_image_url !== undefined) set("profile_image_url", body.profile_image_url);
  if (body.client_metadata !== undefined) set("client_metadata", json(body.client_metadata), "::jsonb");
  if (body.client_read_only_metadata !== undefined) set("client_read_only_metadata", json(body.client_read_only_metadata), "::jsonb");
  if (body.server_metadata !== undefined) set("server_metadata", json(body.server_metadata), "::jsonb");
  if (body.selected_team_id !== undefined) set("selected_team_id", body.selected_team_id?.toLowerCase() ?? null);
  if (body.totp_secret_base64 !== undefined) set("totp_secret_base64", body.totp_secret_base64);
  if (body.otp_auth_enabled !== undefined) set("otp_auth_enabled", body.otp_auth_enabled);
  if (body.passkey_auth_enabled !== undefined) set("passkey_auth_enabled", body.passkey_auth_enabled);
  if (body.primary_email !== undefined) {
    set("primary_email", body.primary_email);
    // A changed email is unverified until the server says otherwise.
    if (body.primary_email !== user.primary_email && body.primary_email_verified === undefined) set("primary_email_verified", false);
  }
  if (body.primary_email_verified !== undefined) set("primary_email_verified", body.primary_email_verified);
  if (body.primary_email_auth_enabled !== undefined) set("primary_email_auth_enabled", body.primary_email_auth_enabled);
  if (passwordHash !== undefined) set("password_hash", passwordHash);
  if (body.is_anonymous === false) set("is_anonymous", false);
  if (body.restricted_by_admin !== undefined) set("restricted_by_admin", body.restricted_by_admin);
  if (body.restricted_by_admin_reason !== undefined) set("restricted_by_admin_reason", body.restricted_by_admin_reason);
  if (body.restricted_by_admin_private_details !== undefined) set("restricted_by_admin_private_details", body.restricted_by_admin_private_details);
  if (body.country_code !== undefined) set("country_code", body.country_code);
  if (body.risk_scores !== undefined) set("risk_scores", json(body.risk_scores), "::jsonb");
  if (sets.length === 0) return user;
  return ctx.db.transaction(async () => {
    const rows = await withEmailUniqueness(email ?? "", () =>
      ctx.db.query<UserRow>(`UPDATE users SET ${sets.join(", ")} WHERE project_id = $1 AND id = $2 RETURNING *`, values),
    );
    // Setting a password revokes existing sessions, as the hosted API does.
    if (body.password !== undefined) {
      await ctx.db.query("DELETE FROM refresh_tokens WHERE project_id = $1 AND user_id = $2", [projectId, user.id]);
      accessMayChange(ctx, { userId: user.id });
    }
    return rows[0]!;
  });
}

async function deleteUser(ctx: RequestContext, userId: string): Promise<void> {
  const deleted = await ctx.db.query("DELETE FROM users WHERE project_id = $1 AND id = $2 RETURNING id", [ctx.projectId, userId]);
  if (deleted.length === 0) throw ApiError.known("USER_NOT_FOUND");
  accessMayChange(ctx, { userId });
}

async function loadUserOr404(ctx: RequestContext, userId: string): Promise<UserRow> {
  const user = await findUser(ctx.db, ctx.projectId!, userId);
  if (!user) throw ApiError.known("USER_NOT_FOUND");
  return user;
}

function meOrThrow(ctx: RequestContext): string {
  if (!ctx.user) throw ApiError.known("CANNOT_GET_OWN_USER_WITHOUT_USER");
  return ctx.user.id;
}

/** User routes. */
export const userRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/users/me",
    access: "client",
    async handler(ctx) {
      const user = await loadUserOr404(ctx, meOrThrow(ctx));
      return userView(ctx.db, ctx.projectId!, await getProjectConfig(ctx.db, ctx.projectId!), user, viewOf(ctx));
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/users/me",
    access: "client",
    body: (ctx) => orEmptyObject(ctx.accessType === "client" ? clientUpdateUserSchema : serverUpdateUserSchema),
    async handler(ctx, input) {
      const body = input.body as UserUpdate;
      const user = await loadUserOr404(ctx, meOrThrow(ctx));
      const config = await getProjectConfig(ctx.db, ctx.projectId!);
      return userView(ctx.db, ctx.projectId!, config, await applyUserUpdate(ctx, config, user, body), viewOf(ctx));
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/users/me",
    access: "client",
    async handler(ctx) {
      const userId = meOrThrow(ctx);
      const config = await getProjectConfig(ctx.db, ctx.projectId!);
      if (ctx.accessType === "client" && !config.users.allowClientUserDeletion) throw ApiError.text(400, "Client user deletion is not enabled for this project");
      await deleteUser(ctx, userId);
      return { success: true };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/users",
    access: "server",
    query: listUsersQuerySchema,
    async handler(ctx, { query }) {
      if (query.only_anonymous === "true" && query.include_anonymous !== "true") throw ApiError.text(400, "only_anonymous=true requires include_anonymous=true");
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      const desc = query.desc === "true";
      const orderColumn = query.order_by === "last_active_at" ? "last_active_at_millis" : "signed_up_at_millis";
      let rows: UserRow[];
      if (query.team_id !== undefined) {
        if (!isUuid(query.team_id)) throw ApiError.schema(ctx.method, ctx.url.pathname, ["query.team_id must be a valid UUID"]);
        rows = await ctx.db.query<UserRow>(
          `SELECT u.* FROM users u JOIN team_members m ON m.project_id = u.project_id AND m.user_id = u.id WHERE u.project_id = $1 AND m.team_id = $2`,
          [projectId, query.team_id],
        );
      } else rows = await ctx.db.query<UserRow>("SELECT * FROM users WHERE project_id = $1", [projectId]);
      const includeAnonymous = query.include_anonymous === "true";
      const includeRestricted = includeAnonymous || query.include_restricted === "true";
      rows = rows.filter((u) => {
        if (query.only_anonymous === "true") return u.is_anonymous;
        if (u.is_anonymous) return includeAnonymous;
        if (restrictedReason(u, config)) return includeRestricted;
        return true;
      });
      if (query.query !== undefined && query.query !== "") {
        const q = query.query.toLowerCase();
        rows = rows.filter((u) => u.id === q || (u.display_name ?? "").toLowerCase().includes(q) || (u.primary_email ?? "").toLowerCase().includes(q));
      }
      const sign = desc ? -1 : 1;
      rows.sort((a, b) => sign * (Number(a[orderColumn]) - Number(b[orderColumn])) || sign * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      let start = 0;
      if (query.cursor !== undefined) {
        start = rows.findIndex((u) => u.id === query.cursor);
        if (start < 0) start = rows.length;
      }
      const limit = query.limit === undefined ? rows.length : Number(query.limit);
      const page = rows.slice(start, start + limit);
      const next = rows[start + limit];
      return {
        items: await Promise.all(page.map((u) => userView(ctx.db, projectId, config, u, "server"))),
        is_paginated: true,
        pagination: { next_cursor: next ? next.id : null },
      };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/users",
    access: "server",
    body: orEmptyObject(createUserBodySchema),
    async handler(ctx, { body }) {
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      const email = body.primary_email ?? null;
      if (email === null && body.primary_email_auth_enabled) throw ApiError.text(400, "primary_email_auth_enabled cannot be true without primary_email");
      if (email === null && body.primary_email_verified) throw ApiError.text(400, "primary_email_verified cannot be true without primary_email");
      if (body.password !== undefined && body.password !== null && body.password_hash !== undefined)
        throw ApiError.text(400, "Cannot set both password and password_hash at the same time.");
      if (typeof body.password === "string" && !config.auth.password.allowSignIn) throw ApiError.text(400, "Password auth not enabled in the project");
      const passwordHash = typeof body.password === "string" ? await hashPassword(body.password) : (body.password_hash ?? null);
      const user = await insertUser(
        ctx.db,
        projectId,
        {
          displayName: body.display_name ?? null,
          primaryEmail: email,
          primaryEmailVerified: body.primary_email_verified ?? false,
          primaryEmailAuthEnabled: body.primary_email_auth_enabled ?? false,
          passwordHash,
          profileImageUrl: body.profile_image_url ?? null,
          clientMetadata: body.client_metadata,
          clientReadOnlyMetadata: body.client_read_only_metadata,
          serverMetadata: body.server_metadata,
          otpAuthEnabled: body.otp_auth_enabled ?? false,
          passkeyAuthEnabled: body.passkey_auth_enabled ?? false,
          totpSecretBase64: body.totp_secret_base64 ?? null,
          isAnonymous: body.is_anonymous ?? false,
          oauthProviders: body.oauth_providers ?? [],
          restrictedByAdmin: body.restricted_by_admin ?? false,
          restrictedByAdminReason: body.restricted_by_admin_reason ?? null,
          restrictedByAdminPrivateDetails: body.restricted_by_admin_private_details ?? null,
          countryCode: body.country_code ?? null,
          riskScores: body.risk_scores,
        },
        await ctx.now(),
      );
      // As hosted: the response is built before the personal team exists.
      const view = await userView(ctx.db, projectId, config, user, "server");
      if (config.teams.createPersonalTeamOnSignUp) {
        await createPersonalTeamIfEnabled(ctx, projectId, config, user);
      }
      return answer(201, view);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/users/:user_id",
    access: "server",
    async handler(ctx) {
      const user = await loadUserOr404(ctx, resolveUserId(ctx, ctx.params.user_id!, "params.user_id"));
      return userView(ctx.db, ctx.projectId!, await getProjectConfig(ctx.db, ctx.projectId!), user, "server");
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/users/:user_id",
    access: "server",
    body: orEmptyObject(serverUpdateUserSchema),
    async handler(ctx, { body }) {
      const userId = resolveUserId(ctx, ctx.params.user_id!, "params.user_id");
      const user = await loadUserOr404(ctx, userId);
      const config = await getProjectConfig(ctx.db, ctx.projectId!);
      return userView(ctx.db, ctx.projectId!, config, await applyUserUpdate(ctx, config, user, body), "server");
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/users/:user_id",
    access: "server",
    async handler(ctx) {
      await deleteUser(ctx, resolveUserId(ctx, ctx.params.user_id!, "params.user_id"));
      return { success: true };
    },
  }),
];
