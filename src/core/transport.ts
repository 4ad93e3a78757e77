/**
 * The one place HTTP happens: request headers, the status override, known-error mapping, response
 * validation, retries, timeouts and aborts, for every call the SDK makes.
 *
 * Plain `fetch`, not ky: everything ky would add (retry, timeout, hooks) is replaced here by our own
 * policy (idempotency-aware retries, Retry-After, outcome-unknown writes, one deadline per call), so
 * ky would only add ~5 KB min+gzip to a browser bundle whose whole budget is 14 KB.
 */
import { checkShape, type Shape } from "./wire-shape.js";
import { StackPaymentsError, errorCodeIs, invalidArgument } from "./errors.js";
import { IDEMPOTENCY_SUPPORTED_HEADER } from "./wire-constants.js";

/** Version sent in `x-stack-client-version` (`js stack-payments@<version>`); kept equal to package.json by a test. */
export const SDK_VERSION = "0.1.0";

/** Default total time budget of one SDK call, retries included. */
export const DEFAULT_TIMEOUT_MS = 30_000;


/** HTTP methods the SDK uses. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** `client` requests act for the signed-in user; `server` requests carry the secret server key. */
export type AccessType = "client" | "server";

/** Per-call options accepted as the last argument of every SDK method. */
export interface CallOptions {
  /** Aborts the call (the promise rejects with code `ABORTED`). */
  signal?: AbortSignal | undefined;
  /** Total time budget of this call in ms, retries included. Default: the app's `timeoutMs` (30 s). */
  timeoutMs?: number | undefined;
}

/** Retry policy; `attempts` counts the first try. Delays are `base × 2^i × random[0.5, 1.5)`, capped. */
export interface RetryOptions {
  /** Total attempts, first included. Default 5 (as the official SDK). */
  attempts?: number;
  /** Base delay before the second attempt. Default 1000 ms. */
  baseDelayMs?: number;
  /** Upper bound of one wait (also caps `Retry-After`). Default 20 s. */
  maxDelayMs?: number;
}

/** Tokens of the caller's session, as the transport sends them. */
export interface SessionTokens {
  accessToken: string | null;
  refreshToken: string | null;
}

/** What the transport needs from a session: current tokens, and a way to drop a rejected access token. */
export interface TransportSession {
  getTokens(options: CallOptions): Promise<SessionTokens>;
  invalidateAccessToken(accessToken: string): void;
}

/** Constructor options of {@link createTransport}. */
export interface TransportOptions {
  baseUrl: string;
  projectId: string;
  publishableClientKey?: string | undefined;
  /** Present only in server apps; sent on `server` requests. */
  secretServerKey?: string | undefined;
  extraRequestHeaders?: Record<string, string> | undefined;
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | false | undefined;
  /**
   * Send `Idempotency-Key` on POST/PATCH (server apps only: the hosted API's CORS rules do not
   * allow that header from browsers).
   */
  idempotencyKeys?: boolean | undefined;
}

/** One API call. */
export interface ApiRequest<T> {
  method: HttpMethod;
  /** Path under `/api/v1`, segments already encoded. */
  path: string;
  query?: Record<string, string | undefined> | undefined;
  body?: unknown;
  accessType: AccessType;
  session?: TransportSession | null | undefined;
  /** Expected answer (a shape generated from the zod schemas, see wire-shape.ts). */
  schema: Shape<T>;
  options?: CallOptions | undefined;
}

/** The HTTP layer of one app. */
export interface Transport {
  readonly baseUrl: string;
  request<T>(request: ApiRequest<T>): Promise<T>;
  /**
   * The OAuth refresh grant (`POST /auth/oauth/token`, form-encoded, no stack headers). Resolves the
   * new access token, or null when the refresh token is no longer valid (`REFRESH_TOKEN_ERROR`).
   */
  refreshAccessToken(refreshToken: string, options?: CallOptions): Promise<string | null>;
  /** Whether this base URL has shown it honours `Idempotency-Key` (so writes may be retried). */
  readonly idempotencySupported: boolean;
  /**
   * Opens a long-lived GET (the emulator's event stream) with this app's headers and returns the
   * raw response: real HTTP status (no override), no parsing, no retries, no timeout.
   */
  openStream(request: Pick<ApiRequest<unknown>, "path" | "query" | "accessType" | "session">, signal: AbortSignal): Promise<Response>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

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

function header(res: Response, name: string): string | null {
  return res.headers.get(`x-hexclave-${name}`) ?? res.headers.get(`x-stack-${name}`);
}

/** Parses `Retry-After` (seconds or HTTP date) into ms, or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Why an attempt got no usable answer. */
type Failure =
  | { kind: "network"; cause: unknown }
  | { kind: "status"; status: number; text: string; retryAfterMs?: number | undefined };

/**
 * Creates the transport of one app instance. State (whether the server honours idempotency keys)
 * is per instance, hence per base URL.
 */
export function createTransport(options: TransportOptions): Transport {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const retry = options.retry === false ? { attempts: 1 } : (options.retry ?? {});
  const maxAttempts = Math.max(1, retry.attempts ?? 5);
  const baseDelay = retry.baseDelayMs ?? 1000;
  const maxDelay = retry.maxDelayMs ?? 20_000;
  let idempotencySupported = false;
  // Cloudflare Workers reject these RequestInit fields; the official SDK leaves them out there too.
  const fetchInit: RequestInit = "WebSocketPair" in globalThis ? {} : { credentials: "omit", cache: "no-store" };

  /** Runs `attempt` under one deadline and the caller's signal; maps abort/timeout. */
  async function withDeadline<R>(callOptions: CallOptions | undefined, run: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const timeoutMs = callOptions?.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) throw invalidArgument("timeoutMs", `expected a number of milliseconds ≥ 0, got ${String(timeoutMs)}`);
    const controller = new AbortController();
    const outer = callOptions?.signal;
    let reason: "timeout" | "aborted" | undefined;
    const onAbort = () => {
      reason ??= "aborted";
      controller.abort();
    };
    if (outer?.aborted) throw abortedError(outer.reason);
    outer?.addEventListener("abort", onAbort);
    const timer = setTimeout(() => {
      reason ??= "timeout";
      controller.abort();
    }, timeoutMs);
    // Race the abort too: an injected fetch (or an in-process handler) may ignore the signal.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
    });
    aborted.catch(() => {});
    try {
      return await Promise.race([run(controller.signal), aborted]);
    } catch (error) {
      if (reason === "aborted") throw abortedError(outer?.reason, error);
      if (reason === "timeout") {
        throw new StackPaymentsError({
          code: "TIMEOUT",
          message: `The request did not complete within ${timeoutMs} ms.`,
          details: { timeoutMs, ...(outcomeUnknownOf(error) ? { outcomeUnknown: true } : {}) },
          cause: error,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    }
  }

  function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  function backoff(failedIndex: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, maxDelay);
    return Math.min(maxDelay, baseDelay * 2 ** failedIndex * (0.5 + Math.random()));
  }

  function buildHeaders(req: ApiRequest<unknown>, tokens: SessionTokens, idempotencyKey: string | undefined): Record<string, string> {
    // Order as the official SDK builds them (hosted-api A.6); later entries win.
    const h: Record<string, string> = {
      "x-stack-override-error-status": "true",
      "x-stack-project-id": options.projectId,
      "x-stack-access-type": req.accessType,
      "x-stack-client-version": `js stack-payments@${SDK_VERSION}`,
    };
    if (tokens.accessToken) h["x-stack-access-token"] = tokens.accessToken;
    if (tokens.refreshToken) h["x-stack-refresh-token"] = tokens.refreshToken;
    h["x-stack-allow-anonymous-user"] = "true";
    if (options.publishableClientKey) h["x-stack-publishable-client-key"] = options.publishableClientKey;
    h["x-stack-random-nonce"] = randomId();
    Object.assign(h, options.extraRequestHeaders);
    // Per-call headers come after extraRequestHeaders, as in the official SDK: they cannot be overridden.
    if (req.accessType === "server") h["x-stack-secret-server-key"] = options.secretServerKey ?? "";
    if (req.body !== undefined) h["content-type"] = "application/json";
    if (idempotencyKey) h["idempotency-key"] = idempotencyKey;
    return h;
  }

  async function request<T>(req: ApiRequest<T>): Promise<T> {
    const safe = SAFE_METHODS.has(req.method);
    const idempotencyKey = !safe && options.idempotencyKeys ? randomId() : undefined;
    let url = `${baseUrl}/api/v1${req.path}`;
    const query = Object.entries(req.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    if (query.length) url += `?${new URLSearchParams(query).toString()}`;
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);

    return withDeadline(req.options, async (signal) => {
      let tokenRetried = false;
      let failure: Failure | undefined;
      for (let attempt = 0; ; ) {
        const tokens = req.session ? await req.session.getTokens({ signal }) : { accessToken: null, refreshToken: null };
        let res: Response | undefined;
        try {
          res = await doFetch(url, {
            method: req.method,
            headers: buildHeaders(req, tokens, idempotencyKey),
            ...(body === undefined ? {} : { body }),
            ...fetchInit,
            signal,
          });
        } catch (error) {
          if (signal.aborted) throw markOutcome(error, !safe);
          failure = { kind: "network", cause: error };
        }
        if (res) {
          if (res.headers.get(IDEMPOTENCY_SUPPORTED_HEADER) === "true") idempotencySupported = true;
          const status = Number(header(res, "actual-status") ?? res.status);
          const knownCode = header(res, "known-error");
          if (status >= 200 && status < 300) {
            const text = await res.text();
            return validate(req.schema, text ? parseJson(text, url) : {}, `${req.method} ${req.path}`);
          }
          if (knownCode) {
            const error = await knownError(res, status, knownCode);
            if (errorCodeIs(error.code, "INVALID_ACCESS_TOKEN") && req.session && tokens.accessToken && !tokenRetried) {
              // The official SDK's rule: drop the rejected token, refresh, try once more.
              tokenRetried = true;
              req.session.invalidateAccessToken(tokens.accessToken);
              continue;
            }
            throw error;
          }
          const text = await res.text().catch(() => "");
          if (status !== 429 && status < 500) {
            throw new StackPaymentsError({
              code: "HTTP_ERROR",
              status,
              message: text || `The API answered ${req.method} ${req.path} with status ${status}.`,
              details: { method: req.method, path: req.path },
            });
          }
          failure = { kind: "status", status, text, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
        }
        if (!failure) throw new Error("unreachable");
        // 429 means "not processed", so even a write may be repeated; other failures only when the
        // request is safe to repeat or the server deduplicates by our idempotency key.
        const repeatable = safe || (failure.kind === "status" && failure.status === 429) || (idempotencyKey !== undefined && idempotencySupported);
        attempt++;
        // A 429 was refused, not processed: that outcome is known even for a write.
        if (!repeatable || attempt >= maxAttempts) throw finalError(req, failure, safe || (failure.kind === "status" && failure.status === 429));
        await sleep(backoff(attempt - 1, failure.kind === "status" ? failure.retryAfterMs : undefined), signal);
        failure = undefined;
      }
    });
  }

  async function refreshAccessToken(refreshToken: string, callOptions?: CallOptions): Promise<string | null> {
    const url = `${baseUrl}/api/v1/auth/oauth/token`;
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: options.projectId,
      client_secret: options.publishableClientKey ?? "__stack_public_client__",
    }).toString();
    return withDeadline(callOptions, async (signal) => {
      // No rotation on the server, so the refresh grant is safe to repeat.
      for (let attempt = 0; ; ) {
        let failure: Failure;
        try {
          const res = await doFetch(url, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8", accept: "application/json" },
            body: form,
            ...fetchInit,
            signal,
          });
          const status = Number(header(res, "actual-status") ?? res.status);
          const knownCode = header(res, "known-error");
          if (status >= 200 && status < 300) {
            const parsed = parseJson(await res.text(), url) as { access_token?: unknown } | null;
            if (typeof parsed?.access_token !== "string") throw validationError("POST /auth/oauth/token", "access_token", "expected string");
            return parsed.access_token;
          }
          if (knownCode) {
            const error = await knownError(res, status, knownCode);
            if (errorCodeIs(error.code, "REFRESH_TOKEN_ERROR")) return null;
            throw error;
          }
          const text = await res.text().catch(() => "");
          if (status !== 429 && status < 500) {
            throw new StackPaymentsError({ code: "HTTP_ERROR", status, message: text || `Token refresh failed with status ${status}.` });
          }
          failure = { kind: "status", status, text, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
        } catch (error) {
          if (error instanceof StackPaymentsError || signal.aborted) throw error;
          failure = { kind: "network", cause: error };
        }
        if (++attempt >= maxAttempts) throw finalError({ method: "POST", path: "/auth/oauth/token" }, failure, true);
        await sleep(backoff(attempt - 1, failure.kind === "status" ? failure.retryAfterMs : undefined), signal);
      }
    });
  }

  async function openStream(req: Pick<ApiRequest<unknown>, "path" | "query" | "accessType" | "session">, signal: AbortSignal): Promise<Response> {
    const tokens = req.session ? await req.session.getTokens({ signal }) : { accessToken: null, refreshToken: null };
    const headers = buildHeaders({ ...req, method: "GET", schema: "u" }, tokens, undefined);
    delete headers["x-stack-override-error-status"];
    headers.accept = "text/event-stream";
    const query = Object.entries(req.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    const url = `${baseUrl}/api/v1${req.path}${query.length ? `?${new URLSearchParams(query).toString()}` : ""}`;
    return doFetch(url, { method: "GET", headers, ...fetchInit, signal });
  }

  return {
    baseUrl,
    request,
    refreshAccessToken,
    openStream,
    get idempotencySupported() {
      return idempotencySupported;
    },
  };
}

function abortedError(reason: unknown, cause?: unknown): StackPaymentsError {
  return new StackPaymentsError({
    code: "ABORTED",
    message: "The request was aborted by the caller.",
    details: outcomeUnknownOf(cause) ? { outcomeUnknown: true } : {},
    cause: cause ?? reason,
  });
}

const OUTCOME = Symbol("outcomeUnknown");
function markOutcome(error: unknown, unknownOutcome: boolean): unknown {
  if (unknownOutcome && typeof error === "object" && error !== null) (error as Record<symbol, unknown>)[OUTCOME] = true;
  return error;
}
function outcomeUnknownOf(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[OUTCOME] === true;
}

function finalError(req: { method: string; path: string }, failure: Failure, safe: boolean): StackPaymentsError {
  const what = `${req.method} ${req.path}`;
  if (!safe) {
    const why = failure.kind === "network" ? "no answer arrived" : `the server answered ${failure.status}`;
    return new StackPaymentsError({
      code: "OUTCOME_UNKNOWN",
      message: `${what} was sent but ${why}; it may or may not have been applied. Read the current state before trying again.`,
      details: { method: req.method, path: req.path, ...(failure.kind === "status" ? { status: failure.status } : {}) },
      ...(failure.kind === "network" ? { cause: failure.cause } : {}),
      ...(failure.kind === "status" ? { status: failure.status } : {}),
    });
  }
  if (failure.kind === "network") {
    return new StackPaymentsError({
      code: "NETWORK_ERROR",
      message: `${what} failed: the API could not be reached (${String((failure.cause as Error)?.message ?? failure.cause)}).`,
      details: { method: req.method, path: req.path },
      cause: failure.cause,
    });
  }
  return new StackPaymentsError({
    code: "HTTP_ERROR",
    status: failure.status,
    message: failure.text || `${what} failed with status ${failure.status}.`,
    details: { method: req.method, path: req.path },
  });
}

async function knownError(res: Response, status: number, headerCode: string): Promise<StackPaymentsError> {
  const text = await res.text().catch(() => "");
  let body: { code?: unknown; details?: unknown; error?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // keep the header's code; the message falls back to the raw text
  }
  const code = typeof body.code === "string" ? body.code : headerCode;
  return new StackPaymentsError({
    code,
    status,
    message: typeof body.error === "string" ? body.error : text || code,
    ...(body.details && typeof body.details === "object" ? { details: body.details as Record<string, unknown> } : {}),
  });
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new StackPaymentsError({
      code: "RESPONSE_VALIDATION_ERROR",
      message: `The API's answer to ${url} is not JSON.`,
      details: { path: "" },
      cause,
    });
  }
}

/** Checks `value` against `shape`; a mismatch becomes `RESPONSE_VALIDATION_ERROR` naming the field path. */
export function validate<T>(shape: Shape<T>, value: unknown, what: string): T {
  const mismatch = checkShape(shape, value);
  if (mismatch) throw validationError(what, mismatch.path, mismatch.problem);
  return value as T;
}

function validationError(what: string, path: string, problem: string): StackPaymentsError {
  return new StackPaymentsError({
    code: "RESPONSE_VALIDATION_ERROR",
    message: `The API's answer to ${what} does not match the wire contract at \`${path || "(root)"}\`: ${problem}.`,
    details: { path },
  });
}
