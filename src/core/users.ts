/**
 * Users and teams as payments customers: the objects `getUser`, `getTeam`, `listTeams` return,
 * built from the client and server views of users and teams the API answers with.
 */
import type { ClientTeamWire, ClientUserWire, ServerTeamWire, ServerUserWire } from "./schemas/auth.js";
import {
  clientTeamShape,
  clientUserShape,
  createSessionResponseShape,
  serverTeamShape,
  serverTeamsListResponseShape,
  teamMembershipResponseShape,
  teamsListResponseShape,
} from "./wire-shapes.js";
import { apiPath, requireCount, requireId, requireOptions, requireText, type ApiContext } from "./api-context.js";
import type { Customer, ServerCustomer } from "./customer.js";
import { attachCustomerRef, clientCustomerMethods, serverCustomerMethods, type CustomerRef } from "./customer.js";
import { invalidArgument } from "./errors.js";
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

interface UserFields {
  readonly displayName: string | null;
  readonly primaryEmail: string | null;
  readonly primaryEmailVerified: boolean;
  readonly profileImageUrl: string | null;
  readonly signedUpAt: Date;
  readonly clientMetadata: unknown;
  readonly clientReadOnlyMetadata: unknown;
  readonly hasPassword: boolean;
  readonly isAnonymous: boolean;
  readonly isRestricted: boolean;
  readonly restrictedReason: { type: string } | null;
  readonly selectedTeamId: string | null;
}

/** The signed-in user, seen by a client app. */
export interface CurrentUser extends Customer, UserFields {
  readonly selectedTeam: Team | null;
  /** Teams the user belongs to (`GET /teams?user_id=me`). */
  listTeams(callOptions?: CallOptions): Promise<Team[]>;
  /** One of the user's teams, or null if the user is not a member. */
  getTeam(teamId: string, callOptions?: CallOptions): Promise<Team | null>;
  /** Creates a team with this user as creator and selects it (needs client team creation enabled). */
  createTeam(options: CreateTeamOptions, callOptions?: CallOptions): Promise<Team>;
  /** Signs this session out. */
  signOut(callOptions?: CallOptions): Promise<void>;
}

/** A user seen by a server app. */
export interface ServerUser extends ServerCustomer, UserFields {
  readonly selectedTeam: ServerTeam | null;
  readonly serverMetadata: unknown;
  readonly primaryEmailAuthEnabled: boolean;
  readonly lastActiveAt: Date;
  readonly countryCode: string | null;
  listTeams(callOptions?: CallOptions): Promise<ServerTeam[]>;
  getTeam(teamId: string, callOptions?: CallOptions): Promise<ServerTeam | null>;
  /** Creates a team with this user as creator. */
  createTeam(options: CreateTeamOptions, callOptions?: CallOptions): Promise<ServerTeam>;
  /**
   * Signs this user's session out (`DELETE /auth/sessions/current`). Present only on the user of a
   * session (`getUser()`, `getUser({ tokenStore })`), not on users looked up by id.
   */
  signOut?(callOptions?: CallOptions): Promise<void>;
  /**
   * Creates a session for this user (`POST /auth/sessions`), e.g. to act as them in tests. Every
   * option may be left out, the whole argument too (the API's default lifetime is one year).
   */
  createSession(options?: CreateSessionOptions, callOptions?: CallOptions): Promise<{ getTokens(): Promise<{ accessToken: string; refreshToken: string }> }>;
}

/** Options of `ServerUser.createSession` (official names). */
export interface CreateSessionOptions {
  /** Lifetime of the session's refresh token, in ms (at most 367 days). */
  expiresInMillis?: number | undefined;
  /** Marks the session as an impersonation (hidden from the user's own session list). */
  isImpersonation?: boolean | undefined;
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
const projectOf = (host: UserHost) => (host.app as { projectId?: string } | null)?.projectId;

function userFields(wire: ClientUserWire): UserFields {
  return {
    displayName: wire.display_name,
    primaryEmail: wire.primary_email,
    primaryEmailVerified: wire.primary_email_verified,
    profileImageUrl: wire.profile_image_url,
    signedUpAt: new Date(wire.signed_up_at_millis),
    clientMetadata: wire.client_metadata,
    clientReadOnlyMetadata: wire.client_read_only_metadata,
    hasPassword: wire.has_password,
    isAnonymous: wire.is_anonymous,
    isRestricted: wire.is_restricted,
    restrictedReason: wire.restricted_reason,
    selectedTeamId: wire.selected_team_id,
  };
}

/** A customer object with its hidden customer reference and app, made from `wire` (kept beside it, see wire-body.ts). */
function attachWire<T extends object>(wire: object, target: T, ref: CustomerRef, app: unknown): T {
  return keepWireBody(attachCustomerRef(target, ref, app), wire);
}

/** Builds a client `Team`. */
export function createTeam(host: UserHost, wire: ClientTeamWire): Team {
  const ref = { type: "team", id: wire.id } as const;
  return attachWire(
    wire,
    {
      id: wire.id,
      displayName: wire.display_name,
      profileImageUrl: wire.profile_image_url,
      clientMetadata: wire.client_metadata,
      clientReadOnlyMetadata: wire.client_read_only_metadata,
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
      id: wire.id,
      displayName: wire.display_name,
      profileImageUrl: wire.profile_image_url,
      clientMetadata: wire.client_metadata,
      clientReadOnlyMetadata: wire.client_read_only_metadata,
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

function teamBody(options: CreateTeamOptions, creator: string): Record<string, unknown> {
  requireOptions(options, "{ displayName }");
  const body: Record<string, unknown> = { display_name: requireText("displayName", options.displayName), creator_user_id: creator };
  if (options.profileImageUrl !== undefined) body.profile_image_url = options.profileImageUrl;
  return body;
}

/** Builds the client's `CurrentUser` from `GET /users/me`. */
export function createCurrentUser(host: UserHost, wire: ClientUserWire): CurrentUser {
  const ctx = host.client;
  const ref = { type: "user", id: wire.id } as const;
  const listTeams = async (c?: CallOptions) => {
    const list = await ctx.call({
      method: "GET",
      path: apiPath`/teams`,
      query: { user_id: "me" },
      schema: teamsListResponseShape,
      options: c,
    });
    return list.items.map((t) => createTeam(host, t));
  };
  return attachWire(
    wire,
    {
      id: wire.id,
      ...userFields(wire),
      selectedTeam: wire.selected_team ? createTeam(host, wire.selected_team) : null,
      ...clientCustomerMethods(ctx, ref, projectOf(host)),
      listTeams,
      getTeam: async (teamId: string, c?: CallOptions) => {
        requireId("teamId", teamId);
        return (await listTeams(c)).find((t) => t.id === teamId) ?? null;
      },
      createTeam: async (options: CreateTeamOptions, c?: CallOptions) => {
        const team = await ctx.call({
          method: "POST",
          path: apiPath`/teams`,
          body: teamBody(options, "me"),
          schema: clientTeamShape,
          options: c,
        });
        await ctx.call({
          method: "PATCH",
          path: apiPath`/users/me`,
          body: { selected_team_id: team.id },
          schema: clientUserShape,
          options: c,
        });
        return createTeam(host, team);
      },
      signOut: (c?: CallOptions) => host.signOut!(c),
    } as CurrentUser,
    ref,
    host.app,
  );
}

/** Builds a `ServerUser` from a server view of a user. */
export function createServerUser(host: UserHost, wire: ServerUserWire): ServerUser {
  const ctx = host.server!;
  const ref = { type: "user", id: wire.id } as const;
  const listTeams = async (c?: CallOptions) => {
    const list = await ctx.call({
      method: "GET",
      path: apiPath`/teams`,
      query: { user_id: wire.id },
      schema: serverTeamsListResponseShape,
      options: c,
    });
    return list.items.map((t) => createServerTeam(host, t));
  };
  return attachWire(
    wire,
    {
      id: wire.id,
      ...userFields(wire),
      selectedTeam: wire.selected_team ? createServerTeam(host, wire.selected_team) : null,
      serverMetadata: wire.server_metadata,
      primaryEmailAuthEnabled: wire.primary_email_auth_enabled,
      lastActiveAt: new Date(wire.last_active_at_millis),
      countryCode: wire.country_code,
      ...serverCustomerMethods(ctx, ref),
      listTeams,
      getTeam: async (teamId: string, c?: CallOptions) => {
        requireId("teamId", teamId);
        return (await listTeams(c)).find((t) => t.id === teamId) ?? null;
      },
      createTeam: async (options: CreateTeamOptions, c?: CallOptions) => {
        const team = await ctx.call({
          method: "POST",
          path: apiPath`/teams`,
          body: teamBody(options, wire.id),
          schema: serverTeamShape,
          options: c,
        });
        return createServerTeam(host, team);
      },
      ...(host.signOut && { signOut: host.signOut }),
      createSession: async (options?: CreateSessionOptions, c?: CallOptions) => {
        const body: Record<string, unknown> = { user_id: wire.id };
        if (options !== undefined) {
          requireOptions(options, "{ expiresInMillis?, isImpersonation? }");
          if (options.expiresInMillis !== undefined) body.expires_in_millis = requireCount("expiresInMillis", options.expiresInMillis, 0);
          if (options.isImpersonation !== undefined) {
            if (typeof options.isImpersonation !== "boolean") throw invalidArgument("isImpersonation", `expected a boolean, got ${typeof options.isImpersonation}`);
            body.is_impersonation = options.isImpersonation;
          }
        }
        const tokens = await ctx.call({
          method: "POST",
          path: apiPath`/auth/sessions`,
          body,
          schema: createSessionResponseShape,
          options: c,
        });
        return { getTokens: async () => ({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token }) };
      },
    } as ServerUser,
    ref,
    host.app,
  );
}
