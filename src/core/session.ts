/**
 * Sessions: where the user's tokens live (token stores), and how an expired access token is
 * replaced (single-flight refresh). Cookie names and formats are the official SDK's (docs/wire-contract.md,
 * "Users and sessions"), so a user signed in through the official auth UI is signed in here too.
 */
import { StackPaymentsError, invalidArgument } from "./errors.js";
import { importOptional } from "./env.js";
import type { CallOptions, SessionTokens, TransportSession } from "./transport.js";

/** A request-like object: a `Request`, or anything whose `headers` has `get(name)` or is a plain record. */
export interface RequestLike {
  headers: { get(name: string): string | null } | Record<string, string | string[] | undefined>;
}

/**
 * Where tokens live: `"memory"`, `"cookie"` (browser), `"nextjs-cookie"` (Next.js server cookies,
 * browser cookies elsewhere), fixed `{ accessToken, refreshToken }`, a request-like object (server:
 * reads `Authorization`, `x-stack-auth` or the `cookie` header), or `null` (no user at all).
 */
export type TokenStoreInit =
  | "memory"
  | "cookie"
  | "nextjs-cookie"
  | { accessToken?: string | null | undefined; refreshToken?: string | null | undefined }
  | RequestLike
  | null;

/** A token store: reads and writes the pair of tokens. */
export interface TokenStore {
  read(): SessionTokens | Promise<SessionTokens>;
  write(tokens: SessionTokens): void | Promise<void>;
}

const NO_TOKENS: SessionTokens = { accessToken: null, refreshToken: null };

/** True for request-like token stores. */
export function isRequestLike(value: unknown): value is RequestLike {
  return typeof value === "object" && value !== null && "headers" in value && typeof (value as RequestLike).headers === "object";
}

/** Creates the store named by `init` for the project `projectId`. */
export function createTokenStore(init: TokenStoreInit, projectId: string): TokenStore | null {
  if (init === null) return null;
  if (init === "memory") return createMemoryStore();
  if (init === "cookie") return createBrowserCookieStore(projectId);
  if (init === "nextjs-cookie") {
    return typeof document !== "undefined" ? createBrowserCookieStore(projectId) : createNextCookieStore(projectId);
  }
  if (isRequestLike(init)) return createMemoryStore(readTokensFromRequest(init, projectId));
  if (typeof init === "object") return createMemoryStore({ accessToken: init.accessToken ?? null, refreshToken: init.refreshToken ?? null });
  throw new StackPaymentsError({ code: "CONFIGURATION_ERROR", message: `Unknown tokenStore ${JSON.stringify(init)}.` });
}

/** An in-memory store (optionally pre-filled). */
export function createMemoryStore(initial: SessionTokens = NO_TOKENS): TokenStore {
  let tokens = initial;
  return {
    read: () => tokens,
    write: (t) => {
      tokens = t;
    },
  };
}

// ---- cookies ----

/** Parses a `cookie` header (or `document.cookie`) into name → URL-decoded value. */
export function parseCookieHeader(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !(name in out)) out[name] = decode(part.slice(eq + 1).trim());
  }
  return out;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** js-cookie's value encoding: percent-encode, but keep the characters cookies allow literally. */
function encodeCookieValue(value: string): string {
  return encodeURIComponent(value).replace(/%(2[346BF]|3[AC-F]|40|5[BDE]|60|7[BCD])/g, decodeURIComponent);
}

function stripHost(name: string): string {
  return name.startsWith("__Host-") ? name.slice(7) : name;
}

/**
 * Finds the tokens in a cookie map with the official SDK's reading rules: the newest structured
 * `hexclave-refresh-<project>--*` cookie, else the legacy `stack-refresh-<project>` / `stack-refresh`,
 * else the newest `stack-refresh-<project>--*`; the access cookie (`hexclave-access`, else
 * `stack-access`) counts only if it names that refresh token.
 */
export function readTokensFromCookies(cookies: Record<string, string>, projectId: string): SessionTokens {
  const newest = (prefix: string): string | null => {
    let best: { token: string; at: number } | null = null;
    for (const [name, value] of Object.entries(cookies)) {
      if (!stripHost(name).startsWith(`${prefix}-refresh-${projectId}--`)) continue;
      try {
        const parsed = JSON.parse(value) as { refresh_token?: unknown; updated_at_millis?: unknown };
        if (typeof parsed.refresh_token !== "string") continue;
        const at = typeof parsed.updated_at_millis === "number" ? parsed.updated_at_millis : 0;
        if (!best || at > best.at) best = { token: parsed.refresh_token, at };
      } catch {
        // not a structured cookie
      }
    }
    return best?.token ?? null;
  };
  // `||`, not `??`: an empty legacy cookie is skipped, as the official reader does.
  const refreshToken = newest("hexclave") || cookies[`stack-refresh-${projectId}`] || cookies["stack-refresh"] || newest("stack");
  if (!refreshToken) return NO_TOKENS;
  let accessToken: string | null = null;
  const access = cookies["hexclave-access"] ?? cookies["stack-access"];
  if (access?.startsWith('["')) {
    try {
      const pair = JSON.parse(access) as unknown;
      if (Array.isArray(pair) && pair.length === 2 && pair[0] === refreshToken && typeof pair[1] === "string") accessToken = pair[1];
    } catch {
      // ignored: the SDK refreshes instead
    }
  }
  return { accessToken, refreshToken };
}

/** The cookies the official SDK writes for `tokens` (both name families), as name → raw value (null deletes). */
export function cookiesForTokens(tokens: SessionTokens, projectId: string, secure: boolean, existing: Record<string, string>): Array<[name: string, value: string | null, maxAgeSeconds: number]> {
  const out: Array<[string, string | null, number]> = [];
  const host = secure ? "__Host-" : "";
  const defaults = new Set<string>();
  for (const prefix of ["hexclave", "stack"]) {
    const refreshName = `${host}${prefix}-refresh-${projectId}--default`;
    defaults.add(refreshName);
    out.push([
      refreshName,
      tokens.refreshToken ? JSON.stringify({ refresh_token: tokens.refreshToken, updated_at_millis: Date.now() }) : null,
      365 * 86400,
    ]);
    out.push([
      `${prefix}-access`,
      tokens.refreshToken && tokens.accessToken ? JSON.stringify([tokens.refreshToken, tokens.accessToken]) : null,
      86400,
    ]);
  }
  // Like the official SDK: one refresh cookie per project after every change.
  for (const name of Object.keys(existing)) {
    const bare = stripHost(name);
    const legacy = bare === `stack-refresh-${projectId}` || bare === "stack-refresh";
    const other = (bare.startsWith(`hexclave-refresh-${projectId}--`) || bare.startsWith(`stack-refresh-${projectId}--`)) && !defaults.has(name);
    if (legacy || other) out.push([name, null, 0]);
  }
  return out;
}

function createBrowserCookieStore(projectId: string): TokenStore {
  // Checked on use, not on construction, so a module that creates the app can still be
  // imported during server-side rendering.
  const requireDocument = () => {
    if (typeof document === "undefined") {
      throw new StackPaymentsError({
        code: "CONFIGURATION_ERROR",
        message: 'The "cookie" token store only works in a browser; on a server use "memory", a request object or { accessToken, refreshToken }.',
      });
    }
  };
  return {
    read: () => {
      requireDocument();
      return readTokensFromCookies(parseCookieHeader(document.cookie), projectId);
    },
    write: (tokens) => {
      requireDocument();
      const secure = location.protocol === "https:";
      for (const [name, value, maxAge] of cookiesForTokens(tokens, projectId, secure, parseCookieHeader(document.cookie))) {
        const attrs = `; path=/; samesite=lax${secure ? "; secure" : ""}`;
        document.cookie = value === null ? `${name}=${attrs}; max-age=0` : `${name}=${encodeCookieValue(value)}${attrs}; max-age=${maxAge}`;
      }
    },
  };
}

interface NextCookieJar {
  getAll(): Array<{ name: string; value: string }>;
  set(name: string, value: string, options: Record<string, unknown>): void;
  delete(name: string): void;
}

function createNextCookieStore(projectId: string): TokenStore {
  // Loaded only here, never statically: `next` is an optional peer and must not be needed elsewhere.
  const jar = async (): Promise<NextCookieJar> => {
    const mod = await importOptional<{ cookies(): NextCookieJar | Promise<NextCookieJar> }>("next/headers.js");
    return mod.cookies();
  };
  const map = (j: NextCookieJar) => Object.fromEntries(j.getAll().map((c) => [c.name, decode(c.value)]));
  return {
    read: async () => readTokensFromCookies(map(await jar()), projectId),
    write: async (tokens) => {
      const j = await jar();
      try {
        for (const [name, value, maxAge] of cookiesForTokens(tokens, projectId, false, map(j))) {
          if (value === null) j.delete(name);
          else j.set(name, value, { path: "/", maxAge, sameSite: "lax" });
        }
      } catch {
        // Server components may not set cookies; the tokens still live for this request.
      }
    },
  };
}

// ---- request-like stores (auth-api 6.3) ----

function getHeader(request: RequestLike, name: string): string | null {
  const h = request.headers;
  if (typeof h.get === "function") return (h as { get(n: string): string | null }).get(name);
  for (const [key, value] of Object.entries(h as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(", ") : (value ?? null);
  }
  return null;
}

/** Tokens from the JSON of an auth header; an unparsable value is refused (as the official SDK does). */
function tokensFromJson(json: string, header: string): SessionTokens {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // refused below
  }
  if (typeof parsed !== "object" || parsed === null) throw invalidArgument("tokenStore", `the ${header} header is not a JSON object of { accessToken, refreshToken }`);
  const v = parsed as { accessToken?: unknown; refreshToken?: unknown };
  return {
    accessToken: typeof v.accessToken === "string" ? v.accessToken : null,
    refreshToken: typeof v.refreshToken === "string" ? v.refreshToken : null,
  };
}

/**
 * Finds the tokens of a request, in the official SDK's order: `Authorization: Bearer
 * stackauth_<base64 JSON>` (or `hexclave_`), then `x-stack-auth: <JSON>`, then the `cookie` header.
 * The first of these headers present decides, even when it carries no tokens (signed out).
 */
export function readTokensFromRequest(request: RequestLike, projectId: string): SessionTokens {
  const bearer = getHeader(request, "authorization")?.match(/^Bearer\s+(?:stackauth|hexclave)_(.*)$/i);
  if (bearer) {
    let json = "";
    try {
      json = atob(bearer[1]!.trim());
    } catch {
      // refused below
    }
    return tokensFromJson(json, "Authorization");
  }
  const legacy = getHeader(request, "x-stack-auth") ?? getHeader(request, "x-hexclave-auth");
  if (legacy) return tokensFromJson(legacy, "x-stack-auth");
  const cookie = getHeader(request, "cookie");
  return cookie ? readTokensFromCookies(parseCookieHeader(cookie), projectId) : NO_TOKENS;
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
