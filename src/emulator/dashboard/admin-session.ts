/**
 * The dashboard's sign-in (an emulator extension): `POST /internal/emulator/admin-session`
 * exchanges the project's super secret admin key for an admin session, as the hosted dashboard's
 * people have one: a user of the internal project who manages the project (a member of its owner
 * team). The answer is that user's session of the internal project (access and refresh tokens);
 * the access token is accepted in place of the admin key (`x-stack-admin-access-token`), so the
 * page never keeps the key. The refresh token renews it through the internal project's OAuth
 * token route, as any session.
 */
import * as z from "zod/mini";
import { adminSessionResponseSchema } from "../../core/schemas/emulator-dashboard.js";
import { createSession } from "../auth/sessions.js";
import { insertUser, type UserRow } from "../auth/users.js";
import { ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { getProjectConfig } from "../project-config.js";
import { INTERNAL_PROJECT_ID, findProject } from "../projects/store.js";

/** How long a dashboard session lasts without use (its access tokens last 10 minutes each). */
const SESSION_LIFETIME_MILLIS = 7 * 24 * 60 * 60 * 1000;


/** The internal-project user the dashboard signs in as for `projectId` (made on first sign-in). */
async function dashboardUser(ctx: RequestContext, projectId: string, projectName: string, now: number): Promise<UserRow> {
  const found = await ctx.db.query<UserRow>("SELECT * FROM users WHERE project_id = $1 AND server_metadata->>'emulator_dashboard_for' = $2 LIMIT 1", [
    INTERNAL_PROJECT_ID,
    projectId,
  ]);
  if (found[0]) return found[0];
  return insertUser(ctx.db, INTERNAL_PROJECT_ID, { displayName: `Dashboard of ${projectName}`, serverMetadata: { emulator_dashboard_for: projectId } }, now);
}

/** The emulator's admin-session exchange. */
export const adminSessionRoutes: Route[] = [
  defineRoute({
    method: "POST",
    path: "/internal/emulator/admin-session",
    access: "admin",
    body: z.optional(z.strictObject({})),
    response: adminSessionResponseSchema,
    async handler(ctx) {
      // A session is minted from the key itself: an admin access token cannot mint more of them.
      if (ctx.header("x-stack-admin-access-token"))
        throw ApiError.text(400, "Sign in to the dashboard with the project's super secret admin key (x-stack-super-secret-admin-key), not with an admin access token.");
      const project = ctx.project!;
      if (project.id === INTERNAL_PROJECT_ID) throw ApiError.text(400, "The internal project has no payments dashboard: sign in with the key of one of your projects.");
      // The session lives in the internal project, on its clock (another project's test clock may have moved).
      const internalNow = await ctx.nowFor(INTERNAL_PROJECT_ID);
      const session = await ctx.db.transaction(async () => {
        // One sign-in at a time per project, so two tabs never make two owner teams or users.
        await ctx.db.query("SELECT id FROM emulator_projects WHERE id = $1 FOR UPDATE", [project.id]);
        let ownerTeamId = (await findProject(ctx.db, project.id))?.ownerTeamId ?? null;
        if (ownerTeamId === null) {
          // The built-in projects have no owner team; as on the hosted API, a project is managed through one.
          ownerTeamId = crypto.randomUUID();
          await ctx.db.query("INSERT INTO teams (project_id, id, display_name, created_at_millis) VALUES ($1, $2, $3, $4)", [
            INTERNAL_PROJECT_ID,
            ownerTeamId,
            `${project.displayName} owners`,
            internalNow,
          ]);
          await ctx.db.query("UPDATE emulator_projects SET owner_team_id = $2 WHERE id = $1", [project.id, ownerTeamId]);
        }
        const user = await dashboardUser(ctx, project.id, project.displayName, internalNow);
        await ctx.db.query(
          "INSERT INTO team_members (project_id, team_id, user_id, created_at_millis) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
          [INTERNAL_PROJECT_ID, ownerTeamId, user.id, internalNow],
        );
        const config = await getProjectConfig(ctx.db, INTERNAL_PROJECT_ID);
        const internalCtx: RequestContext = { ...ctx, projectId: INTERNAL_PROJECT_ID, now: async () => internalNow };
        return { user, tokens: await createSession(internalCtx, INTERNAL_PROJECT_ID, config, user, { expiresInMillis: SESSION_LIFETIME_MILLIS }) };
      });
      return {
        internal_project_id: INTERNAL_PROJECT_ID,
        user_id: session.user.id,
        access_token: session.tokens.access_token,
        refresh_token: session.tokens.refresh_token,
        project: { id: project.id, display_name: project.displayName },
      };
    },
  }),
];
