/**
 * The emulator's HTTP primitives, shared by every route module: the error type routes throw,
 * the request context they receive, the answer helpers, and the typed route declaration
 * ({@link defineRoute}) the Hono app is built from.
 */
import type * as z from "zod/mini";
import { knownErrorBody, type KnownErrorCode } from "../core/known-errors.js";
import type { Db } from "./db.js";
import type { ProjectRecord } from "./projects/store.js";

/**
 * Thrown by route code to answer with an error. A known error becomes the API's JSON body with
 * the `x-stack-known-error` header; a plain error becomes a `text/plain` body, as the hosted API
 * sends its `StatusError`s.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code: string; details?: Record<string, unknown>; error: string } | string,
  ) {
    super(typeof body === "string" ? body : body.error);
  }

  /** A known error from the contract's table. */
  static known(code: KnownErrorCode, details?: Record<string, unknown>): ApiError {
    const { status, body } = knownErrorBody(code, details);
    return new ApiError(status, body);
  }

  /** A plain-text status error (most payments business-rule violations). */
  static text(status: number, message: string): ApiError {
    return new ApiError(status, message);
  }

  /** `SCHEMA_ERROR` with the hosted API's message format. */
  static schema(method: string, pathname: string, problems: string[]): ApiError {
    const message = `Request validation failed on ${method} ${pathname}:\n${problems.map((p) => `  - ${p}`).join("\n")}`;
    return ApiError.known("SCHEMA_ERROR", { message });
  }
}

/** `client`, `server` or `admin`. */
export type AccessType = "client" | "server" | "admin";

/** Who may call a route: an access type and up, or `"none"` (no project auth; code-based routes). */
export type RouteAccess = "none" | AccessType;

/** The signed-in user of a request (from a valid access token), if any. */
export interface RequestUser {
  id: string;
  isAnonymous: boolean;
  /** The session (refresh-token row) the access token belongs to. */
  refreshTokenId: string;
}

/** What every route receives. */
export interface RequestContext {
  request: Request;
  url: URL;
  method: string;
  /** Path parameters captured by the route pattern (`:name` segments), URL-decoded. */
  params: Record<string, string>;
  /** The API version prefix the request used: `v1` or `latest`. */
  apiVersion: "v1" | "latest";
  /** The authenticated project's id; null when the request carries no project auth. */
  projectId: string | null;
  /** The authenticated project; null when the request carries no project auth. */
  project: ProjectRecord | null;
  /** Validated access type; null when the request carries no project auth. */
  accessType: AccessType | null;
  /** Signed-in user from a valid access token; null if none. */
  user: RequestUser | null;
  /** Request headers, normalised so `x-hexclave-*` are readable as `x-stack-*`. */
  header(name: string): string | null;
  /** Parsed JSON (or form) body; `undefined` when there was none. */
  body: unknown;
  db: Db;
  /** The clock of the request's project (ms since epoch; tests can move it forward). */
  now(): Promise<number>;
  /** The clock of another project (code-based routes act for the code's project). */
  nowFor(projectId: string): Promise<number>;
  /** Base URL the emulator is reachable at (its public URL; in process, the request's origin), for checkout links and token issuers. */
  baseUrl: string;
}

/** A JSON answer with a status other than 200, or extra headers (see {@link answer}). */
export class JsonAnswer<T = unknown> {
  constructor(
    readonly status: number,
    readonly body: T,
    readonly headers: Record<string, string> = {},
  ) {}
}

/**
 * A JSON answer with a chosen status (and headers).
 *
 * @example
 * return answer(201, teamView(team, "server"));
 */
export function answer<T>(status: number, body: T, headers?: Record<string, string>): JsonAnswer<T> {
  return new JsonAnswer(status, body, headers);
}

/** A JSON response, pretty-printed with 2-space indent as the hosted API does. */
export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** A `text/plain` response. */
export function textResponse(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The response for a thrown {@link ApiError}. */
export function errorResponse(error: ApiError): Response {
  if (typeof error.body === "string") return textResponse(error.status, error.body);
  return jsonResponse(error.status, error.body, { "x-stack-known-error": error.body.code, "x-hexclave-known-error": error.body.code });
}

type AnySchema = z.ZodMiniType;
type Parsed<S, Fallback> = S extends AnySchema ? z.infer<S> : Fallback;

/** The validated input a route's handler receives, typed by its schemas. */
export interface RouteInput<P, Q, B> {
  params: Parsed<P, Record<string, string>>;
  query: Parsed<Q, Record<string, string>>;
  body: Parsed<B, unknown>;
}

/** What a handler may answer: the declared answer shape (status 200), a {@link JsonAnswer}, or a full `Response`. */
export type RouteResult<R> = (R extends AnySchema ? z.input<R> : unknown) | JsonAnswer | Response;

/**
 * One route: method, a path pattern below `/api/{v1|latest}` (e.g.
 * `/payments/items/:customer_type/:customer_id/:item_id`), who may call it, the zod schemas of
 * its params, query, body and answer, and its handler. A target without a schema is not
 * validated (as on the hosted routes whose query keys are free).
 */
export interface Route<P = AnySchema | undefined, Q = AnySchema | undefined, B = AnySchema | undefined, R = AnySchema | undefined> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  access: RouteAccess;
  params?: P;
  query?: Q;
  /** The body schema, or one chosen per request (e.g. by access type). */
  body?: B | ((ctx: RequestContext) => B);
  /** The answer's schema: the handler's return type, and checked at run time when answer checks are on. */
  response?: R;
  handler(ctx: RequestContext, input: RouteInput<P, Q, B>): Promise<RouteResult<R>>;
}

/**
 * Declares a route with typed input and answer; the identity at run time.
 *
 * @example
 * export const getItemRoute = defineRoute({
 *   method: "GET",
 *   path: "/payments/items/:customer_type/:customer_id/:item_id",
 *   access: "client",
 *   params: itemParamsSchema,
 *   response: itemResponseSchema,
 *   async handler(ctx, { params }) { ... },
 * });
 */
export function defineRoute<
  P extends AnySchema | undefined = undefined,
  Q extends AnySchema | undefined = undefined,
  B extends AnySchema | undefined = undefined,
  R extends AnySchema | undefined = undefined,
>(route: Route<P, Q, B, R>): Route {
  return route as unknown as Route;
}
