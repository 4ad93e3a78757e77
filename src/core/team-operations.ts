/**
 * What one can do with a user's teams: list them, find one, create one. Loaded on first use (users.ts):
 * a page that shows a balance and starts a checkout never needs it.
 */
import { clientTeamShape, clientUserShape, serverTeamShape, serverTeamsListResponseShape, teamsListResponseShape } from "./wire-shapes.js";
import { apiPath, requireId, requireOptions, requireText } from "./api-context.js";
import { createServerTeam, createTeam, type CreateTeamOptions, type ServerTeam, type Team, type UserHost } from "./teams.js";
import type { CallOptions } from "./transport.js";

function teamBody(options: CreateTeamOptions, creator: string): Record<string, unknown> {
  requireOptions(options, "{ displayName }");
  const body: Record<string, unknown> = { display_name: requireText("displayName", options.displayName), creator_user_id: creator };
  if (options.profileImageUrl !== undefined) body.profile_image_url = options.profileImageUrl;
  return body;
}

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

/** The teams of user `userId`, with server access. */
export async function listServerTeams(host: UserHost, userId: string, callOptions?: CallOptions): Promise<ServerTeam[]> {
  const list = await host.server!.call({
    method: "GET",
    path: apiPath`/teams`,
    query: { user_id: userId },
    schema: serverTeamsListResponseShape,
    options: callOptions,
  });
  return list.items.map((t) => createServerTeam(host, t));
}

/** One of the teams of user `userId`, or null if the user is not a member, with server access. */
export async function getServerTeamOf(host: UserHost, userId: string, teamId: string, callOptions?: CallOptions): Promise<ServerTeam | null> {
  requireId("teamId", teamId);
  return (await listServerTeams(host, userId, callOptions)).find((t) => t.id === teamId) ?? null;
}

/** Creates a team with user `userId` as creator, with server access. */
export async function createServerTeamOf(host: UserHost, userId: string, options: CreateTeamOptions, callOptions?: CallOptions): Promise<ServerTeam> {
  const team = await host.server!.call({
    method: "POST",
    path: apiPath`/teams`,
    body: teamBody(options, userId),
    schema: serverTeamShape,
    options: callOptions,
  });
  return createServerTeam(host, team);
}
