/**
 * Teams, memberships and team permissions routes, and team creation shared with sign-up.
 */
import * as z from "zod/mini";
import { createTeamBodySchema, jsonSchema } from "../../core/schemas/index.js";
import { accessMayChange } from "../access-changes.js";
import { isUuid } from "../customer-access.js";
import { answer, ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { getProjectConfig, type ProjectConfig } from "../project-config.js";
import { orEmptyObject } from "../validate.js";
import { directTeamPermissions, expandPermissions, grantDefaultTeamPermissions, hasTeamPermission, isDefinedTeamPermission, isTeamMember } from "./permissions.js";
import { findTeam, findUser, resolveUserId, teamView, viewOf, type TeamRow, type UserRow } from "./users.js";

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** Inserts a team and, when given, its creator as a member with the creator permissions. */
export async function insertTeam(
  ctx: RequestContext,
  projectId: string,
  config: ProjectConfig,
  data: { displayName: string; profileImageUrl?: string | null; clientMetadata?: unknown; clientReadOnlyMetadata?: unknown; serverMetadata?: unknown },
  creatorUserId: string | null,
): Promise<TeamRow> {
  return ctx.db.transaction(async () => {
    const now = await ctx.now();
    const rows = await ctx.db.query<TeamRow>(
      `INSERT INTO teams (project_id, id, display_name, profile_image_url, client_metadata, client_read_only_metadata, server_metadata, created_at_millis)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8) RETURNING *`,
      [projectId, crypto.randomUUID(), data.displayName, data.profileImageUrl ?? null, json(data.clientMetadata), json(data.clientReadOnlyMetadata), json(data.serverMetadata), now],
    );
    const team = rows[0]!;
    if (creatorUserId !== null) {
      await ctx.db.query("INSERT INTO team_members (project_id, team_id, user_id, created_at_millis) VALUES ($1, $2, $3, $4)", [projectId, team.id, creatorUserId, now]);
      await grantDefaultTeamPermissions(ctx.db, config, projectId, team.id, creatorUserId, "creator");
    }
    return team;
  });
}

/** Creates and selects the personal team of a new user when `teams.createPersonalTeamOnSignUp` is on. */
export async function createPersonalTeamIfEnabled(ctx: RequestContext, projectId: string, config: ProjectConfig, user: UserRow): Promise<UserRow> {
  if (!config.teams.createPersonalTeamOnSignUp) return user;
  const displayName = user.display_name ? `${user.display_name}'s Team` : user.primary_email ? `${user.primary_email}'s Team` : "Personal Team";
  const team = await insertTeam(ctx, projectId, config, { displayName }, user.id);
  const rows = await ctx.db.query<UserRow>("UPDATE users SET selected_team_id = $3 WHERE project_id = $1 AND id = $2 RETURNING *", [projectId, user.id, team.id]);
  return rows[0]!;
}

function teamIdParam(ctx: RequestContext): string {
  const raw = ctx.params.team_id!;
  if (!isUuid(raw)) throw ApiError.schema(ctx.method, ctx.url.pathname, ["params.team_id must be a valid UUID"]);
  return raw.toLowerCase();
}

/** Client: membership, then `permissionId` (recursively). No-op for server/admin. */
/**
 * The `user_id` of a list query (`/teams`, `/team-permissions`): clients must name themselves
 * (`me` or their own id); servers may name anyone, or nobody (null).
 */
function listedUserId(ctx: RequestContext, raw: string | undefined, what: "teams" | "permissions"): string | null {
  if (ctx.accessType !== "client") return raw === undefined ? null : resolveUserId(ctx, raw, "query.user_id");
  const forbidden = `Client can only list ${what} for their own user. user_id must be either "me" or the ID of the current user`;
  if (raw === undefined) throw ApiError.text(403, forbidden);
  const userId = resolveUserId(ctx, raw, "query.user_id");
  if (userId !== ctx.user?.id) throw ApiError.text(403, forbidden);
  return userId;
}

async function ensureClientTeamPermission(ctx: RequestContext, config: ProjectConfig, teamId: string, permissionId: string): Promise<void> {
  if (ctx.accessType !== "client") return;
  const user = ctx.user;
  if (!user) throw ApiError.known("USER_AUTHENTICATION_REQUIRED");
  const projectId = ctx.projectId!;
  if (!(await isTeamMember(ctx.db, projectId, teamId, user.id))) throw ApiError.known("TEAM_MEMBERSHIP_NOT_FOUND", { team_id: teamId, user_id: user.id });
  if (!(await hasTeamPermission(ctx.db, config, projectId, teamId, user.id, permissionId)))
    throw ApiError.known("TEAM_PERMISSION_REQUIRED", { team_id: teamId, user_id: user.id, permission_id: permissionId });
}

const clientCreateTeamSchema = z.strictObject({
  display_name: z.string(),
  profile_image_url: z.optional(z.nullable(z.string())),
  client_metadata: z.optional(jsonSchema),
  creator_user_id: z.optional(z.string()),
});
const clientUpdateTeamSchema = z.strictObject({
  display_name: z.optional(z.string()),
  profile_image_url: z.optional(z.nullable(z.string())),
  client_metadata: z.optional(jsonSchema),
});
const serverUpdateTeamSchema = z.extend(clientUpdateTeamSchema, {
  client_read_only_metadata: z.optional(jsonSchema),
  server_metadata: z.optional(jsonSchema),
});
const listTeamsQuerySchema = z.strictObject({
  user_id: z.optional(z.string()),
  add_current_user: z.optional(z.string()),
  order_by: z.optional(z.string()),
  desc: z.optional(z.string()),
  cursor: z.optional(z.string()),
  limit: z.optional(z.string()),
  query: z.optional(z.string()),
});
const teamPermissionsQuerySchema = z.strictObject({
  team_id: z.optional(z.string()),
  user_id: z.optional(z.string()),
  permission_id: z.optional(z.string()),
  recursive: z.optional(z.enum(["true", "false"])),
});
const emptyObjectSchema = z.optional(z.strictObject({}));

/** Team, membership and team-permission routes. */
export const teamRoutes: Route[] = [
  defineRoute({
    method: "POST",
    path: "/teams",
    access: "client",
    body: (ctx) => (ctx.accessType === "client" ? clientCreateTeamSchema : createTeamBodySchema),
    async handler(ctx, input) {
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      let creator: string | null;
      const body = input.body as z.infer<typeof createTeamBodySchema>;
      if (ctx.accessType === "client") {
        if (!ctx.user) throw ApiError.known("USER_AUTHENTICATION_REQUIRED");
        if (!config.teams.allowClientTeamCreation) throw ApiError.text(403, "Client team creation is disabled for this project");
        if (body.creator_user_id !== undefined && body.creator_user_id !== "me" && body.creator_user_id !== ctx.user.id)
          throw ApiError.text(403, "You cannot create a team as a user that is not yourself. Make sure you set the creator_user_id to 'me'.");
        creator = ctx.user.id;
      } else {
        // Deprecated: `?add_current_user=true` makes the signed-in user the creator.
        const addCurrentUser = ctx.url.searchParams.get("add_current_user") === "true";
        if (addCurrentUser && body.creator_user_id !== undefined) throw ApiError.text(400, "Cannot use both add_current_user and creator_user_id");
        if (addCurrentUser) {
          if (!ctx.user) throw ApiError.known("USER_AUTHENTICATION_REQUIRED");
          creator = ctx.user.id;
        } else if (body.creator_user_id === undefined) creator = null;
        else {
          creator = resolveUserId(ctx, body.creator_user_id, "body.creator_user_id");
          if (!(await findUser(ctx.db, projectId, creator))) throw ApiError.known("USER_NOT_FOUND");
        }
      }
      const team = await insertTeam(
        ctx,
        projectId,
        config,
        {
          displayName: body.display_name,
          profileImageUrl: body.profile_image_url ?? null,
          clientMetadata: body.client_metadata,
          clientReadOnlyMetadata: body.client_read_only_metadata,
          serverMetadata: body.server_metadata,
        },
        creator,
      );
      return answer(201, teamView(team, viewOf(ctx)));
    },
  }),
  defineRoute({
    method: "GET",
    path: "/teams",
    access: "client",
    query: listTeamsQuerySchema,
    async handler(ctx, { query }) {
      const projectId = ctx.projectId!;
      const userId = listedUserId(ctx, query.user_id, "teams");
      const rows =
        userId === null
          ? await ctx.db.query<TeamRow>("SELECT * FROM teams WHERE project_id = $1 ORDER BY created_at_millis, id", [projectId])
          : await ctx.db.query<TeamRow>(
              `SELECT t.* FROM teams t JOIN team_members m ON m.project_id = t.project_id AND m.team_id = t.id
               WHERE t.project_id = $1 AND m.user_id = $2 ORDER BY t.created_at_millis, t.id`,
              [projectId, userId],
            );
      return { items: rows.map((t) => teamView(t, viewOf(ctx))), is_paginated: false };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/teams/:team_id",
    access: "client",
    async handler(ctx) {
      const teamId = teamIdParam(ctx);
      const projectId = ctx.projectId!;
      if (ctx.accessType === "client") {
        if (!ctx.user) throw ApiError.known("USER_AUTHENTICATION_REQUIRED");
        if (!(await isTeamMember(ctx.db, projectId, teamId, ctx.user.id))) throw ApiError.known("TEAM_MEMBERSHIP_NOT_FOUND", { team_id: teamId, user_id: ctx.user.id });
      }
      const team = await findTeam(ctx.db, projectId, teamId);
      if (!team) throw ApiError.known("TEAM_NOT_FOUND", { team_id: teamId });
      return teamView(team, viewOf(ctx));
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/teams/:team_id",
    access: "client",
    body: (ctx) => orEmptyObject(ctx.accessType === "client" ? clientUpdateTeamSchema : serverUpdateTeamSchema),
    async handler(ctx, input) {
      const teamId = teamIdParam(ctx);
      const projectId = ctx.projectId!;
      const body = input.body as z.infer<typeof serverUpdateTeamSchema>;
      const config = await getProjectConfig(ctx.db, projectId);
      await ensureClientTeamPermission(ctx, config, teamId, "$update_team");
      const team = await findTeam(ctx.db, projectId, teamId);
      if (!team) throw ApiError.known("TEAM_NOT_FOUND", { team_id: teamId });
      const sets: string[] = [];
      const values: unknown[] = [projectId, teamId];
      const set = (column: string, value: unknown, cast = "") => {
        values.push(value);
        sets.push(`${column} = $${values.length}${cast}`);
      };
      if (body.display_name !== undefined) set("display_name", body.display_name);
      if (body.profile_image_url !== undefined) set("profile_image_url", body.profile_image_url);
      if (body.client_metadata !== undefined) set("client_metadata", json(body.client_metadata), "::jsonb");
      if (body.client_read_only_metadata !== undefined) set("client_read_only_metadata", json(body.client_read_only_metadata), "::jsonb");
      if (body.server_metadata !== undefined) set("server_metadata", json(body.server_metadata), "::jsonb");
      if (sets.length === 0) return teamView(team, viewOf(ctx));
      const rows = await ctx.db.query<TeamRow>(`UPDATE teams SET ${sets.join(", ")} WHERE project_id = $1 AND id = $2 RETURNING *`, values);
      return teamView(rows[0]!, viewOf(ctx));
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/teams/:team_id",
    access: "client",
    body: emptyObjectSchema,
    async handler(ctx) {
      const teamId = teamIdParam(ctx);
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      await ensureClientTeamPermission(ctx, config, teamId, "$delete_team");
      const deleted = await ctx.db.transaction(async () => {
        await ctx.db.query("UPDATE users SET selected_team_id = NULL WHERE project_id = $1 AND selected_team_id = $2", [projectId, teamId]);
        return ctx.db.query("DELETE FROM teams WHERE project_id = $1 AND id = $2 RETURNING id", [projectId, teamId]);
      });
      if (deleted.length === 0) throw ApiError.known("TEAM_NOT_FOUND", { team_id: teamId });
      accessMayChange(ctx, { teamId });
      return { success: true };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/team-memberships/:team_id/:user_id",
    access: "server",
    body: emptyObjectSchema,
    async handler(ctx) {
      const teamId = teamIdParam(ctx);
      const userId = resolveUserId(ctx, ctx.params.user_id!, "params.user_id");
      const projectId = ctx.projectId!;
      if (!(await findUser(ctx.db, projectId, userId))) throw ApiError.known("USER_NOT_FOUND");
      if (!(await findTeam(ctx.db, projectId, teamId))) throw ApiError.known("TEAM_NOT_FOUND", { team_id: teamId });
      const config = await getProjectConfig(ctx.db, projectId);
      await ctx.db.transaction(async () => {
        const inserted = await ctx.db.query(
          "INSERT INTO team_members (project_id, team_id, user_id, created_at_millis) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING user_id",
          [projectId, teamId, userId, await ctx.now()],
        );
        if (inserted.length === 0) throw ApiError.known("TEAM_MEMBERSHIP_ALREADY_EXISTS");
        await grantDefaultTeamPermissions(ctx.db, config, projectId, teamId, userId, "member");
      });
      return answer(201, { team_id: teamId, user_id: userId });
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/team-memberships/:team_id/:user_id",
    access: "client",
    async handler(ctx) {
      const teamId = teamIdParam(ctx);
      const userId = resolveUserId(ctx, ctx.params.user_id!, "params.user_id");
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      if (ctx.accessType === "client" && userId !== ctx.user?.id) await ensureClientTeamPermission(ctx, config, teamId, "$remove_members");
      const deleted = await ctx.db.transaction(async () => {
        await ctx.db.query("UPDATE users SET selected_team_id = NULL WHERE project_id = $1 AND id = $2 AND selected_team_id = $3", [projectId, userId, teamId]);
        return ctx.db.query("DELETE FROM team_members WHERE project_id = $1 AND team_id = $2 AND user_id = $3 RETURNING user_id", [projectId, teamId, userId]);
      });
      if (deleted.length === 0) throw ApiError.known("TEAM_MEMBERSHIP_NOT_FOUND", { team_id: teamId, user_id: userId });
      accessMayChange(ctx, { userId });
      return { success: true };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/team-permissions",
    access: "client",
    query: teamPermissionsQuerySchema,
    async handler(ctx, { query }) {
      const projectId = ctx.projectId!;
      const userId = listedUserId(ctx, query.user_id, "permissions");
      let teamId: string | null = null;
      if (query.team_id !== undefined) {
        if (!isUuid(query.team_id)) throw ApiError.schema(ctx.method, ctx.url.pathname, ["query.team_id must be a valid UUID"]);
        teamId = query.team_id.toLowerCase();
      }
      const config = await getProjectConfig(ctx.db, projectId);
      const members = await ctx.db.query<{ team_id: string; user_id: string }>(
        `SELECT team_id, user_id FROM team_members WHERE project_id = $1 AND ($2::uuid IS NULL OR team_id = $2::uuid) AND ($3::uuid IS NULL OR user_id = $3::uuid)`,
        [projectId, teamId, userId],
      );
      const items: Array<{ id: string; team_id: string; user_id: string }> = [];
      for (const m of members) {
        const direct = await directTeamPermissions(ctx.db, projectId, m.team_id, m.user_id);
        const ids = query.recursive === "true" ? [...expandPermissions(config, direct)] : direct.filter((d) => isDefinedTeamPermission(config, d));
        for (const id of ids) if (query.permission_id === undefined || id === query.permission_id) items.push({ id, team_id: m.team_id, user_id: m.user_id });
      }
      const cmp = (a: string, b: string) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0);
      items.sort((a, b) => cmp(a.team_id, b.team_id) || cmp(a.user_id, b.user_id) || cmp(a.id, b.id));
      return { items, is_paginated: false };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/team-permissions/:team_id/:user_id/:permission_id",
    access: "server",
    body: emptyObjectSchema,
    async handler(ctx) {
      const teamId = teamIdParam(ctx);
      const userId = resolveUserId(ctx, ctx.params.user_id!, "params.user_id");
      const permissionId = ctx.params.permission_id!;
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      if (!(await isTeamMember(ctx.db, projectId, teamId, userId))) throw ApiError.known("TEAM_MEMBERSHIP_NOT_FOUND", { team_id: teamId, user_id: userId });
      if (!isDefinedTeamPermission(config, permissionId)) {
        const definition = config.rbac.permissions[permissionId];
        if (definition?.scope !== undefined) {
          throw ApiError.known("WRONG_PERMISSION_SCOPE", { permission_id: permissionId, expected_scope: "team", actual_scope: definition.scope });
        }
        throw ApiError.known("PERMISSION_NOT_FOUND", { permission_id: permissionId });
      }
      await ctx.db.query("INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", [
        projectId,
        teamId,
        userId,
        permissionId,
      ]);
      return answer(201, { id: permissionId, team_id: teamId, user_id: userId });
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/team-permissions/:team_id/:user_id/:permission_id",
    access: "server",
    async handler(ctx) {
      const teamId = teamIdParam(ctx);
      const userId = resolveUserId(ctx, ctx.params.user_id!, "params.user_id");
      const permissionId = ctx.params.permission_id!;
      const deleted = await ctx.db.query(
        "DELETE FROM team_member_permissions WHERE project_id = $1 AND team_id = $2 AND user_id = $3 AND permission_id = $4 RETURNING permission_id",
        [ctx.projectId, teamId, userId, permissionId],
      );
      if (deleted.length === 0) throw ApiError.known("TEAM_PERMISSION_NOT_FOUND", { team_id: teamId, user_id: userId, permission_id: permissionId });
      accessMayChange(ctx, { userId });
      return { success: true };
    },
  }),
];
