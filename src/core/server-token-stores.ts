/**
 * What only a server needs of sessions, loaded on first use (session.ts imports this module lazily,
 * so browser bundles never carry it): the token stores of a request's own tokens
 * (`Authorization: Bearer stackauth_…`, `x-stack-auth`, or its cookies) and of Next.js server
 * cookies (`next/headers`), and Next's own redirect (`next/navigation`).
 */
import { invalidArgument } from "./errors.js";
import { importOptional } from "./env.js";
import { NO_TOKENS, type SessionTokens } from "./http/build-request.js";
import { cookiesForTokens, decodeCookieValue, parseCookieHeader, readTokensFromCookies, type RequestLike, type TokenStore } from "./token-store.js";

interface NextCookieJar {
  getAll(): Array<{ name: string; value: string }>;
  set(name: string, value: string, options: Record<string, unknown>): void;
  delete(name: string): void;
}

/** The `"nextjs-cookie"` store on a Next.js server: the official SDK's cookies through `next/headers`. */
export function createNextCookieStore(projectId: string): TokenStore {
  // Loaded only here, never statically: `next` is an optional peer and must not be needed elsewhere.
  const jar = async (): Promise<NextCookieJar> => {
    const mod = await importOptional<{ cookies(): NextCookieJar | Promise<NextCookieJar> }>("next/headers.js");
    return mod.cookies();
  };
  const map = (j: NextCookieJar) => Object.fromEntries(j.getAll().map((c) => [c.name, decodeCookieValue(c.value)]));
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

// ---- request-like stores ----

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

/** Next.js's `redirect(url)` on a Next.js server: throws `NEXT_REDIRECT`, which Next turns into the navigation. */
export async function nextRedirect(url: string): Promise<never> {
  const mod = await importOptional<{ redirect(url: string): never }>("next/navigation.js");
  return mod.redirect(url);
}
