/**
 * Users: storage rows, the client and server views of the wire contract, and lookups shared by
 * the auth, users and teams routes.
 */
import type { ClientTeamWire, ClientUserWire, ServerTeamWire, ServerUserWire } from "../../core/schemas/index.js";
import { isUuid } from "../customer-access.js";
import type { SqlExecutor } from "../db.js";
import { ApiError, type RequestContext } from "../http.js";
import type { ProjectConfig } from "../project-config.js";
import type { TokenSubject } from "./tokens.js";

/** A `users` row. */
export interface UserRow {
  id: string;
  display_name: string | null;
  primary_email: string | null;
  primary_email_verified: boolean;
  primary_email_auth_enabled: boolean;
  password_hash: string | null;
  profile_image_url: string | null;
  client_metadata: unknown;
  client_read_only_metadata: unknown;
  server_metadata: unknown;
  otp_auth_enabled: boolean;
  passkey_auth_enabled: boolean;
  totp_secret_base64: string | null;
  is_anonymous: boolean;
  oauth_providers: Array<{ id: string; account_id: string; email: string | null }>;
  restricted_by_admin: boolean;
  restricted_by_admin_reason: string | null;
  restricted_by_admin_private_details: string | null;
  country_code: string | null;
  risk_scores: { sign_up: { bot: number; free_trial_abuse: number } } | null;
  selected_team_id: string | null;
  signed_up_at_millis: number;
  last_active_at_millis: number;
}

/** A `teams` row. */
export interface TeamRow {
  id: string;
  display_name: string;
  profile_image_url: string | null;
  client_metadata: unknown;
  client_read_only_metadata: unknown;
  server_metadata: unknown;
  created_at_millis: number;
}

/** Loads a user (null if absent or not a UUID). */
export async function findUser(db: SqlExecutor, projectId: string, userId: string): Promise<UserRow | null> {
  if (!isUuid(userId)) return null;
  const rows = await db.query<UserRow>("SELECT * FROM users WHERE project_id = $1 AND id = $2", [projectId, userId]);
  return rows[0] ?? null;
}

/** Loads a team (null if absent or not a UUID). */
export async function findTeam(db: SqlExecutor, projectId: string, teamId: string): Promise<TeamRow | null> {
  if (!isUuid(teamId)) return null;
  const rows = await db.query<TeamRow>("SELECT * FROM teams WHERE project_id = $1 AND id = $2", [projectId, teamId]);
  return rows[0] ?? null;
}

/** The restricted reason of a user under the project's config, or null. */
export function restrictedReason(user: UserRow, config: ProjectConfig): TokenSubject["restrictedReason"] {
  if (user.is_anonymous) return { type: "anonymous" };
  if (config.onboarding.requireEmailVerification && user.primary_email !== null && !user.primary_email_verified) return { type: "email_not_verified" };
  if (config.onboarding.requireEmailVerification && user.primary_email === null) return { type: "email_not_verified" };
  if (user.restricted_by_admin) return { type: "restricted_by_administrator" };
  return null;
}

/** Client view of a team. */
export function clientTeamView(team: TeamRow): ClientTeamWire {
  return {
    id: team.id,
    display_name: team.display_name,
    profile_image_url: team.profile_image_url,
    client_metadata: team.client_metadata ?? null,
    client_read_only_metadata: team.client_read_only_metadata ?? null,
  };
}

/** Server view of a team. */
export function serverTeamView(team: TeamRow): ServerTeamWire {
  return { ...clientTeamView(team), created_at_millis: Number(team.created_at_millis), server_metadata: team.server_metadata ?? null };
}

/** The team view for an access type. */
export function teamView(team: TeamRow, view: "client" | "server"): ClientTeamWire | ServerTeamWire {
  return view === "client" ? clientTeamView(team) : serverTeamView(team);
}

/** The user view for an access type: exactly the contract's client or server key set. */
export async function userView(
  db: SqlExecutor,
  projectId: string,
  config: ProjectConfig,
  user: UserRow,
  view: "client" | "server",
): Promise<ClientUserWire | ServerUserWire> {
  const team = user.selected_team_id ? await findTeam(db, projectId, user.selected_team_id) : null;
  const reason = restrictedReason(user, config);
  const client: ClientUserWire = {
    id: user.id,
    display_name: user.display_name,
    primary_email: user.primary_email,
    primary_email_verified: user.primary_email_verified,
    profile_image_url: user.profile_image_url,
    signed_up_at_millis: Number(user.signed_up_at_millis),
    client_metadata: user.client_metadata ?? null,
    client_read_only_metadata: user.client_read_only_metadata ?? null,
    has_password: user.password_hash !== null,
    auth_with_email: user.password_hash !== null || user.otp_auth_enabled,
    otp_auth_enabled: user.otp_auth_enabled,
    passkey_auth_enabled: user.passkey_auth_enabled,
    requires_totp_mfa: user.totp_secret_base64 !== null,
    oauth_providers: user.oauth_providers ?? [],
    selected_team_id: team ? team.id : null,
    selected_team: team ? clientTeamView(team) : null,
    is_anonymous: user.is_anonymous,
    is_restricted: reason !== null,
    restricted_reason: reason,
    restricted_by_admin: user.restricted_by_admin,
    restricted_by_admin_reason: user.restricted_by_admin_reason,
  };
  if (view === "client") return client;
  return {
    ...client,
    selected_team: team ? serverTeamView(team) : null,
    server_metadata: user.server_metadata ?? null,
    primary_email_auth_enabled: user.primary_email_auth_enabled,
    last_active_at_millis: Number(user.last_active_at_millis),
    restricted_by_admin_private_details: user.restricted_by_admin_private_details,
    country_code: user.country_code,
    risk_scores: user.risk_scores ?? { sign_up: { bot: 0, free_trial_abuse: 0 } },
  };
}

/** The token claims of a user. */
export function tokenSubject(user: UserRow, config: ProjectConfig, refreshTokenId: string): TokenSubject {
  return {
    userId: user.id,
    refreshTokenId,
    displayName: user.display_name,
    primaryEmail: user.primary_email,
    primaryEmailVerified: user.primary_email_verified,
    selectedTeamId: user.selected_team_id,
    signedUpAtMillis: Number(user.signed_up_at_millis),
    isAnonymous: user.is_anonymous,
    restrictedReason: restrictedReason(user, config),
    requiresTotpMfa: user.totp_secret_base64 !== null,
  };
}

/** `client` for client access, `server` for server and admin. */
export function viewOf(ctx: RequestContext): "client" | "server" {
  return ctx.accessType === "client" ? "client" : "server";
}

/**
 * Resolves a `user_id` parameter: `me` is the signed-in user (else
 * `CANNOT_GET_OWN_USER_WITHOUT_USER`); anything else must be a UUID (else `SCHEMA_ERROR`).
 */
export function resolveUserId(ctx: RequestContext, raw: string, where: string): string {
  if (raw === "me") {
    if (!ctx.user) throw ApiError.known("CANNOT_GET_OWN_USER_WITHOUT_USER");
    return ctx.user.id;
  }
  if (!isUuid(raw)) throw ApiError.schema(ctx.method, ctx.url.pathname, [`${where} must be a valid UUID`]);
  return raw.toLowerCase();
}

/** Fields accepted when inserting a user. */
export interface NewUser {
  displayName?: string | null;
  primaryEmail?: string | null;
  primaryEmailVerified?: boolean;
  primaryEmailAuthEnabled?: boolean;
  passwordHash?: string | null;
  profileImageUrl?: string | null;
  clientMetadata?: unknown;
  clientReadOnlyMetadata?: unknown;
  serverMetadata?: unknown;
  otpAuthEnabled?: boolean;
  passkeyAuthEnabled?: boolean;
  totpSecretBase64?: string | null;
  isAnonymous?: boolean;
  oauthProviders?: Array<{ id: string; account_id: string; email: string | null }>;
  restrictedByAdmin?: boolean;
  restrictedByAdminReason?: string | null;
  restrictedByAdminPrivateDetails?: string | null;
  countryCode?: string | null;
  riskScores?: unknown;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** Inserts a user; `USER_EMAIL_ALREADY_EXISTS` when the auth email is taken. */
export async function insertUser(db: SqlExecutor, projectId: string, data: NewUser, nowMillis: number): Promise<UserRow> {
  const email = data.primaryEmail ?? null;
  const authEnabled = data.primaryEmailAuthEnabled ?? false;
  if (email !== null && authEnabled) await ensureAuthEmailFree(db, projectId, email, null);
  const rows = await withEmailUniqueness(email ?? "", () => db.query<UserRow>(
    `INSERT INTO users (project_id, id, display_name, primary_email, primary_email_verified, primary_email_auth_enabled, password_hash,
       profile_image_url, client_metadata, client_read_only_metadata, server_metadata, otp_auth_enabled, passkey_auth_enabled,
       totp_secret_base64, is_anonymous, oauth_providers, restricted_by_admin, restricted_by_admin_reason,
       restricted_by_admin_private_details, country_code, risk_scores, signed_up_at_millis, last_active_at_millis)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16::jsonb, $17, $18, $19, $20, $21::jsonb, $22, $22)
     RETURNING *`,
    [
      projectId,
      crypto.randomUUID(),
      data.displayName ?? null,
      email,
      data.primaryEmailVerified ?? false,
      authEnabled,
      data.passwordHash ?? null,
      data.profileImageUrl ?? null,
      json(data.clientMetadata),
      json(data.clientReadOnlyMetadata),
      json(data.serverMetadata),
      data.otpAuthEnabled ?? false,
      data.passkeyAuthEnabled ?? false,
      data.totpSecretBase64 ?? null,
      data.isAnonymous ?? false,
      JSON.stringify(data.oauthProviders ?? []),
      data.restrictedByAdmin ?? false,
      data.restrictedByAdminReason ?? null,
      data.restrictedByAdminPrivateDetails ?? null,
      data.countryCode ?? null,
      json(data.riskScores),
      nowMillis,
    ],
  ));
  return rows[0]!;
}

/**
 * Runs a write that may set an auth email; a unique-index violation (two requests racing for
 * one email) becomes `USER_EMAIL_ALREADY_EXISTS` instead of a 500.
 */
export async function withEmailUniqueness<T>(email: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
    if (e?.code === "23505" && (e.constraint === "users_auth_email" || String(e.message).includes("users_auth_email")))
      throw ApiError.known("USER_EMAIL_ALREADY_EXISTS", { email, would_work_if_email_was_verified: false });
    throw error;
  }
}

/** `USER_EMAIL_ALREADY_EXISTS` unless no other user signs in with `email`. */
export async function ensureAuthEmailFree(db: SqlExecutor, projectId: string, email: string, exceptUserId: string | null): Promise<void> {
  const rows = await db.query<{ id: string }>(
    "SELECT id FROM users WHERE project_id = $1 AND primary_email_auth_enabled AND lower(primary_email) = lower($2)",
    [projectId, email],
  );
  if (rows.some((r) => r.id !== exceptUserId)) throw ApiError.known("USER_EMAIL_ALREADY_EXISTS", { email, would_work_if_email_was_verified: false });
}
