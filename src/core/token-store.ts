/**
 * Token stores: where the user's tokens live, with the official SDK's cookie names and formats, so a
 * user signed in through the official auth UI is signed in here too. The stores only a server needs
 * (a request's headers, Next.js server cookies) are in server-token-stores.ts, loaded on first use.
 */
import { StackPaymentsError } from "./errors.js";
import { NO_TOKENS, type SessionTokens } from "./http/build-request.js";

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

/** True for request-like token stores. */
export function isRequestLike(value: unknown): value is RequestLike {
  return typeof value === "object" && value !== null && "headers" in value && typeof (value as RequestLike).headers === "object";
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
    if (name && !(name in out)) out[name] = decodeCookieValue(part.slice(eq + 1).trim());
  }
  return out;
}

/** `decodeURIComponent`, or the value as it is when it is not valid percent-encoding. */
export function decodeCookieValue(value: string): string {
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

/** The `"cookie"` store: the official SDK's cookies in `document.cookie` (browser only, checked on use). */
export function createBrowserCookieStore(projectId: string): TokenStore {
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
