/**
 * Sessions: the token store of a session (token-store.ts; the server-only stores load on first
 * use), and how an expired access token is replaced (single-flight refresh).
 */
import { StackPaymentsError } from "./errors.js";
import { loadOnFirstUse } from "./load-on-first-use.js";
import type { CallOptions, SessionTokens, TransportSession } from "./transport.js";
import { createBrowserCookieStore, createMemoryStore, isRequestLike, type TokenStore, type TokenStoreInit } from "./token-store.js";

export {
  cookiesForTokens,
  createMemoryStore,
  isRequestLike,
  parseCookieHeader,
  readTokensFromCookies,
  type RequestLike,
  type TokenStore,
  type TokenStoreInit,
} from "./token-store.js";

type ServerStores = typeof import("./server-token-stores.js");

/**
 * A store made on first use from server-token-stores.ts: those stores (a request's headers, Next.js
 * server cookies) are never used in a browser, so browser bundles load them only if asked. A store
 * that cannot be made (a malformed auth header) fails every read and write with that error.
 */
/** What only a server needs of sessions (server-token-stores.ts), loaded on first use. */
export const loadServerStores = loadOnFirstUse(() => import("./server-token-stores.js"), "server session support");

function serverStore(make: (stores: ServerStores) => TokenStore): TokenStore {
  let store: Promise<TokenStore> | undefined;
  const load = () => (store ??= loadServerStores().then(make));
  return {
    read: async () => (await load()).read(),
    write: async (tokens) => (await load()).write(tokens),
  };
}

/** Creates the store named by `init` for the project `projectId`. */
export function createTokenStore(init: TokenStoreInit, projectId: string): TokenStore | null {
  if (init === null) return null;
  if (init === "memory") return createMemoryStore();
  if (init === "cookie") return createBrowserCookieStore(projectId);
  if (init === "nextjs-cookie") {
    return typeof document !== "undefined" ? createBrowserCookieStore(projectId) : serverStore((m) => m.createNextCookieStore(projectId));
  }
  if (isRequestLike(init)) return serverStore((m) => createMemoryStore(m.readTokensFromRequest(init, projectId)));
  if (typeof init === "object") return createMemoryStore({ accessToken: init.accessToken ?? null, refreshToken: init.refreshToken ?? null });
  throw new StackPaymentsError({ code: "CONFIGURATION_ERROR", message: `Unknown tokenStore ${JSON.stringify(init)}.` });
}

// ---- the session ----

/** Reads the `exp` claim (seconds) of a JWT without verifying it; undefined if not a JWT. */
export function accessTokenExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: unknown };
    return typeof json.exp === "number" ? json.exp : undefined;
  } catch {
    return undefined;
  }
}

/** Refresh this long before expiry, as the official SDK does. */
const EXPIRY_MARGIN_MS = 20_000;

/** The refresh call a session uses: resolves a new access token, or null when the refresh token is dead. */
export type RefreshFn = (refreshToken: string, options: CallOptions) => Promise<string | null>;

/**
 * One user session over a token store. Refresh is single-flight: however many calls find the
 * access token missing or expiring, one refresh request is made and they all wait for it.
 */
export class Session implements TransportSession {
  readonly #store: TokenStore;
  readonly #refresh: RefreshFn;
  #refreshing: Promise<string | null> | null = null;
  #invalidated: string | null = null;
  #lastRefreshToken: string | null | undefined = undefined;
  #generation = 0;
  readonly #listeners = new Set<() => void>();

  constructor(store: TokenStore, refresh: RefreshFn) {
    this.#store = store;
    this.#refresh = refresh;
  }

  /** A string that changes whenever the signed-in session changes (sign-in, sign-out, token lost). */
  get key(): string {
    return `session-${this.#generation}`;
  }

  /** Calls `listener` after every session change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #observe(refreshToken: string | null, fromWrite = false): void {
    // The first read only sets the baseline; a write is a change unless it repeats the known token.
    if (this.#lastRefreshToken === undefined && !fromWrite) {
      this.#lastRefreshToken = refreshToken;
      return;
    }
    if (refreshToken === this.#lastRefreshToken) return;
    this.#lastRefreshToken = refreshToken;
    this.#generation++;
    for (const l of [...this.#listeners]) l();
  }

  /** The stored tokens, as they are (no refresh). */
  async peek(): Promise<SessionTokens> {
    const tokens = await this.#store.read();
    this.#observe(tokens.refreshToken);
    return tokens;
  }

  /** Tokens to send: refreshes first (once, shared) when the access token is missing or expiring. */
  async getTokens(options: CallOptions = {}): Promise<SessionTokens> {
    const tokens = await this.peek();
    const usable = tokens.accessToken && tokens.accessToken !== this.#invalidated ? tokens.accessToken : null;
    if (!tokens.refreshToken) return { accessToken: usable, refreshToken: null };
    const exp = usable ? accessTokenExpiry(usable) : undefined;
    const fresh = usable && (exp === undefined || exp * 1000 - Date.now() > EXPIRY_MARGIN_MS);
    if (fresh) return tokens;
    const accessToken = await this.#refreshOnce(tokens.refreshToken, options);
    return { accessToken, refreshToken: accessToken ? tokens.refreshToken : null };
  }

  #refreshOnce(refreshToken: string, options: CallOptions): Promise<string | null> {
    this.#refreshing ??= (async () => {
      try {
        const accessToken = await this.#refresh(refreshToken, { ...options, signal: undefined });
        // A refresh token the server no longer knows means signed out.
        await this.set(accessToken ? { accessToken, refreshToken } : { accessToken: null, refreshToken: null });
        return accessToken;
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  /** Forgets `accessToken` if it is still the current one (the API rejected it), so the next call refreshes. */
  invalidateAccessToken(accessToken: string): void {
    // Synchronous on purpose: the transport's retry reads the tokens right after this call.
    this.#invalidated = accessToken;
  }

  /** Stores new tokens (sign-in) or none (sign-out). */
  async set(tokens: SessionTokens): Promise<void> {
    await this.#store.write(tokens);
    this.#invalidated = null;
    this.#observe(tokens.refreshToken, true);
  }
}
