/**
 * Sessions (refresh tokens) and the routes that produce tokens: anonymous and password sign-up,
 * password sign-in, server-created sessions, the OAuth refresh grant, refresh and sign-out,
 * session listing, and the JWKS document.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import {
  createSessionBodySchema,
  createSessionResponseSchema,
  oauthTokenResponseSchema,
  passwordSignInBodySchema,
  passwordSignUpBodySchema,
  refreshResponseSchema,
  signInResponseSchema,
} from "../../core/schemas/index.js";
import { accessMayChange } from "../access-changes.js";
import { ApiError, defineRoute, jsonResponse, type RequestContext, type Route } from "../http.js";
import { PUBLIC_CLIENT_SENTINEL } from "../middleware/authenticate.js";
import { getProjectConfig, isTrustedReturnUrl, type ProjectConfig } from "../project-config.js";
import { findProject, isValidProjectKey } from "../projects/store.js";
import { orEmptyObject } from "../validate.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { createPersonalTeamIfEnabled } from "./teams.js";
import { jwks, signAccessToken } from "./tokens.js";
import { ensureAuthEmailFree, findUser, insertUser, resolveUserId, tokenSubject, type UserRow } from "./users.js";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
const YEAR_MILLIS = 365 * 24 * 60 * 60 * 1000;

/** A 45-character lowercase Crockford-base32 refresh token. */
export function generateRefreshToken(): string {
  const bytes = randomBytes(45);
  let out = "";
  for (const b of bytes) out += CROCKFORD[b & 31];
  return out;
}

interface RefreshTokenRow {
  id: string;
  user_id: string;
  token: string;
  created_at_millis: number;
  last_used_at_millis: number;
  expires_at_millis: number;
  is_impersonation: boolean;
}

/** Creates a session for `user` and signs its first access token. */
export async function createSession(
  ctx: RequestContext,
  projectId: string,
  config: ProjectConfig,
  user: UserRow,
  options: { expiresInMillis?: number; isImpersonation?: boolean } = {},
): Promise<{ access_token: string; refresh_token: string; refreshTokenId: string }> {
  const now = await ctx.now();
  const id = crypto.randomUUID();
  const token = generateRefreshToken();
  await ctx.db.query(
    `INSERT INTO refresh_tokens (project_id, id, token, user_id, created_at_millis, last_used_at_millis, expires_at_millis, is_impersonation)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7)`,
    [projectId, id, token, user.id, now, now + (options.expiresInMillis ?? YEAR_MILLIS), options.isImpersonation ?? false],
  );
  const access_token = await signAccessToken(ctx.db, projectId, ctx.baseUrl, tokenSubject(user, config, id), now);
  return { access_token, refresh_token: token, refreshTokenId: id };
}

/** Finds a live session by refresh token; `REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED` otherwise. */
async function liveSession(ctx: RequestContext, projectId: string, refreshToken: string, now: number): Promise<{ session: RefreshTokenRow; user: UserRow }> {
  const rows = await ctx.db.query<RefreshTokenRow>("SELECT * FROM refresh_tokens WHERE project_id = $1 AND token = $2", [projectId, refreshToken]);
  const session = rows[0];
  if (!session || Number(session.expires_at_millis) <= now) throw ApiError.known("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
  const user = await findUser(ctx.db, projectId, session.user_id);
  if (!user) throw ApiError.known("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
  await ctx.db.query("UPDATE refresh_tokens SET last_used_at_millis = $3 WHERE project_id = $1 AND id = $2", [projectId, session.id, now]);
  await ctx.db.query("UPDATE users SET last_active_at_millis = $3 WHERE project_id = $1 AND id = $2", [projectId, user.id, now]);
  return { session, user };
}

const emptyBodySchema = z.optional(z.strictObject({}));

const oauthTokenBodySchema = z.object({
  grant_type: z.enum(["authorization_code", "refresh_token"]),
  refresh_token: z.optional(z.string()),
  client_id: z.optional(z.string()),
  client_secret: z.optional(z.string()),
  code: z.optional(z.string()),
  redirect_uri: z.optional(z.string()),
  code_verifier: z.optional(z.string()),
  scope: z.optional(z.string()),
});

const sessionsQuerySchema = z.strictObject({ user_id: z.string() });

function oauthError(status: number, error: string, description: string): Response {
  return jsonResponse(status, { error, error_description: description });
}

/** The answer of every sign-up and sign-in route: `{access_token, refresh_token, user_id}`. */
function signInAnswer(session: { access_token: string; refresh_token: string }, userId: string) {
  return { access_token: session.access_token, refresh_token: session.refresh_token, user_id: userId };
}


/** Token-producing and session routes (any project). */
export const sessionRoutes: Route[] = [
  defineRoute({
    method: "POST",
    path: "/auth/anonymous/sign-up",
    access: "client",
    body: emptyBodySchema,
    response: signInResponseSchema,
    async handler(ctx) {
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      return ctx.db.transaction(async () => {
        const user = await insertUser(ctx.db, projectId, { isAnonymous: true }, await ctx.now());
        const withTeam = await createPersonalTeamIfEnabled(ctx, projectId, config, user);
        const session = await createSession(ctx, projectId, config, withTeam);
        return signInAnswer(session, user.id);
      });
    },
  }),
  defineRoute({
    method: "POST",
    path: "/auth/password/sign-up",
    access: "client",
    body: passwordSignUpBodySchema,
    response: signInResponseSchema,
    async handler(ctx, { body }) {
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      if (!config.auth.password.allowSignIn) throw ApiError.known("PASSWORD_AUTHENTICATION_NOT_ENABLED");
      if (body.verification_callback_url !== undefined && !isTrustedReturnUrl(config, body.verification_callback_url))
        throw ApiError.known("REDIRECT_URL_NOT_WHITELISTED");
      if (!config.auth.allowSignUp) throw ApiError.known("SIGN_UP_NOT_ENABLED");
      if (body.password.length < 8) throw ApiError.known("PASSWORD_TOO_SHORT", { min_length: 8 });
      if (body.password.length > 70) throw ApiError.known("PASSWORD_TOO_LONG", { maxLength: 70 });
      const passwordHash = await hashPassword(body.password);
      return ctx.db.transaction(async () => {
        await ensureAuthEmailFree(ctx.db, projectId, body.email, null);
        const now = await ctx.now();
        let user: UserRow;
        const current = ctx.user ? await findUser(ctx.db, projectId, ctx.user.id) : null;
        if (current?.is_anonymous) {
          // Anonymous upgrade: the same user (same id) gets the credentials.
          const rows = await ctx.db.query<UserRow>(
            `UPDATE users SET is_anonymous = false, primary_email = $3, primary_email_verified = false, primary_email_auth_enabled = true,
               password_hash = $4, last_active_at_millis = $5 WHERE project_id = $1 AND id = $2 RETURNING *`,
            [projectId, current.id, body.email, passwordHash, now],
          );
          user = rows[0]!;
        } else {
          user = await insertUser(ctx.db, projectId, { primaryEmail: body.email, primaryEmailAuthEnabled: true, passwordHash }, now);
          user = await createPersonalTeamIfEnabled(ctx, projectId, config, user);
        }
        const session = await createSession(ctx, projectId, config, user);
        return signInAnswer(session, user.id);
      });
    },
  }),
  defineRoute({
    method: "POST",
    path: "/auth/password/sign-in",
    access: "client",
    body: passwordSignInBodySchema,
    response: signInResponseSchema,
    async handler(ctx, { body }) {
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      if (!config.auth.password.allowSignIn) throw ApiError.known("PASSWORD_AUTHENTICATION_NOT_ENABLED");
      const rows = await ctx.db.query<UserRow>(
        "SELECT * FROM users WHERE project_id = $1 AND primary_email_auth_enabled AND lower(primary_email) = lower($2)",
        [projectId, body.email],
      );
      const user = rows[0];
      if (!user?.password_hash || !(await verifyPassword(body.password, user.password_hash))) throw ApiError.known("EMAIL_PASSWORD_MISMATCH");
      // TOTP users get an MFA challenge instead of tokens; the emulator has no TOTP step, so the code only identifies the attempt.
      if (user.totp_secret_base64 !== null) throw ApiError.known("MULTI_FACTOR_AUTHENTICATION_REQUIRED", { attempt_code: generateRefreshToken() });
      const session = await createSession(ctx, projectId, config, user);
      return signInAnswer(session, user.id);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/auth/sessions",
    access: "server",
    body: createSessionBodySchema,
    response: createSessionResponseSchema,
    async handler(ctx, { body }) {
      const projectId = ctx.projectId!;
      const userId = resolveUserId(ctx, body.user_id, "body.user_id");
      const user = await findUser(ctx.db, projectId, userId);
      if (!user) throw ApiError.known("USER_ID_DOES_NOT_EXIST", { user_id: userId });
      const config = await getProjectConfig(ctx.db, projectId);
      const options: { expiresInMillis?: number; isImpersonation?: boolean } = {};
      if (body.expires_in_millis !== undefined) options.expiresInMillis = body.expires_in_millis;
      if (body.is_impersonation !== undefined) options.isImpersonation = body.is_impersonation;
      const session = await createSession(ctx, projectId, config, user, options);
      return { refresh_token: session.refresh_token, access_token: session.access_token };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/auth/oauth/token",
    access: "none",
    body: orEmptyObject(oauthTokenBodySchema),
    response: oauthTokenResponseSchema,
    async handler(ctx, { body }) {
      if (body.grant_type !== "refresh_token") return oauthError(400, "unsupported_grant_type", "The emulator supports only the refresh_token grant.");
      const clientId = body.client_id ?? "";
      const [projectId = "", branchId = "main"] = clientId.split("#");
      const project = projectId === "" ? null : await findProject(ctx.db, projectId);
      if (!project || branchId !== "main") throw ApiError.known("INVALID_OAUTH_CLIENT_ID_OR_SECRET", { client_id: clientId });
      const config = await getProjectConfig(ctx.db, projectId);
      if (body.client_secret === PUBLIC_CLIENT_SENTINEL) {
        if (config.project.requirePublishableClientKey) throw ApiError.known("PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT", { project_id: projectId });
      } else if (body.client_secret === undefined || !(await isValidProjectKey(ctx.db, projectId, "publishable_client_key", body.client_secret, Date.now()))) {
        throw ApiError.known("INVALID_OAUTH_CLIENT_ID_OR_SECRET", { client_id: clientId });
      }
      // As the OAuth library: client authentication first, then the grant's own parameters.
      if (!body.refresh_token) return oauthError(400, "invalid_request", "Missing parameter: `refresh_token`");
      const now = await ctx.nowFor(projectId);
      const { session, user } = await liveSession(ctx, projectId, body.refresh_token, now);
      const access_token = await signAccessToken(ctx.db, projectId, ctx.baseUrl, tokenSubject(user, config, session.id), now);
      return {
        access_token,
        token_type: "Bearer",
        expires_in: 3599,
        scope: "legacy",
        afterCallbackRedirectUrl: null,
        after_callback_redirect_url: null,
      };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/auth/sessions/current/refresh",
    access: "client",
    body: z.optional(z.unknown()),
    response: refreshResponseSchema,
    async handler(ctx) {
      const refreshToken = ctx.header("x-stack-refresh-token");
      if (!refreshToken) throw ApiError.schema(ctx.method, ctx.url.pathname, ["headers.x-stack-refresh-token must be defined"]);
      const projectId = ctx.projectId!;
      const config = await getProjectConfig(ctx.db, projectId);
      const now = await ctx.now();
      const { session, user } = await liveSession(ctx, projectId, refreshToken, now);
      return { access_token: await signAccessToken(ctx.db, projectId, ctx.baseUrl, tokenSubject(user, config, session.id), now) };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/auth/sessions/current",
    access: "client",
    async handler(ctx) {
      // The hosted API answers a sign-out without any access token with ACCESS_TOKEN_EXPIRED.
      if (!ctx.header("x-stack-access-token"))
        throw ApiError.known("ACCESS_TOKEN_EXPIRED", { expired_at_millis: null, project_id: null, user_id: null, refresh_token_id: null });
      if (!ctx.user) throw ApiError.known("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
      const deleted = await ctx.db.query("DELETE FROM refresh_tokens WHERE project_id = $1 AND id = $2 RETURNING id", [ctx.projectId, ctx.user.refreshTokenId]);
      if (deleted.length === 0) throw ApiError.known("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
      accessMayChange(ctx, { userId: ctx.user.id });
      return { success: true };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/auth/sessions",
    access: "client",
    query: sessionsQuerySchema,
    async handler(ctx, { query }) {
      const userId = resolveUserId(ctx, query.user_id, "query.user_id");
      if (ctx.accessType === "client" && userId !== ctx.user?.id) throw ApiError.text(403, "Client can only list sessions for their own user.");
      const rows = await ctx.db.query<RefreshTokenRow>(
        `SELECT * FROM refresh_tokens WHERE project_id = $1 AND user_id = $2 AND expires_at_millis > $3
           AND (NOT is_impersonation OR $4) ORDER BY created_at_millis DESC, id`,
        [ctx.projectId, userId, await ctx.now(), ctx.accessType === "admin"],
      );
      return {
        items: rows.map((r) => ({
          id: r.id,
          user_id: r.user_id,
          created_at: Number(r.created_at_millis),
          last_used_at: Number(r.last_used_at_millis),
          is_impersonation: r.is_impersonation,
          is_current_session: r.id === ctx.user?.refreshTokenId,
        })),
        is_paginated: false,
      };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/auth/sessions/:id",
    access: "client",
    async handler(ctx) {
      const id = ctx.params.id!;
      if (ctx.user && id === ctx.user.refreshTokenId) throw ApiError.known("CANNOT_DELETE_CURRENT_SESSION");
      const isUuidId = /^[0-9a-f-]{36}$/i.test(id);
      const rows = isUuidId ? await ctx.db.query<RefreshTokenRow>("SELECT * FROM refresh_tokens WHERE project_id = $1 AND id = $2", [ctx.projectId, id]) : [];
      const session = rows[0];
      if (!session || (ctx.accessType === "client" && session.user_id !== ctx.user?.id)) throw ApiError.text(404, "Session not found.");
      await ctx.db.query("DELETE FROM refresh_tokens WHERE project_id = $1 AND id = $2", [ctx.projectId, id]);
      accessMayChange(ctx, { userId: session.user_id });
      return { success: true };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/projects/:project_id/.well-known/jwks.json",
    access: "none",
    async handler(ctx) {
      const projectId = ctx.params.project_id!;
      if (!(await findProject(ctx.db, projectId))) throw ApiError.text(404, "Project not found");
      const includeAnonymous = ctx.url.searchParams.get("include_anonymous") === "true";
      const includeRestricted = ctx.url.searchParams.get("include_restricted") === "true";
      return jsonResponse(200, await jwks(ctx.db, projectId, { includeAnonymous, includeRestricted }), { "cache-control": "public, max-age=3600" });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/projects-anonymous-users/:project_id/.well-known/jwks.json",
    access: "none",
    async handler(ctx) {
      const target = `${ctx.baseUrl}/api/${ctx.apiVersion}/projects/${encodeURIComponent(ctx.params.project_id!)}/.well-known/jwks.json?include_anonymous=true`;
      return new Response(null, { status: 307, headers: { location: target } });
    },
  }),
];
