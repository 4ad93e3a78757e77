/**
 * The emulator's HTTP primitives, shared by every route module: the error type routes throw,
 * the request context they receive, and the route table entry they export.
 */
import { knownErrorBody, type KnownErrorCode } from "../core/known-errors.js";
import type { Db } from "./db.js";

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
  /** Project id from `x-stack-project-id` (either header prefix), if any. */
  projectId: string | null;
  /** Validated access type; null when the request carries no project auth. */
  accessType: AccessType | null;
  /** Signed-in user from a valid access token; null if none. */
  user: RequestUser | null;
  /** Request headers, normalised so `x-hexclave-*` are readable as `x-stack-*`. */
  header(name: string): string | null;
  /** Parsed JSON (or form) body; `undefined` when there was none. */
  body: unknown;
  db: Db;
  /** The emulator's clock (ms since epoch); tests can move it forward. */
  now(): Promise<number>;
  /** Base URL the emulator is reachable at, as seen by this request (for checkout links). */
  baseUrl: string;
}

/** One route: method, a path pattern below `/api/{v1|latest}` (e.g. `/payments/items/:customer_type/:customer_id/:item_id`), and a handler. */
export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  /** Which access types may call it; `"none"` means no project auth is needed (code-based routes). */
  access: "none" | "client" | "server" | "admin";
  /** Returns a JSON value (status 200), or a full `Response` for special answers (201, SSE, HTML). */
  handler(ctx: RequestContext): Promise<unknown>;
}
