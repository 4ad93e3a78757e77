/**
 * Users as payments customers: the objects `getUser` returns, built from the client and server
 * views of a user. Teams are in teams.ts; a user's team operations load on first use.
 */
import type { ClientUserWire, ServerUserWire } from "./schemas/auth.js";
import { createSessionResponseShape } from "./wire-shapes.js";
import { apiPath, requireCount, requireId, requireOptions } from "./api-context.js";
import type { Customer, ServerCustomer } from "./customer.js";
import { clientCustomerMethods, serverCustomerMethods } from "./customer.js";
import { invalidArgument } from "./errors.js";
import { loadOnFirstUse } from "./load-on-first-use.js";
import {
  attachWire,
  createServerTeam,
  createServerTeamOf,
  createTeam,
  getServerTeamOf,
  listServerTeams,
  projectOf,
  type CreateTeamOptions,
  type ServerTeam,
  type Team,
  type UserHost,
} from "./teams.js";
import type { CallOptions } from "./transport.js";

export { createServerTeam, createTeam, type CreateTeamOptions, type ServerTeam, type Team, type UserHost } from "./teams.js";

/** A client user's team operations (list, find, create), loaded on first use. */
const teamOperations = loadOnFirstUse(() => import("./team-operations.js"), "team operations");

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

/** Builds the client's `CurrentUser` from `GET /users/me`. */
export function createCurrentUser(host: UserHost, wire: ClientUserWire): CurrentUser {
  const ctx = host.client;
  const ref = { type: "user", id: wire.id } as const;
  return attachWire(
    wire,
    {
      id: wire.id,
      ...userFields(wire),
      selectedTeam: wire.selected_team ? createTeam(host, wire.selected_team) : null,
      ...clientCustomerMethods(ctx, ref, projectOf(host)),
      listTeams: async (c?: CallOptions) => (await teamOperations()).listClientTeams(host, c),
      getTeam: async (teamId: string, c?: CallOptions) => (await teamOperations()).getClientTeam(host, teamId, c),
      createTeam: async (options: CreateTeamOptions, c?: CallOptions) => (await teamOperations()).createClientTeam(host, options, c),
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
      listTeams: (c?: CallOptions) => listServerTeams(host, wire.id, c),
      getTeam: (teamId: string, c?: CallOptions) => getServerTeamOf(host, wire.id, teamId, c),
      createTeam: (options: CreateTeamOptions, c?: CallOptions) => createServerTeamOf(host, wire.id, options, c),
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
