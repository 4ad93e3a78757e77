/**
 * What a client user can do with their teams: list them, find one, create one. Loaded on first use
 * (users.ts): a page that shows a balance and starts a checkout never needs it. (A server user's
 * team operations are in teams.ts: server bundles have no first render to keep small.)
 */
import { clientTeamShape, clientUserShape, teamsListResponseShape } from "./wire-shapes.js";
import { apiPath, requireId } from "./api-context.js";
import { createTeam, teamBody, type CreateTeamOptions, type Team, type UserHost } from "./teams.js";
import type { CallOptions } from "./transport.js";

/** The teams of the signed-in user of `host.client` (`GET /teams?user_id=me`). */
export async function listClientTeams(host: UserHost, callOptions?: CallOptions): Promise<Team[]> {
  const list = await host.client.call({
    method: "GET",
    path: apiPath`/teams`,
    query: { user_id: "me" },
    schema: teamsListResponseShape,
    options: callOptions,
  });
  return list.items.map((t) => createTeam(host, t));
}

/** One of the signed-in user's teams, or null if the user is not a member. */
export async function getClientTeam(host: UserHost, teamId: string, callOptions?: CallOptions): Promise<Team | null> {
  requireId("teamId", teamId);
  return (await listClientTeams(host, callOptions)).find((t) => t.id === teamId) ?? null;
}

/** Creates a team with the signed-in user as creator, and selects it. */
export async function createClientTeam(host: UserHost, options: CreateTeamOptions, callOptions?: CallOptions): Promise<Team> {
  const ctx = host.client;
  const team = await ctx.call({
    method: "POST",
    path: apiPath`/teams`,
    body: teamBody(options, "me"),
    schema: clientTeamShape,
    options: callOptions,
  });
  await ctx.call({
    method: "PATCH",
    path: apiPath`/users/me`,
    body: { selected_team_id: team.id },
    schema: clientUserShape,
    options: callOptions,
  });
  return createTeam(host, team);
}
