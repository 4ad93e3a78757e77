/**
 * Teams as payments customers: the `Team` / `ServerTeam` objects, built from the client and server
 * views of a team, and a server user's team operations. A client user's team operations are in
 * team-operations.ts, loaded on first use.
 */
import type { ClientTeamWire, ServerTeamWire } from "./schemas/auth.js";
import { serverTeamShape, serverTeamsListResponseShape, teamMembershipResponseShape } from "./wire-shapes.js";
import { apiPath, requireId, requireOptions, requireText, type ApiContext } from "./api-context.js";
import type { Customer, ServerCustomer } from "./customer.js";
import { attachCustomerRef, clientCustomerMethods, serverCustomerMethods, type CustomerRef } from "./customer.js";
import { keepWireBody } from "./wire-body.js";
import type { CallOptions } from "./transport.js";

/** A team as a client sees it (a payments customer when the user administers it). */
export interface Team extends Customer {
  readonly displayName: string;
  readonly profileImageUrl: string | null;
  readonly clientMetadata: unknown;
  readonly clientReadOnlyMetadata: unknown;
}

/** A team as a server sees it. */
export interface ServerTeam extends ServerCustomer {
  readonly displayName: string;
  readonly profileImageUrl: string | null;
  readonly clientMetadata: unknown;
  readonly clientReadOnlyMetadata: unknown;
  readonly serverMetadata: unknown;
  readonly createdAt: Date;
  /** Adds a user as a member (default member permissions). */
  addUser(userId: string, callOptions?: CallOptions): Promise<void>;
}

/** Options of `createTeam`. */
export interface CreateTeamOptions {
  displayName: string;
  profileImageUrl?: string | null | undefined;
}

/** What user/team objects need from their app beyond the payments context. */
export interface UserHost {
  /** The app instance (exposed non-enumerably as `app`). */
  app: unknown;
  /** Client context (session-bound) and server context (project-bound; absent in client apps). */
  client: ApiContext;
  server?: ApiContext | undefined;
  signOut?: (callOptions?: CallOptions) => Promise<void>;
}

/** The project of the host's app (customers note pending checkouts under it). */
export const projectOf = (host: UserHost) => (host.app as { projectId?: string } | null)?.projectId;

/** A customer object with its hidden customer reference and app, made from `wire` (kept beside it, see wire-body.ts). */
export function attachWire<T extends object>(wire: object, target: T, ref: CustomerRef, app: unknown): T {
  return keepWireBody(attachCustomerRef(target, ref, app), wire);
}

/** What a client sees of a team, as the SDK names it. */
function teamFields(wire: ClientTeamWire) {
  return {
    id: wire.id,
    displayName: wire.display_name,
    profileImageUrl: wire.profile_image_url,
    clientMetadata: wire.client_metadata,
    clientReadOnlyMetadata: wire.client_read_only_metadata,
  };
}

/** Builds a client `Team`. */
export function createTeam(host: UserHost, wire: ClientTeamWire): Team {
  const ref = { type: "team", id: wire.id } as const;
  return attachWire(
    wire,
    {
      ...teamFields(wire),
      ...clientCustomerMethods(host.client, ref, projectOf(host)),
    } as Team,
    ref,
    host.app,
  );
}

/** Builds a `ServerTeam`. */
export function createServerTeam(host: UserHost, wire: ServerTeamWire): ServerTeam {
  const ctx = host.server!;
  const ref = { type: "team", id: wire.id } as const;
  return attachWire(
    wire,
    {
      ...teamFields(wire),
      serverMetadata: wire.server_metadata,
      createdAt: new Date(wire.created_at_millis),
      ...serverCustomerMethods(ctx, ref),
      addUser: async (userId: string, c?: CallOptions) => {
        await ctx.call({
          method: "POST",
          path: apiPath`/team-memberships/${wire.id}/${requireId("userId", userId)}`,
          body: {},
          schema: teamMembershipResponseShape,
          options: c,
        });
      },
    } as ServerTeam,
    ref,
    host.app,
  );
}

/** The body of `POST /teams` for `options`, created by `creator` (a user id, or `me`). */
export function teamBody(options: CreateTeamOptions, creator: string): Record<string, unknown> {
  requireOptions(options, "{ displayName }");
  const body: Record<string, unknown> = { display_name: requireText("displayName", options.displayName), creator_user_id: creator };
  if (options.profileImageUrl !== undefined) body.profile_image_url = options.profileImageUrl;
  return body;
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
