/**
 * Building a request: its URL and its headers in the official order (the guard that puts the SDK's
 * own credentials back after user hooks ran is in user-hooks.ts).
 */
import { IDEMPOTENCY_KEY_HEADER, OVERRIDE_ERROR_STATUS_HEADER } from "../wire-constants.js";

/** Version sent in `x-stack-client-version` (`js stack-payments@<version>`); kept equal to package.json by a test. */
export const SDK_VERSION = "0.1.0";

/**
 * `client` requests act for the signed-in user; `server` requests carry the secret server key;
 * `admin` requests (StackAdminApp) carry the admin key, which the admin app's own transport adds.
 */
export type AccessType = "client" | "server" | "admin";

/** Tokens of the caller's session, as the transport sends them. */
export interface SessionTokens {
  accessToken: string | null;
  refreshToken: string | null;
}

/** No session: no token headers. */
export const NO_TOKENS: SessionTokens = { accessToken: null, refreshToken: null };

/** A random string for nonces and idempotency keys. */
export function randomId(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  return Math.random().toString(36).slice(2) + Date.now().toString(36);
}

/** Encodes one path segment (`encodeURIComponent`); callers refuse empty ids first (`requireId`). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** `base` + `/api/v1` + `path` + the defined query parameters. */
export function apiUrl(base: string, path: string, query?: Record<string, string | undefined>): string {
  const defined = Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
  return `${base}/api/v1${path}${defined.length ? `?${new URLSearchParams(defined).toString()}` : ""}`;
}

/** What {@link apiHeaders} needs to know about the app. */
export interface HeaderConfig {
  projectId: string;
  publishableClientKey?: string | undefined;
  secretServerKey?: string | undefined;
  extraRequestHeaders?: Record<string, string> | undefined;
}

/** What {@link apiHeaders} needs to know about one attempt. */
export interface HeaderCall {
  accessType: AccessType;
  tokens: SessionTokens;
  json: boolean;
  idempotencyKey?: string | undefined;
  /** A project owner's admin access token (`StackAdminApp`'s `projectOwnerSession`), sent in place of keys. */
  adminAccessToken?: string | null | undefined;
  /** The live event stream: real statuses, `accept: text/event-stream`. */
  stream?: boolean | undefined;
}

/**
 * The headers of one API attempt, in the official SDK's order of precedence (later wins):
 * `extraRequestHeaders` may replace the SDK's defaults, but never the secret key or the per-call
 * headers that follow them.
 */
export function apiHeaders(config: HeaderConfig, call: HeaderCall): Headers {
  const h = new Headers();
  // Streams want the real status: there is no JSON error body to read on them.
  if (!call.stream) h.set(OVERRIDE_ERROR_STATUS_HEADER, "true");
  h.set("x-stack-project-id", config.projectId);
  h.set("x-stack-access-type", call.accessType);
  h.set("x-stack-client-version", `js stack-payments@${SDK_VERSION}`);
  if (call.tokens.accessToken) h.set("x-stack-access-token", call.tokens.accessToken);
  if (call.tokens.refreshToken) h.set("x-stack-refresh-token", call.tokens.refreshToken);
  h.set("x-stack-allow-anonymous-user", "true");
  if (config.publishableClientKey) h.set("x-stack-publishable-client-key", config.publishableClientKey);
  if (call.adminAccessToken) h.set("x-stack-admin-access-token", call.adminAccessToken);
  h.set("x-stack-random-nonce", randomId());
  for (const [name, value] of Object.entries(config.extraRequestHeaders ?? {})) h.set(name, value);
  if (call.accessType === "server") h.set("x-stack-secret-server-key", config.secretServerKey ?? "");
  if (call.json) h.set("content-type", "application/json");
  if (call.idempotencyKey) h.set(IDEMPOTENCY_KEY_HEADER, call.idempotencyKey);
  if (call.stream) h.set("accept", "text/event-stream");
  return h;
}
