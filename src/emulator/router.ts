/**
 * The emulator's dispatcher: CORS, both header prefixes, body parsing and limits, project and
 * user authentication, route matching, idempotency, error answers and the response headers every
 * answer carries. Route handlers only see a {@link RequestContext}.
 */
import type { AccessTokenPayload } from "../core/schemas/index.js";
import { verifyAccessToken } from "./auth/tokens.js";
import { emulatorNow } from "./clock.js";
import type { Db } from "./db.js";
import { DEFAULT_PROJECT, IDEMPOTENCY_RESULT_HEADER, IDEMPOTENCY_SUPPORTED_HEADER } from "./defaults.js";
import { ApiError, type AccessType, type RequestContext, type RequestUser, type Route } from "./http.js";
import { withIdempotency, wantsIdempotency } from "./idempotency.js";
import { REQUEST_HEADER_NAMES, RESPONSE_HEADER_NAMES } from "../core/wire-constants.js";
import { getProjectConfig } from "./project-config.js";

/** The emulated project: id, name and keys. */
export type EmulatorProject = { -readonly [K in keyof typeof DEFAULT_PROJECT]: string };

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 1024 * 1024;


const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  "access-control-allow-headers": [
    "content-type",
    "authorization",
    "idempotency-key",
    "last-event-id",
    "ngrok-skip-browser-warning",
    ...REQUEST_HEADER_NAMES.flatMap((n) => [`x-stack-${n}`, `x-hexclave-${n}`]),
  ].join(", "),
  "access-control-expose-headers": [
    "content-type",
    ...RESPONSE_HEADER_NAMES.flatMap((n) => [`x-stack-${n}`, `x-hexclave-${n}`]),
    IDEMPOTENCY_SUPPORTED_HEADER,
    IDEMPOTENCY_RESULT_HEADER,
  ].join(", "),
  "access-control-max-age": "86400",
};

/** A route pattern compiled once. */
interface CompiledRoute {
  route: Route;
  segments: string[];
}

function compile(routes: readonly Route[]): CompiledRoute[] {
  return routes.map((route) => ({ route, segments: route.path.split("/").filter(Boolean) }));
}

function matchPath(compiled: CompiledRoute, parts: string[]): Record<string, string> | null {
  if (compiled.segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const pattern = compiled.segments[i]!;
    const part = parts[i]!;
    if (pattern.startsWith(":")) {
      try {
        params[pattern.slice(1)] = decodeURIComponent(part);
      } catch {
        params[pattern.slice(1)] = part;
      }
    } else if (pattern !== part) return null;
  }
  return params;
}

/** Finds the route for a method and path parts; the most literal pattern wins. */
function findRoute(table: CompiledRoute[], method: string, parts: string[]): { route: Route; params: Record<string, string> } | "method" | null {
  let best: { route: Route; params: Record<string, string>; literal: number } | null = null;
  let pathMatched = false;
  for (const compiled of table) {
    const params = matchPath(compiled, parts);
    if (!params) continue;
    pathMatched = true;
    if (compiled.route.method !== method && !(method === "HEAD" && compiled.route.method === "GET")) continue;
    const literal = compiled.segments.filter((s) => !s.startsWith(":")).length;
    if (!best || literal > best.literal) best = { route: compiled.route, params, literal };
  }
  if (best) return best;
  return pathMatched ? "method" : null;
}

function textResponse(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** A JSON answer, pretty-printed with 2-space indent as the hosted API does. */
export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The answer for a thrown {@link ApiError}. */
export function errorResponse(error: ApiError): Response {
  if (typeof error.body === "string") return textResponse(error.status, error.body);
  return jsonResponse(error.status, error.body, { "x-stack-known-error": error.body.code, "x-hexclave-known-error": error.body.code });
}

/** Reads a header by its `x-stack-*` name, also accepting the `x-hexclave-*` spelling. */
function headerReader(headers: Headers): (name: string) => string | null {
  return (name) => {
    const lower = name.toLowerCase();
    const direct = headers.get(lower);
    if (direct !== null) return direct;
    if (lower.startsWith("x-stack-")) return headers.get(`x-hexclave-${lower.slice("x-stack-".length)}`);
    if (lower.startsWith("x-hexclave-")) return headers.get(`x-stack-${lower.slice("x-hexclave-".length)}`);
    return null;
  };
}

async function readBodyText(request: Request): Promise<string | "too-large"> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return "too-large";
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      return "too-large";
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(contentType: string | null, text: string): unknown {
  if (text.length === 0) return undefined;
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(text));
  if (type === "text/plain" || type === "application/octet-stream") return text;
  if (type === "application/json" || type === "" || type.endsWith("+json")) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw ApiError.known("BODY_PARSING_ERROR", {
        message: `Request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  throw ApiError.known("BODY_PARSING_ERROR", { message: `Unsupported content type: ${type}` });
}

/** Options of {@link createRouter}. */
export interface RouterOptions {
  db: Db;
  project: EmulatorProject;
  /** Routes below `/api/v1` and `/api/latest`. */
  apiRoutes: readonly Route[];
  /** Routes with absolute paths (checkout pages). */
  rootRoutes: readonly Route[];
  /** Real time source (tests inject a fixed clock); the stored offset is added on top. */
  realNow: () => number;
}

interface ProjectAuth {
  accessType: AccessType | null;
  projectId: string | null;
  user: RequestUser | null;
}

/**
 * Admin access tokens are dashboard-user tokens of the hosted `internal` project, which the
 * emulator does not have: every one is refused with the error the hosted API gives for it.
 */
async function refuseAdminAccessToken(db: Db, projectId: string, token: string, nowMillis: number): Promise<never> {
  try {
    await verifyAccessToken(db, projectId, token, nowMillis);
  } catch (error) {
    const body = error instanceof ApiError && typeof error.body !== "string" ? error.body : null;
    if (body?.code === "ACCESS_TOKEN_EXPIRED") {
      const expiredAt = Number(body.details?.expired_at_millis);
      throw ApiError.known("ADMIN_ACCESS_TOKEN_EXPIRED", { expired_at_millis: expiredAt });
    }
    throw ApiError.known("UNPARSABLE_ADMIN_ACCESS_TOKEN");
  }
  throw ApiError.known("INVALID_PROJECT_FOR_ADMIN_ACCESS_TOKEN");
}

async function authenticate(
  options: RouterOptions,
  header: (name: string) => string | null,
  now: () => Promise<number>,
): Promise<ProjectAuth> {
  const { project, db } = options;
  const accessTypeHeader = header("x-stack-access-type");
  const keys = {
    publishable: header("x-stack-publishable-client-key") || null,
    secret: header("x-stack-secret-server-key") || null,
    admin: header("x-stack-super-secret-admin-key") || null,
    adminToken: header("x-stack-admin-access-token") || null,
  };
  if (!accessTypeHeader) {
    if (keys.publishable || keys.secret || keys.admin || keys.adminToken) throw ApiError.known("PROJECT_KEY_WITHOUT_ACCESS_TYPE");
    return { accessType: null, projectId: header("x-stack-project-id"), user: null };
  }
  if (accessTypeHeader !== "client" && accessTypeHeader !== "server" && accessTypeHeader !== "admin")
    throw ApiError.known("INVALID_ACCESS_TYPE", { access_type: accessTypeHeader });
  const accessType: AccessType = accessTypeHeader;
  const projectId = header("x-stack-project-id");
  if (!projectId) throw ApiError.known("ACCESS_TYPE_WITHOUT_PROJECT_ID", { request_type: accessType });
  if (projectId !== project.id) throw ApiError.known("CURRENT_PROJECT_NOT_FOUND", { project_id: projectId });
  // The emulated project has only the default branch.
  const branchId = header("x-stack-branch-id") || "main";
  if (branchId !== "main")
    throw ApiError.known("BRANCH_DOES_NOT_EXIST", { branch_id: branchId });
  if (accessType === "client") {
    if (keys.publishable !== null) {
      if (keys.publishable !== project.publishableClientKey) throw ApiError.known("INVALID_PUBLISHABLE_CLIENT_KEY", { project_id: projectId });
    } else {
      const config = await getProjectConfig(db, projectId);
      if (config.project.requirePublishableClientKey) throw ApiError.known("PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT", { project_id: projectId });
    }
  } else if (accessType === "server") {
    if (keys.secret === null) throw ApiError.known("SERVER_AUTHENTICATION_REQUIRED");
    if (keys.secret !== project.secretServerKey) throw ApiError.known("INVALID_SECRET_SERVER_KEY", { project_id: projectId });
  } else {
    if (keys.admin === null && keys.adminToken !== null) await refuseAdminAccessToken(db, projectId, keys.adminToken, await now());
    if (keys.admin === null) throw ApiError.known("ADMIN_AUTHENTICATION_REQUIRED");
    if (keys.admin !== project.superSecretAdminKey) throw ApiError.known("INVALID_SUPER_SECRET_ADMIN_KEY", { project_id: projectId });
  }
  const token = header("x-stack-access-token");
  let user: RequestUser | null = null;
  if (token) {
    const payload: AccessTokenPayload = await verifyAccessToken(db, projectId, token, await now());
    const allowAnonymous = header("x-stack-allow-anonymous-user") === "true";
    const allowRestricted = allowAnonymous || header("x-stack-allow-restricted-user") === "true";
    if (payload.is_anonymous && !allowAnonymous) throw ApiError.known("ANONYMOUS_AUTHENTICATION_NOT_ALLOWED");
    if (payload.is_restricted && !payload.is_anonymous && !allowRestricted)
      throw ApiError.known("RESTRICTED_USER_NOT_ALLOWED", { restricted_reason: payload.restricted_reason });
    // A deleted user's still-unexpired token is accepted but resolves to nobody.
    const rows = await db.query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2", [projectId, payload.sub]);
    if (rows.length > 0) user = { id: payload.sub, isAnonymous: payload.is_anonymous, refreshTokenId: payload.refresh_token_id };
  }
  return { accessType, projectId, user };
}

function checkAccess(route: Route, accessType: AccessType | null): void {
  if (route.access === "none" || route.access === "client") {
    if (route.access === "client" && accessType === null) throw ApiError.known("ACCESS_TYPE_REQUIRED");
    return;
  }
  if (accessType === null) throw ApiError.known("ACCESS_TYPE_REQUIRED");
  const allowed: AccessType[] = route.access === "server" ? ["server", "admin"] : ["admin"];
  if (!allowed.includes(accessType)) throw ApiError.known("INSUFFICIENT_ACCESS_TYPE", { actual_access_type: accessType, allowed_access_types: allowed });
}

/** Adds the headers every answer carries; applies the error-status override. */
function finish(response: Response, requestId: string, overrideErrorStatus: boolean): Response {
  let status = response.status;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(CORS_HEADERS)) headers.set(name, value);
  headers.set("x-stack-request-id", requestId);
  headers.set("x-hexclave-request-id", requestId);
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store, max-age=0");
  headers.set(IDEMPOTENCY_SUPPORTED_HEADER, "true");
  if (overrideErrorStatus && status >= 400 && status < 500) {
    headers.set("x-stack-actual-status", String(status));
    headers.set("x-hexclave-actual-status", String(status));
    status = 200;
  }
  return new Response(status === 204 || status === 304 ? null : response.body, { status, statusText: status === response.status ? response.statusText : "OK", headers });
}

/**
 * Builds the fetch handler that serves `apiRoutes` under `/api/v1` and `/api/latest` and
 * `rootRoutes` at their absolute paths.
 */
export function createRouter(options: RouterOptions): (request: Request) => Promise<Response> {
  const apiTable = compile(options.apiRoutes);
  const rootTable = compile(options.rootRoutes);

  return async function handle(request: Request): Promise<Response> {
    const requestId = crypto.randomUUID();
    const header = headerReader(request.headers);
    const overrideErrorStatus = header("x-stack-override-error-status") === "true";
    try {
      if (request.method === "OPTIONS") return finish(new Response(null, { status: 204 }), requestId, false);
      const url = new URL(request.url);
      const parts = url.pathname.split("/").filter(Boolean);
      let table = rootTable;
      let apiVersion: "v1" | "latest" = "latest";
      if (parts[0] === "api" && (parts[1] === "v1" || parts[1] === "latest")) {
        apiVersion = parts[1];
        parts.splice(0, 2);
        table = apiTable;
      }
      const found = findRoute(table, request.method, parts);
      if (found === null) return finish(textResponse(404, `Not found: ${request.method} ${url.pathname}`), requestId, overrideErrorStatus);
      if (found === "method") return finish(textResponse(405, `Method ${request.method} is not allowed on ${url.pathname}`), requestId, overrideErrorStatus);
      const { route, params } = found;

      const bodyText = await readBodyText(request);
      if (bodyText === "too-large") return finish(textResponse(413, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`), requestId, overrideErrorStatus);

      const run = async (): Promise<Response> => {
        const body = parseBody(request.headers.get("content-type"), bodyText);
        let nowProjectId = options.project.id;
        const now = () => emulatorNow(options.db, nowProjectId, options.realNow);
        let auth: ProjectAuth;
        try {
          auth = await authenticate(options, header, now);
        } catch (error) {
          // Routes without project auth (JWKS, OAuth token, checkout pages) ignore bad auth headers.
          if (route.access !== "none" || !(error instanceof ApiError)) throw error;
          auth = { accessType: null, projectId: null, user: null };
        }
        checkAccess(route, auth.accessType);
        if (auth.projectId === options.project.id) nowProjectId = auth.projectId;
        const forwardedProto = request.headers.get("x-forwarded-proto");
        const ctx: RequestContext = {
          request,
          url,
          method: request.method,
          params,
          apiVersion,
          projectId: auth.projectId,
          accessType: auth.accessType,
          user: auth.user,
          header,
          body,
          db: options.db,
          now,
          baseUrl: `${forwardedProto ? `${forwardedProto}:` : url.protocol}//${url.host}`,
        };
        const produce = async (): Promise<Response> => {
          try {
            const result = await route.handler(ctx);
            return result instanceof Response ? result : jsonResponse(200, result === undefined ? null : result);
          } catch (error) {
            if (error instanceof ApiError) return errorResponse(error);
            throw error;
          }
        };
        const key = header("idempotency-key");
        if (!wantsIdempotency(request.method, key)) return produce();
        const identity = `${auth.accessType ?? "none"}:${auth.user?.id ?? "-"}`;
        return withIdempotency(
          options.db,
          { projectId: auth.projectId ?? options.project.id, identity, key, method: request.method, path: url.pathname + url.search, bodyText },
          produce,
        );
      };

      let response: Response;
      try {
        response = await run();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        response = errorResponse(error);
      }
      if (request.method === "HEAD") response = new Response(null, { status: response.status, headers: response.headers });
      return finish(response, requestId, overrideErrorStatus);
    } catch (error) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return finish(textResponse(500, `Something went wrong. Please make sure the data you entered is correct.\n\nRequest ID: ${requestId}\n\n${detail}`), requestId, false);
    }
  };
}
