/**
 * Project and user authentication as the hosted API does it: the access type, the project (any
 * project of this emulator), its key for that access type or an admin access token of a user
 * who manages it, and the signed-in user of an access token; then the route's access check.
 * Every step answers with the hosted API's known error for what is wrong.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AccessTokenPayload } from "../../core/schemas/index.js";
import { claimedTokenProject, tokenClaims, verifyAccessToken } from "../auth/tokens.js";
import { emulatorNow } from "../clock.js";
import type { Db } from "../db.js";
import { ApiError, type AccessType, type RequestContext, type RequestUser, type RouteAccess } from "../http.js";
import { getProjectConfig } from "../project-config.js";
import { findProject, INTERNAL_PROJECT_ID, listManagedProjectIds, projectKeyValidUntil, type KeyKind, type ProjectRecord } from "../projects/store.js";
import { readThrough } from "../read-cache.js";
import type { EmulatorEnv, HeaderReader, ProjectAuth } from "./emulator-env.js";

/** What the official SDK sends as publishable key when it has none. */
export const PUBLIC_CLIENT_SENTINEL = "__stack_public_client__";

const NO_AUTH: ProjectAuth = { accessType: null, project: null, user: null };

// Hono's context of each request, for routes that use its helpers (the event stream's
// streamSSE); kept out of RequestContext so the package's public types do not name Hono.
const honoContexts = new WeakMap<RequestContext, Context<EmulatorEnv>>();

/** Hono's context of a request (for Hono helpers such as `streamSSE`). */
export function honoContextOf(ctx: RequestContext): Context<EmulatorEnv> {
  const c = honoContexts.get(ctx);
  if (!c) throw new Error("This request context was not made by the emulator's app.");
  return c;
}

/**
 * The project with this id, through the storage's read cache: every authenticated request looks
 * its project up, and projects change rarely. The record is shared, so it is frozen.
 */
function lookupProject(db: Db, projectId: string): Promise<ProjectRecord | null> {
  return readThrough(db, `project\u0000${projectId}`, ["emulator_projects"], async () => {
    const project = await findProject(db, projectId);
    if (project?.stripeAccount) Object.freeze(project.stripeAccount);
    return project && Object.freeze(project);
  });
}

/** Whether `key` is a valid key of `kind` for the project at `now`, through the read cache (cached: until when it is valid). */
async function isValidKey(db: Db, projectId: string, kind: KeyKind, key: string, now: number): Promise<boolean> {
  const until = await readThrough(db, `key\u0000${projectId}\u0000${kind}\u0000${key}`, ["emulator_api_key_sets"], () =>
    projectKeyValidUntil(db, projectId, kind, key),
  );
  return until !== null && until > now;
}

/**
 * Checks an admin access token: a token of a user of the internal project who manages (through
 * the project's owner team) the requested project. Replaces the key check, as hosted.
 */
async function checkAdminAccessToken(db: Db, project: ProjectRecord, token: string, realNow: () => number): Promise<void> {
  const claimed = claimedTokenProject(token);
  if (claimed === null || (await lookupProject(db, claimed)) === null) throw ApiError.known("UNPARSABLE_ADMIN_ACCESS_TOKEN");
  let payload: AccessTokenPayload;
  try {
    payload = await verifyAccessToken(db, claimed, token, await emulatorNow(db, claimed, realNow));
  } catch (error) {
    const body = error instanceof ApiError && typeof error.body !== "string" ? error.body : null;
    if (body?.code === "ACCESS_TOKEN_EXPIRED") throw ApiError.known("ADMIN_ACCESS_TOKEN_EXPIRED", { expired_at_millis: Number(body.details?.expired_at_millis) });
    throw ApiError.known("UNPARSABLE_ADMIN_ACCESS_TOKEN");
  }
  // Admin tokens are decoded without the anonymous and restricted audiences.
  if (payload.is_anonymous || payload.is_restricted) throw ApiError.known("UNPARSABLE_ADMIN_ACCESS_TOKEN");
  if (claimed !== INTERNAL_PROJECT_ID) throw ApiError.known("ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN");
  const users = await db.query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2", [INTERNAL_PROJECT_ID, payload.sub]);
  if (users.length === 0)
    throw ApiError.text(401, "The user associated with the admin access token is no longer valid. Please refresh the admin access token and try again.");
  if (!(await listManagedProjectIds(db, payload.sub)).includes(project.id)) throw ApiError.known("ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN");
}

async function checkProjectKey(db: Db, project: ProjectRecord, accessType: AccessType, header: HeaderReader, realNow: () => number): Promise<void> {
  const projectId = project.id;
  const now = realNow();
  if (accessType === "client") {
    const key = header("x-stack-publishable-client-key") || null;
    if (key !== null && key !== PUBLIC_CLIENT_SENTINEL) {
      if (!(await isValidKey(db, projectId, "publishable_client_key", key, now))) throw ApiError.known("INVALID_PUBLISHABLE_CLIENT_KEY", { project_id: projectId });
      return;
    }
    const config = await getProjectConfig(db, projectId);
    if (config.project.requirePublishableClientKey) throw ApiError.known("PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT", { project_id: projectId });
  } else if (accessType === "server") {
    const key = header("x-stack-secret-server-key") || null;
    if (key === null) throw ApiError.known("SERVER_AUTHENTICATION_REQUIRED");
    if (!(await isValidKey(db, projectId, "secret_server_key", key, now))) throw ApiError.known("INVALID_SECRET_SERVER_KEY", { project_id: projectId });
  } else {
    const key = header("x-stack-super-secret-admin-key") || null;
    if (key === null) throw ApiError.known("ADMIN_AUTHENTICATION_REQUIRED");
    if (!(await isValidKey(db, projectId, "super_secret_admin_key", key, now)))
      throw ApiError.known("INVALID_SUPER_SECRET_ADMIN_KEY", { project_id: projectId });
  }
}

/**
 * Whether what a request was authenticated with still grants it (what a long-lived request, an
 * event stream, re-checks, as every new request with it would be refused otherwise): its project
 * key not revoked or expired, its project not deleted; for an owner's admin access token, its
 * session in the internal project not signed out or expired and the user still managing the
 * project (the token's own expiry is not checked: its session is, as for a client's streams).
 * True when neither was used (a client without a publishable key).
 */
export async function callerStillValid(ctx: RequestContext): Promise<boolean> {
  if (ctx.projectId === null || ctx.accessType === null) return false;
  const adminToken = ctx.header("x-stack-admin-access-token");
  if (adminToken) return adminSessionStillValid(ctx.db, ctx.projectId, adminToken, honoContextOf(ctx).var.services.realNow);
  const [kind, name]: [KeyKind, string] =
    ctx.accessType === "client"
      ? ["publishable_client_key", "x-stack-publishable-client-key"]
      : ctx.accessType === "server"
        ? ["secret_server_key", "x-stack-secret-server-key"]
        : ["super_secret_admin_key", "x-stack-super-secret-admin-key"];
  const key = ctx.header(name) || null;
  if (key === null || key === PUBLIC_CLIENT_SENTINEL) return true;
  return isValidKey(ctx.db, ctx.projectId, kind, key, honoContextOf(ctx).var.services.realNow());
}

/** Whether an admin access token (verified when the request began) still has its session and project. */
async function adminSessionStillValid(db: Db, projectId: string, token: string, realNow: () => number): Promise<boolean> {
  const claims = tokenClaims(token);
  if (!claims) return false;
  const live = await db.query(
    `SELECT 1 FROM users u JOIN refresh_tokens r ON r.project_id = u.project_id AND r.user_id = u.id
     WHERE u.project_id = $1 AND u.id = $2 AND r.id = $3 AND r.expires_at_millis > $4`,
    [INTERNAL_PROJECT_ID, claims.sub, claims.refreshTokenId, await emulatorNow(db, INTERNAL_PROJECT_ID, realNow)],
  );
  return live.length > 0 && (await listManagedProjectIds(db, claims.sub)).includes(projectId);
}

/** Authenticates a request's project headers and access token; throws the hosted API's errors. */
export async function authenticateRequest(db: Db, header: HeaderReader, realNow: () => number): Promise<ProjectAuth> {
  const accessTypeHeader = header("x-stack-access-type");
  const adminToken = header("x-stack-admin-access-token") || null;
  if (!accessTypeHeader) {
    const anyKey = ["x-stack-publishable-client-key", "x-stack-secret-server-key", "x-stack-super-secret-admin-key"].some((h) => header(h));
    if (anyKey || adminToken) throw ApiError.known("PROJECT_KEY_WITHOUT_ACCESS_TYPE");
    return NO_AUTH;
  }
  if (accessTypeHeader !== "client" && accessTypeHeader !== "server" && accessTypeHeader !== "admin")
    throw ApiError.known("INVALID_ACCESS_TYPE", { access_type: accessTypeHeader });
  const accessType: AccessType = accessTypeHeader;
  const projectId = header("x-stack-project-id");
  if (!projectId) throw ApiError.known("ACCESS_TYPE_WITHOUT_PROJECT_ID", { request_type: accessType });
  const project = await lookupProject(db, projectId);
  if (!project) throw ApiError.known("CURRENT_PROJECT_NOT_FOUND", { project_id: projectId });
  // Emulated projects have only the default branch.
  const branchId = header("x-stack-branch-id") || "main";
  if (branchId !== "main") throw ApiError.known("BRANCH_DOES_NOT_EXIST", { branch_id: branchId });
  if (adminToken) await checkAdminAccessToken(db, project, adminToken, realNow);
  else await checkProjectKey(db, project, accessType, header, realNow);

  const token = header("x-stack-access-token");
  let user: RequestUser | null = null;
  if (token) {
    const payload = await verifyAccessToken(db, projectId, token, await emulatorNow(db, projectId, realNow));
    const allowAnonymous = header("x-stack-allow-anonymous-user") === "true";
    const allowRestricted = allowAnonymous || header("x-stack-allow-restricted-user") === "true";
    if (payload.is_anonymous && !allowAnonymous) throw ApiError.known("ANONYMOUS_AUTHENTICATION_NOT_ALLOWED");
    if (payload.is_restricted && !payload.is_anonymous && !allowRestricted)
      throw ApiError.known("RESTRICTED_USER_NOT_ALLOWED", { restricted_reason: payload.restricted_reason });
    // A deleted user's still-unexpired token is accepted but resolves to nobody.
    const rows = await db.query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2", [projectId, payload.sub]);
    if (rows.length > 0) user = { id: payload.sub, isAnonymous: payload.is_anonymous, refreshTokenId: payload.refresh_token_id };
  }
  return { accessType, project, user };
}

/**
 * The base URL of an emulator without a configured public URL (in process): the origin the
 * request was made to. `X-Forwarded-*` headers are not trusted, and only http(s) is used, so no
 * caller can make the emulator hand out a `javascript:` link.
 */
function requestOrigin(url: URL): string {
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : "http://localhost";
}

/**
 * Authenticates the request and builds the route's {@link RequestContext}. Routes without
 * project auth (`access: "none"`: JWKS, OAuth token, code-based routes) ignore bad auth headers.
 */
export function authenticate(access: RouteAccess) {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const { db, realNow, defaultProjectId } = c.var.services;
    let auth: ProjectAuth;
    try {
      auth = await authenticateRequest(db, c.var.header, realNow);
    } catch (error) {
      if (access !== "none" || !(error instanceof ApiError)) throw error;
      auth = NO_AUTH;
    }
    c.set("auth", auth);
    const url = new URL(c.req.url);
    const clockProject = auth.project?.id ?? defaultProjectId;
    const params = c.req.param() as Record<string, string>;
    const ctx: RequestContext = {
      request: c.req.raw,
      url,
      method: c.req.method,
      params,
      apiVersion: url.pathname.startsWith("/api/v1/") ? "v1" : "latest",
      projectId: auth.project?.id ?? null,
      project: auth.project,
      accessType: auth.accessType,
      user: auth.user,
      header: c.var.header,
      body: c.var.body,
      db,
      now: () => emulatorNow(db, clockProject, realNow),
      nowFor: (projectId) => emulatorNow(db, projectId, realNow),
      baseUrl: c.var.services.publicUrl ?? requestOrigin(url),
    };
    honoContexts.set(ctx, c);
    c.set("ctx", ctx);
    await next();
  });
}

/** The route's access check: `ACCESS_TYPE_REQUIRED`, then `INSUFFICIENT_ACCESS_TYPE` naming the allowed types. */
export function requireAccess(access: RouteAccess) {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const accessType = c.var.auth.accessType;
    if (access !== "none") {
      if (accessType === null) throw ApiError.known("ACCESS_TYPE_REQUIRED");
      if (access !== "client") {
        const allowed: AccessType[] = access === "server" ? ["server", "admin"] : ["admin"];
        if (!allowed.includes(accessType)) throw ApiError.known("INSUFFICIENT_ACCESS_TYPE", { actual_access_type: accessType, allowed_access_types: allowed });
      }
    }
    await next();
  });
}
