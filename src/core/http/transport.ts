/**
 * The transport: every request the SDK makes goes through {@link createTransport}, on ky. ky sends,
 * retries, waits (backoff, `Retry-After`) and times out attempts; this module supplies the policy:
 * what may be retried, the status override, the token refresh, the error mapping, one deadline
 * per call, redirects refused and answers capped. `request`, `refreshAccessToken` and `openStream`
 * share one path ({@link send}), so every rule holds for all three. ky itself comes from
 * load-ky.ts (registered by the browser entry, else loaded with the first request), and the app's
 * own hooks from user-hooks.ts when the app passes any.
 */
import type { AfterResponseHook, BeforeErrorHook, BeforeRequestHook, BeforeRetryHook } from "ky";
import type { Shape } from "../wire-shape.js";
import { StackPaymentsError, errorCodeIs, invalidArgument } from "../errors.js";
import { IDEMPOTENCY_SUPPORTED_HEADER } from "../wire-constants.js";
import { oauthTokenResponseShape } from "../wire-shapes.js";
import { NO_TOKENS, apiHeaders, apiUrl, randomId, type AccessType, type SessionTokens } from "./build-request.js";
import {
  MAX_RESPONSE_BYTES,
  actualStatus,
  answerError,
  failureError,
  isInProgressAnswer,
  normalizeAnswer,
  nothingSent,
  parseJson,
  readText,
  validate,
  type CallInfo,
} from "./classify-answer.js";
import { isNetworkFailure, kyRetryOptions, markNetworkFailure, mayRetry, type RetryOptions } from "./retry-policy.js";
import { withDeadline, type CallOptions } from "./deadline.js";
import { loadKy, type Ky } from "./load-ky.js";
import { loadOnFirstUse } from "../load-on-first-use.js";
import type { UserHooks } from "./user-hooks.js";

/** HTTP methods the SDK uses. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What the transport needs from a session: current tokens, and a way to drop a rejected access token. */
export interface TransportSession {
  getTokens(options: CallOptions): Promise<SessionTokens>;
  invalidateAccessToken(accessToken: string): void;
}

/**
 * ky hooks run on every request of an app (logging, tracing, metrics), after the SDK's own. They
 * see every attempt, may add headers and may return a `Request` or `Response` as ky allows, but
 * cannot change the app's keys, the user's tokens or the idempotency key (put back after them),
 * cannot send a request to another origin, and cannot change what the SDK throws: `beforeError`
 * gets a copy of the error (its return value is ignored), and the SDK always throws a
 * `StackPaymentsError` (an error thrown by a hook itself is passed through unchanged).
 *
 * @example
 * new StackServerApp({
 *   hooks: {
 *     beforeRequest: [(request) => request.headers.set("x-trace-id", crypto.randomUUID())],
 *     afterResponse: [(request, _options, response) => console.log(request.method, request.url, response.status)],
 *   },
 * });
 */
export interface TransportHooks {
  beforeRequest?: BeforeRequestHook[] | undefined;
  afterResponse?: AfterResponseHook[] | undefined;
  beforeRetry?: BeforeRetryHook[] | undefined;
  beforeError?: BeforeErrorHook[] | undefined;
}

/** Constructor options of {@link createTransport}. */
export interface TransportOptions {
  baseUrl: string;
  projectId: string;
  publishableClientKey?: string | undefined;
  /** Present only in server apps; sent on `server` requests. */
  secretServerKey?: string | undefined;
  extraRequestHeaders?: Record<string, string> | undefined;
  /** The fetch to send with; it receives a `Request` (ky's way). Default `globalThis.fetch`. */
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | false | undefined;
  /**
   * Send `Idempotency-Key` on POST/PATCH (server apps only: the hosted API's CORS rules do not
   * allow that header from browsers).
   */
  idempotencyKeys?: boolean | undefined;
  /** User hooks, see {@link TransportHooks}. */
  hooks?: TransportHooks | undefined;
  /** Largest answer body read, in bytes. Default {@link MAX_RESPONSE_BYTES} (10 MiB). */
  maxResponseBytes?: number | undefined;
  /**
   * Where a project owner's admin access token comes from (`StackAdminApp`'s `projectOwnerSession`):
   * asked before every attempt, sent as `x-stack-admin-access-token` (none when it answers null).
   */
  projectOwnerSession?: (() => Promise<string | null>) | undefined;
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
   * response: real HTTP status, no parsing, no retries, no timeout. Redirects are refused
   * (`UNEXPECTED_REDIRECT`); network failures reject with the fetch's own error.
   */
  openStream(request: Pick<ApiRequest<unknown>, "path" | "query" | "accessType" | "session">, signal: AbortSignal): Promise<Response>;
}

/** One call as the shared path sends it. */
interface Call extends CallInfo {
  body?: string;
  session?: TransportSession | null | undefined;
  /** Changes only when a rejected access token is replaced: that attempt was refused, not applied. */
  idempotencyKey?: string | undefined;
  /** The live event stream: no retries, no attempt timeout, non-2xx answers returned as they are. */
  stream?: boolean;
  /** The SDK's headers for one attempt with `tokens` (and the project owner's admin access token). */
  headers(tokens: SessionTokens, adminAccessToken?: string | null): Headers;
}

/** What one call learns across its attempts. */
interface CallState {
  /** A write attempt may have reached the server (lost answer, 5xx, key in progress, attempt timeout). */
  maybeApplied: boolean;
  /** An attempt is on the wire right now. */
  inFlight: boolean;
  /** The access token the latest attempt carried. */
  accessToken: string | null;
  /** Epoch ms of the call's deadline. */
  deadlineAt: number;
}

/** The app's hooks with the guards around them (user-hooks.ts), for apps that pass hooks. */
const loadUserHooks = loadOnFirstUse(() => import("./user-hooks.js"), "request hooks");

/** Copies the user's hook lists; an unknown hook name is refused (ky would ignore it silently). */
function checkHooks(hooks: TransportHooks = {}): UserHooks {
  const out: UserHooks = { beforeRequest: [], afterResponse: [], beforeRetry: [], beforeError: [] };
  for (const name in hooks) {
    if (!(name in out)) throw invalidArgument(`hooks.${name}`, `expected one of ${Object.keys(out).join(", ")}`);
    (out as Record<string, unknown[]>)[name] = [...((hooks as Record<string, unknown[] | undefined>)[name] ?? [])];
  }
  return out;
}

/** What `perform` may answer instead of a result: send the call once more. */
const AGAIN = Symbol("again");

/**
 * Creates the transport of one app instance. State (whether the server honours idempotency keys)
 * is per instance, hence per base URL.
 */
export function createTransport(options: TransportOptions): Transport {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  let origin: string;
  try {
    origin = new URL(baseUrl, globalThis.location?.href).origin;
    new Headers(options.extraRequestHeaders);
  } catch (cause) {
    throw new StackPaymentsError({ code: "CONFIGURATION_ERROR", message: `Bad baseUrl or extraRequestHeaders: ${String(cause)}`, cause });
  }
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const retry = options.retry || {};
  const hooks = checkHooks(options.hooks);
  const hasUserHooks = Object.values(hooks).some((list) => list.length > 0);
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  let idempotencySupported = false;
  // Cloudflare Workers reject these RequestInit fields; the official SDK leaves them out there too.
  const fetchInit: RequestInit = "WebSocketPair" in globalThis ? {} : { credentials: "omit", cache: "no-store" };

  /** The one path every request takes: ky with the policy's hooks, retry options and fetch. */
  async function send(call: Call, state: CallState, signal: AbortSignal, ky: Ky): Promise<Response> {
    const repeatable = () => !call.write || (call.idempotencyKey !== undefined && idempotencySupported);
    const { isHTTPError, isTimeoutError } = ky;
    const user = hasUserHooks ? (await loadUserHooks()).wrapUserHooks(hooks, ky, { what: `${call.method} ${call.path}`, origin, repeatable }) : undefined;
    return ky.default(call.url, {
      method: call.method,
      headers: call.headers(NO_TOKENS),
      ...(call.body === undefined ? {} : { body: call.body }),
      ...fetchInit,
      // Never follow: the target of a redirect would get the keys, the tokens and the body.
      redirect: "manual",
      signal,
      timeout: call.stream ? false : (retry.attemptTimeoutMs ?? false),
      throwHttpErrors: !call.stream,
      retry: call.stream ? 0 : kyRetryOptions(options.retry, (error) => mayRetry(error, { repeatable, remainingMs: () => state.deadlineAt - Date.now() }, { isHTTPError, isTimeoutError })),
      hooks: {
        // One hook of ours around the user's: ky stops at the first hook that returns a Request,
        // and the SDK's own headers must be put back after every user hook.
        beforeRequest: [
          async (request, kyOptions, hookState) => {
            const tokens = call.session ? await call.session.getTokens({ signal }) : NO_TOKENS;
            state.accessToken = tokens.accessToken;
            const own = call.headers(tokens, options.projectOwnerSession ? await options.projectOwnerSession() : null);
            for (const [name, value] of own) request.headers.set(name, value);
            return user?.beforeRequest(request, own, kyOptions, hookState);
          },
        ],
        afterResponse: [
          async (request, _options, response) => {
            const normalized = await normalizeAnswer(response, request, true);
            return normalized === response ? undefined : normalized;
          },
          ...hooks.afterResponse,
        ],
        beforeRetry: user?.beforeRetry ?? [],
        beforeError: user?.beforeError ?? [],
      },
      fetch: async (input, init) => {
        state.inFlight = true;
        try {
          const response = await doFetch(input, init);
          if (response.headers.get(IDEMPOTENCY_SUPPORTED_HEADER) === "true") idempotencySupported = true;
          if (call.write && (actualStatus(response) >= 500 || isInProgressAnswer(response, call.sentKey))) state.maybeApplied = true;
          return response;
        } catch (error) {
          if (call.write && !nothingSent(error)) state.maybeApplied = true;
          throw markNetworkFailure(error);
        } finally {
          state.inFlight = false;
        }
      },
    });
  }

  /**
   * Runs one call under its deadline: sends it, reads a 2xx answer into `accept`, and hands any
   * other answer's error to `recover`, which returns a result, {@link AGAIN}, or undefined (throw).
   * A call that got no answer rejects with its mapped error; errors thrown by hooks, token stores
   * and the SDK's own checks pass through unchanged.
   */
  function perform<T>(
    call: Call,
    callOptions: CallOptions | undefined,
    accept: (body: unknown, what: string) => T,
    recover: (error: StackPaymentsError, state: CallState) => T | typeof AGAIN | undefined,
  ): Promise<T> {
    const what = `${call.method} ${call.path}`;
    const state: CallState = { maybeApplied: false, inFlight: false, accessToken: null, deadlineAt: Infinity };
    return withDeadline(callOptions, options.timeoutMs, () => call.write && (state.maybeApplied || state.inFlight), async ({ signal, at }) => {
      state.deadlineAt = at;
      const ky = await loadKy();
      for (;;) {
        let response: Response;
        try {
          // A Response returned by a beforeRetry hook skipped the afterResponse hooks: normalize it here.
          response = await normalizeAnswer(await send(call, state, signal, ky), call);
        } catch (error) {
          if (ky.isHTTPError(error)) response = error.response;
          else if (isNetworkFailure(error) || ky.isTimeoutError(error)) throw failureError(error, call, state.maybeApplied, ky.isTimeoutError(error));
          else throw error;
        }
        if (response.ok) return accept(await parseJson(await readText(response, maxResponseBytes, what), response, what), what);
        const error = await answerError(response, call, state.maybeApplied);
        const next = recover(error, state);
        if (next === undefined) throw error;
        if (next !== AGAIN) return next;
      }
    });
  }

  function request<T>(req: ApiRequest<T>): Promise<T> {
    const write = req.method === "POST" || req.method === "PATCH";
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const sentKey = write && options.idempotencyKeys === true;
    const call: Call = {
      method: req.method,
      path: req.path,
      url: apiUrl(baseUrl, req.path, req.query),
      write,
      sentKey,
      ...(body === undefined ? {} : { body }),
      session: req.session,
      idempotencyKey: sentKey ? randomId() : undefined,
      headers: (tokens, adminAccessToken) =>
        apiHeaders(options, { accessType: req.accessType, tokens, adminAccessToken, json: body !== undefined, idempotencyKey: call.idempotencyKey }),
    };
    let tokenRetried = false;
    return perform(
      call,
      req.options,
      (value, what) => validate(req.schema, value, what),
      (error, state) => {
        if (tokenRetried || !req.session || !state.accessToken || !errorCodeIs(error.code, "INVALID_ACCESS_TOKEN")) return undefined;
        // The official SDK's rule: drop the rejected token, refresh, try once more. The refused
        // attempt applied nothing, so a fresh key cannot replay its stored refusal.
        tokenRetried = true;
        req.session.invalidateAccessToken(state.accessToken);
        if (call.idempotencyKey) call.idempotencyKey = randomId();
        return AGAIN;
      },
    );
  }

  function refreshAccessToken(refreshToken: string, callOptions?: CallOptions): Promise<string | null> {
    const path = "/auth/oauth/token";
    const call: Call = {
      method: "POST",
      path,
      url: apiUrl(baseUrl, path),
      // No rotation on the server, so the refresh grant is safe to repeat.
      write: false,
      sentKey: false,
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        client_id: options.projectId,
        client_secret: options.publishableClientKey ?? "__stack_public_client__",
      }).toString(),
      headers: () => new Headers({ "content-type": "application/x-www-form-urlencoded;charset=UTF-8", accept: "application/json" }),
    };
    return perform(
      call,
      callOptions,
      (value, what) => validate(oauthTokenResponseShape, value, what).access_token,
      // A refresh token the server no longer knows: signed out.
      (error) => (errorCodeIs(error.code, "REFRESH_TOKEN_ERROR") ? null : undefined),
    );
  }

  async function openStream(req: Pick<ApiRequest<unknown>, "path" | "query" | "accessType" | "session">, signal: AbortSignal): Promise<Response> {
    const call: Call = {
      method: "GET",
      path: req.path,
      url: apiUrl(baseUrl, req.path, req.query),
      write: false,
      sentKey: false,
      session: req.session,
      stream: true,
      headers: (tokens, adminAccessToken) => apiHeaders(options, { accessType: req.accessType, tokens, adminAccessToken, json: false, stream: true }),
    };
    return normalizeAnswer(await send(call, { maybeApplied: false, inFlight: false, accessToken: null, deadlineAt: Infinity }, signal, await loadKy()), call);
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
