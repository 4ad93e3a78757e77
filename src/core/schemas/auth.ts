/** Wire shapes of the auth, users, teams and project routes the SDK and the emulator need. */
import * as z from "zod/mini";
import { jsonSchema } from "./common.js";

/** Answer of anonymous/password sign-up and password sign-in. */
export const signInResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  user_id: z.string(),
});

/** Answer of `POST /auth/sessions` (server-created session). */
export const createSessionResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
});

export const createSessionBodySchema = z.strictObject({
  user_id: z.string(),
  expires_in_millis: z.optional(z.number().check(z.minimum(0), z.maximum(31_708_800_000))),
  is_impersonation: z.optional(z.boolean()),
});

export const passwordSignUpBodySchema = z.strictObject({
  email: z.email().check(z.maxLength(256)),
  password: z.string().check(z.maxLength(70)),
  verification_callback_url: z.optional(z.url()),
  bot_challenge_token: z.optional(z.string()),
  bot_challenge_phase: z.optional(z.string()),
  bot_challenge_unavailable: z.optional(z.string()),
});

export const passwordSignInBodySchema = z.strictObject({
  email: z.string().check(z.minLength(1)),
  password: z.string(),
});

/**
 * Answer of the OAuth refresh grant `POST /auth/oauth/token`: the SDK reads only `access_token`
 * (the server also sends `token_type`, `expires_in` and `scope`; no new refresh token).
 */
export const oauthTokenResponseSchema = z.object({
  access_token: z.string(),
});

/** Answer of `POST /auth/sessions/current/refresh`. */
export const refreshResponseSchema = z.object({ access_token: z.string() });

/** Claims of the ES256 access token; the official SDK rejects tokens missing any but `exp`. */
export const accessTokenPayloadSchema = z.object({
  iss: z.string(),
  aud: z.string(),
  sub: z.string(),
  iat: z.number(),
  exp: z.optional(z.number()),
  project_id: z.string(),
  branch_id: z.string(),
  refresh_token_id: z.string(),
  role: z.literal("authenticated"),
  name: z.nullable(z.string()),
  email: z.nullable(z.string()),
  email_verified: z.boolean(),
  selected_team_id: z.nullable(z.string()),
  signed_up_at: z.number(),
  is_anonymous: z.boolean(),
  is_restricted: z.boolean(),
  restricted_reason: z.nullable(z.object({ type: z.enum(["anonymous", "email_not_verified", "restricted_by_administrator"]) })),
  requires_totp_mfa: z.boolean(),
});
export type AccessTokenPayload = z.infer<typeof accessTokenPayloadSchema>;

/** Client view of a team. */
export const clientTeamSchema = z.object({
  id: z.string(),
  display_name: z.string(),
  profile_image_url: z.nullable(z.string()),
  client_metadata: z.nullable(jsonSchema),
  client_read_only_metadata: z.nullable(jsonSchema),
});
export type ClientTeamWire = z.infer<typeof clientTeamSchema>;

/** Server view of a team. */
export const serverTeamSchema = z.extend(clientTeamSchema, {
  created_at_millis: z.number(),
  server_metadata: z.nullable(jsonSchema),
});
export type ServerTeamWire = z.infer<typeof serverTeamSchema>;

/** `GET /teams?user_id=` with client access. */
export const teamsListResponseSchema = z.object({
  items: z.array(clientTeamSchema),
  is_paginated: z.boolean(),
});

/** `GET /teams?user_id=` with server access. */
export const serverTeamsListResponseSchema = z.object({
  items: z.array(serverTeamSchema),
  is_paginated: z.boolean(),
});

/** Answer of `POST /team-memberships/{team_id}/{user_id}` (status 201). */
export const teamMembershipResponseSchema = z.object({
  team_id: z.string(),
  user_id: z.string(),
});

/** Client view of a user (exactly these keys on the wire). */
export const clientUserSchema = z.object({
  id: z.string(),
  display_name: z.nullable(z.string()),
  primary_email: z.nullable(z.string()),
  primary_email_verified: z.boolean(),
  profile_image_url: z.nullable(z.string()),
  signed_up_at_millis: z.number(),
  client_metadata: z.nullable(jsonSchema),
  client_read_only_metadata: z.nullable(jsonSchema),
  has_password: z.boolean(),
  auth_with_email: z.boolean(),
  otp_auth_enabled: z.boolean(),
  passkey_auth_enabled: z.boolean(),
  requires_totp_mfa: z.boolean(),
  oauth_providers: z.array(z.object({ id: z.string(), account_id: z.string(), email: z.nullable(z.string()) })),
  selected_team_id: z.nullable(z.string()),
  selected_team: z.nullable(clientTeamSchema),
  is_anonymous: z.boolean(),
  is_restricted: z.boolean(),
  restricted_reason: z.nullable(z.object({ type: z.string() })),
  restricted_by_admin: z.boolean(),
  restricted_by_admin_reason: z.nullable(z.string()),
});
export type ClientUserWire = z.infer<typeof clientUserSchema>;

/** Server view of a user: the client view plus server-only fields. */
export const serverUserSchema = z.extend(clientUserSchema, {
  server_metadata: z.nullable(jsonSchema),
  primary_email_auth_enabled: z.boolean(),
  last_active_at_millis: z.number(),
  restricted_by_admin_private_details: z.nullable(z.string()),
  country_code: z.nullable(z.string()),
  risk_scores: z.object({ sign_up: z.object({ bot: z.number(), free_trial_abuse: z.number() }) }),
  selected_team: z.nullable(serverTeamSchema),
});
export type ServerUserWire = z.infer<typeof serverUserSchema>;

/** Body of server `POST /users`. */
export const createUserBodySchema = z.strictObject({
  primary_email: z.optional(z.nullable(z.email())),
  primary_email_verified: z.optional(z.boolean()),
  primary_email_auth_enabled: z.optional(z.boolean()),
  password: z.optional(z.nullable(z.string())),
  password_hash: z.optional(z.string()),
  display_name: z.optional(z.nullable(z.string())),
  profile_image_url: z.optional(z.nullable(z.string())),
  client_metadata: z.optional(jsonSchema),
  client_read_only_metadata: z.optional(jsonSchema),
  server_metadata: z.optional(jsonSchema),
  otp_auth_enabled: z.optional(z.boolean()),
  passkey_auth_enabled: z.optional(z.boolean()),
  totp_secret_base64: z.optional(z.nullable(z.string())),
  is_anonymous: z.optional(z.boolean()),
  oauth_providers: z.optional(z.array(z.object({ id: z.string(), account_id: z.string(), email: z.nullable(z.string()) }))),
  restricted_by_admin: z.optional(z.boolean()),
  restricted_by_admin_reason: z.optional(z.nullable(z.string())),
  restricted_by_admin_private_details: z.optional(z.nullable(z.string())),
  country_code: z.optional(z.nullable(z.string())),
  risk_scores: z.optional(z.unknown()),
});

/** Body of `POST /teams`. */
export const createTeamBodySchema = z.strictObject({
  display_name: z.string(),
  profile_image_url: z.optional(z.nullable(z.string())),
  client_metadata: z.optional(jsonSchema),
  client_read_only_metadata: z.optional(jsonSchema),
  server_metadata: z.optional(jsonSchema),
  creator_user_id: z.optional(z.string()),
});

/** `GET /projects/current` (client view). */
export const currentProjectSchema = z.object({
  id: z.string(),
  display_name: z.string(),
  config: z.object({
    sign_up_enabled: z.boolean(),
    credential_enabled: z.boolean(),
    magic_link_enabled: z.boolean(),
    passkey_enabled: z.boolean(),
    client_team_creation_enabled: z.boolean(),
    client_user_deletion_enabled: z.boolean(),
    allow_user_api_keys: z.boolean(),
    allow_team_api_keys: z.boolean(),
    enabled_oauth_providers: z.array(z.object({ id: z.string() })),
    domains: z.array(z.object({ domain: z.string(), handler_path: z.string() })),
    allow_localhost: z.boolean(),
  }),
});
