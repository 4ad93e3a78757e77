/**
 * What `StackClientApp` and `StackServerApp` share: option resolution (with environment
 * fallbacks), the transport, the session, the live bus, redirects, and the `getUser` rules
 * (written down in `docs/wire-contract.md`).
 */
import { StackPaymentsError, isStackPaymentsError } from "./errors.js";
import { isBrowserLike, readEnvDefaults } from "./env.js";
import { createLiveBus, type LiveBus } from "./live/bus.js";
import { Session, createTokenStore, isRequestLike, loadServerStores, type TokenStoreInit } from "./session.js";
import { createTransport, type AccessType, type CallOptions, type RetryOptions, type TransportHooks } from "./transport.js";
import { apiPath, createApiContext, type ApiContext } from "./api-context.js";
import type { ClientUserWire } from "./schemas/auth.js";
import { loadOnFirstUse } from "./load-on-first-use.js";
import type { Shape } from "./wire-shape.js";

/** Handler and redirect URLs (official SDK names); only the ones this SDK navigates to are used. */
export interface HandlerUrls {
  handler: string;
  signIn: string;
  signUp: string;
  signOut: string;
  afterSignIn: string;
  afterSignUp: string;
  afterSignOut: string;
  home: string;
  emailVerification: string;
  /** Where `getUser({ or: "redirect" })` sends restricted users (e.g. unverified email). */
  onboarding: string;
  [key: string]: unknown;
}

/** How the app navigates: `"window"` (browser default), `"none"` (server default), or your router. */
export type RedirectMethod = "window" | "none" | { navigate?: (to: string) => void; useNavigate?: unknown };

/** Constructor options of `StackClientApp` (official `@stackframe/js` names). */
export interface StackClientAppOptions {
  /** Default: `NEXT_PUBLIC_HEXCLAVE_PROJECT_ID`, `HEXCLAVE_PROJECT_ID`, `NEXT_PUBLIC_STACK_PROJECT_ID`, `STACK_PROJECT_ID`. */
  projectId?: string | undefined;
  /** Default: the `*_PUBLISHABLE_CLIENT_KEY` variables; without one no key header is sent. */
  publishableClientKey?: string | undefined;
  /** API origin; default from `*_STACK_API_URL` variables, else `https://api.stack-auth.com`. */
  baseUrl?: string | { browser: string; server: string } | undefined;
  /** Where the user's tokens live. Default `"memory"`. */
  tokenStore?: TokenStoreInit | undefined;
  /** Headers added to every request (after the SDK's own). Default from `*_EXTRA_REQUEST_HEADERS` (JSON). */
  extraRequestHeaders?: Record<string, string> | undefined;
  urls?: Partial<HandlerUrls> | undefined;
  redirectMethod?: RedirectMethod | undefined;
  /** Total time budget of one call, retries included. Default 30 000 ms. */
  timeoutMs?: number | undefined;
  /** The fetch to use (tests, custom agents). Default `globalThis.fetch`. */
  fetch?: typeof fetch | undefined;
  /** Retry policy, or `false` for a single attempt. */
  retry?: RetryOptions | false | undefined;
  /**
   * ky hooks run on every request (logging, tracing): `beforeRequest`, `afterResponse`,
   * `beforeRetry`, `beforeError`. They cannot replace the app's keys, the user's tokens or the
   * idempotency key, nor send a request to another origin.
   */
  hooks?: TransportHooks | undefined;
  /** Accepted for compatibility with `@stackframe/js`; no analytics are sent. */
  analytics?: unknown;
  /** Accepted for compatibility; ignored. */
  noAutomaticPrefetch?: boolean | undefined;
}

/** `getUser` options (official names). */
export interface GetUserOptions extends CallOptions {
  /** What to do when nobody is signed in. Default `"return-null"`. */
  or?: "return-null" | "redirect" | "throw" | "anonymous" | "anonymous-if-exists[deprecated]" | undefined;
  /** Treat restricted (e.g. unverified) users as signed in. Default false. */
  includeRestricted?: boolean | undefined;
  /** Read the user from this store instead of the app's. */
  tokenStore?: TokenStoreInit | undefined;
}

/** A value or a known error, as the official SDK's credential methods return. */
export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: StackPaymentsError };

/** Anonymous sign-up, which most pages never do (anonymous-sign-up.ts), loaded when `or: "anonymous"` first needs it. */
const loadAnonymousSignUp = loadOnFirstUse(() => import("./anonymous-sign-up.js"), "anonymous sign-up");

const DEFAULT_URLS: HandlerUrls = {
  handler: "/handler",
  signIn: "/handler/sign-in",
  signUp: "/handler/sign-up",
  signOut: "/handler/sign-out",
  afterSignIn: "/",
  afterSignUp: "/",
  afterSignOut: "/",
  home: "/",
  emailVerification: "/handler/email-verification",
  onboarding: "/handler/onboarding",
};

/** Resolved app state shared by both app classes. */
export interface AppCore {
  readonly projectId: string;
  readonly publishableClientKey: string | undefined;
  readonly session: Session | null;
  readonly live: LiveBus;
  readonly urls: HandlerUrls;
  readonly redirectMethod: RedirectMethod;
  readonly tokenStoreInit: TokenStoreInit;
  /** Client-access context bound to the app's own session. */
  readonly clientContext: ApiContext;
  /**
   * The context of the app's own payments calls: `clientContext` in a client app; server access
   * without a session in a server app (it acts as the project).
   */
  readonly appContext: ApiContext;
  /** A session over another store (per-call `tokenStore`); request objects get one session each. */
  sessionFor(init: TokenStoreInit | undefined): Session | null;
  /** Calls with `accessType` as the user of `session` (null: no user). */
  contextFor(session: Session | null, accessType: AccessType): ApiContext;
}

function configurationError(message: string): StackPaymentsError {
  return new StackPaymentsError({ code: "CONFIGURATION_ERROR", message });
}

/** Resolves options, environment fallbacks and defaults into an {@link AppCore}. */
export function createAppCore(options: StackClientAppOptions & { secretServerKey?: string | undefined }, kind: AccessType): AppCore {
  const browser = isBrowserLike();
  const env = readEnvDefaults(browser);
  const projectId = options.projectId ?? env.projectId;
  if (!projectId) {
    throw configurationError("No project id: pass `projectId` or set NEXT_PUBLIC_STACK_PROJECT_ID / STACK_PROJECT_ID.");
  }
  const publishableClientKey = options.publishableClientKey ?? env.publishableClientKey;
  const rawBase = options.baseUrl ?? env.baseUrl ?? "https://api.stack-auth.com";
  const baseUrl = typeof rawBase === "string" ? rawBase : browser ? rawBase.browser : rawBase.server;
  let extraRequestHeaders = options.extraRequestHeaders;
  if (!extraRequestHeaders && env.extraRequestHeaders) {
    try {
      extraRequestHeaders = JSON.parse(env.extraRequestHeaders) as Record<string, string>;
    } catch {
      throw configurationError("STACK_EXTRA_REQUEST_HEADERS is not valid JSON.");
    }
  }
  // The server app fills in the environment's key itself (so client bundles never read it).
  const secretServerKey = kind === "server" ? options.secretServerKey : undefined;
  const transport = createTransport({
    baseUrl,
    projectId,
    publishableClientKey,
    secretServerKey,
    extraRequestHeaders,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    hooks: options.hooks,
    // Idempotency-Key is not in the hosted API's CORS allow-list: server apps only.
    idempotencyKeys: kind === "server",
  });
  const live = createLiveBus();
  const refresh = (refreshToken: string, o: CallOptions) => transport.refreshAccessToken(refreshToken, o);
  const tokenStoreInit = options.tokenStore === undefined ? "memory" : options.tokenStore;
  const store = createTokenStore(tokenStoreInit, projectId);
  const session = store ? new Session(store, refresh) : null;
  const requestSessions = new WeakMap<object, Session>();
  const contextFor = (s: Session | null, accessType: AccessType): ApiContext => createApiContext({ transport, accessType, session: s, live });
  const clientContext = contextFor(session, "client");

  return {
    projectId,
    publishableClientKey,
    session,
    live,
    urls: { ...DEFAULT_URLS, ...(options.urls as Partial<HandlerUrls>) } as HandlerUrls,
    redirectMethod: options.redirectMethod ?? (browser ? "window" : "none"),
    tokenStoreInit,
    clientContext,
    appContext: kind === "server" ? contextFor(null, "server") : clientContext,
    contextFor,
    sessionFor(init) {
      if (init === undefined) return session;
      if (isRequestLike(init)) {
        // One session per request object, so tokens refreshed for it are reused within the request.
        let s = requestSessions.get(init);
        if (!s) requestSessions.set(init, (s = new Session(createTokenStore(init, projectId)!, refresh)));
        return s;
      }
      const other = createTokenStore(init, projectId);
      return other ? new Session(other, refresh) : null;
    },
  };
}

/** Fails when a secret server key reaches a client app: it must never be sent from a browser. */
export function refuseSecretKey(options: object): void {
  if ("secretServerKey" in options && (options as { secretServerKey?: unknown }).secretServerKey !== undefined) {
    throw configurationError(
      "StackClientApp was given a secretServerKey, which must never be sent from a browser: use StackServerApp (from stack-payments/server) on your server.",
    );
  }
}

/** Fails when a server app is constructed in a browser. */
export function refuseBrowser(): void {
  if (isBrowserLike()) {
    throw configurationError(
      "StackServerApp cannot be used in a browser: it holds the secret server key, which must never reach the client. Use StackClientApp there.",
    );
  }
}

/**
 * Reads `/users/me` with `session`; null when nobody is signed in (no tokens, refresh refused, or
 * `CANNOT_GET_OWN_USER_WITHOUT_USER`).
 */
export async function fetchMe<T extends ClientUserWire>(core: AppCore, session: Session, accessType: AccessType, schema: Shape<T>, callOptions: CallOptions | undefined): Promise<T | null> {
  const tokens = await session.peek();
  if (!tokens.accessToken && !tokens.refreshToken) return null;
  try {
    return await core.contextFor(session, accessType).call({ method: "GET", path: apiPath`/users/me`, schema, options: callOptions });
  } catch (error) {
    if (isStackPaymentsError(error, "CANNOT_GET_OWN_USER_WITHOUT_USER") || isStackPaymentsError(error, "USER_NOT_FOUND")) return null;
    throw error;
  }
}

/** Whether a user read from `/users/me` counts as absent under `options`. */
export function userIsAbsent(user: ClientUserWire | null, options: GetUserOptions): boolean {
  if (!user) return true;
  // "anonymous-if-exists" (official, deprecated): an anonymous user counts, but none is created.
  if (options.or === "anonymous" || options.or === "anonymous-if-exists[deprecated]") return false;
  if (user.is_anonymous) return true;
  return user.is_restricted && !options.includeRestricted;
}

/**
 * `getUser`'s rules for both apps: the wire user of `session`, or per `or` when it
 * counts as absent: null, a throw, a redirect (restricted users to onboarding, others to sign-in),
 * or an anonymous sign-up.
 */
export async function resolveUser<T extends ClientUserWire>(core: AppCore, session: Session, accessType: AccessType, schema: Shape<T>, options: GetUserOptions): Promise<T | null> {
  let wire = await fetchMe(core, session, accessType, schema, options);
  if (userIsAbsent(wire, options)) {
    if (options.or === "throw") throw notSignedIn();
    if (options.or === "redirect") {
      return wire && !wire.is_anonymous ? redirectTo(core, core.urls.onboarding, "The user is restricted") : redirectTo(core, core.urls.signIn, "No user is signed in");
    }
    if (options.or !== "anonymous") return null;
    await (await loadAnonymousSignUp()).signUpAnonymously(core.contextFor(null, "client"), session, options);
    wire = await fetchMe(core, session, accessType, schema, options);
    if (!wire) throw notSignedIn();
  }
  return wire;
}

/**
 * Navigates to `url`: Next's `redirect` on a Next.js server (`nextjs-cookie` store), the window or
 * the given router elsewhere. Never resolves when navigation is underway; throws when there is no
 * way to navigate.
 */
export async function redirectTo(core: AppCore, url: string, why: string): Promise<never> {
  if (core.tokenStoreInit === "nextjs-cookie" && typeof document === "undefined") {
    await (await loadServerStores()).nextRedirect(url); // throws NEXT_REDIRECT, which Next handles
  }
  const method = core.redirectMethod;
  if (method === "window" && typeof window !== "undefined") {
    window.location.assign(url);
    return new Promise<never>(() => {});
  }
  if (typeof method === "object" && method.navigate) {
    method.navigate(url);
    return new Promise<never>(() => {});
  }
  throw new StackPaymentsError({
    code: "USER_NOT_SIGNED_IN",
    message: `${why}, and getUser was called with { or: 'redirect' }, but this app cannot navigate (redirectMethod "none"). Pass redirectMethod or use { or: 'throw' }.`,
    details: { redirectTo: url },
  });
}

/** The error of `getUser({ or: "throw" })` when nobody is signed in. */
export function notSignedIn(): StackPaymentsError {
  return new StackPaymentsError({ code: "USER_NOT_SIGNED_IN", message: "User is not signed in but getUser was called with { or: 'throw' }." });
}

/** Fails when a call needs a session but the app has `tokenStore: null`. */
export function requireSession(session: Session | null): Session {
  if (!session) {
    throw configurationError(
      "Cannot call this function on a Stack app without a persistent token store. Pass tokenStore (e.g. \"memory\" or \"cookie\") or give one per call.",
    );
  }
  return session;
}
