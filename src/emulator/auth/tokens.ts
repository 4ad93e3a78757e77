/**
 * ES256 access tokens (WebCrypto only): per-project signing keys stored in the database (so
 * tokens survive restarts and every process on one database verifies the others' tokens),
 * signing, verification and the JWKS document.
 */
import type { AccessTokenPayload } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { ApiError } from "../http.js";

/** Which kind of user a token is for; each has its own keys, issuer and audience. */
export type TokenAudience = "normal" | "restricted" | "anonymous";

/** Access token lifetime: 10 minutes, as the hosted API. */
export const ACCESS_TOKEN_LIFETIME_MILLIS = 10 * 60 * 1000;

interface SigningKey {
  audience: TokenAudience;
  slot: number;
  kid: string;
  publicJwk: { kty: "EC"; alg: "ES256"; crv: "P-256"; kid: string; x: string; y: string };
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

const AUDIENCES: TokenAudience[] = ["normal", "restricted", "anonymous"];
const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGN = { name: "ECDSA", hash: "SHA-256" } as const;

const keyCache = new WeakMap<object, Map<string, Promise<SigningKey[]>>>();

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

function b64urlJson(value: unknown): string {
  return b64url(new TextEncoder().encode(JSON.stringify(value)));
}

async function kidFor(x: string, y: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${x}.${y}`)));
  return b64url(digest).slice(0, 12);
}

async function loadKeys(db: SqlExecutor, projectId: string): Promise<SigningKey[]> {
  const wanted = AUDIENCES.flatMap((audience) => [0, 1].map((slot) => ({ audience, slot })));
  let rows = await db.query<{ audience: TokenAudience; slot: number; kid: string; private_jwk: JsonWebKey }>(
    "SELECT audience, slot, kid, private_jwk FROM signing_keys WHERE project_id = $1",
    [projectId],
  );
  if (rows.length < wanted.length) {
    for (const { audience, slot } of wanted) {
      if (rows.some((r) => r.audience === audience && r.slot === slot)) continue;
      const pair = (await crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"])) as CryptoKeyPair;
      const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
      const kid = await kidFor(jwk.x!, jwk.y!);
      // Two processes may race here; the first insert wins and both then read the same row.
      await db.query(
        `INSERT INTO signing_keys (project_id, audience, slot, kid, private_jwk) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING`,
        [projectId, audience, slot, kid, JSON.stringify(jwk)],
      );
    }
    rows = await db.query("SELECT audience, slot, kid, private_jwk FROM signing_keys WHERE project_id = $1", [projectId]);
  }
  const keys: SigningKey[] = [];
  for (const row of rows) {
    const jwk = row.private_jwk;
    const privateKey = await crypto.subtle.importKey("jwk", jwk, ECDSA, false, ["sign"]);
    const publicJwk = { kty: "EC" as const, alg: "ES256" as const, crv: "P-256" as const, kid: row.kid, x: jwk.x!, y: jwk.y! };
    const publicKey = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y! }, ECDSA, false, ["verify"]);
    keys.push({ audience: row.audience, slot: Number(row.slot), kid: row.kid, publicJwk, privateKey, publicKey });
  }
  keys.sort((a, b) => AUDIENCES.indexOf(a.audience) - AUDIENCES.indexOf(b.audience) || a.slot - b.slot);
  return keys;
}

/** The project's six signing keys (two per audience), created on first use. Cached per `db`. */
export function getSigningKeys(db: SqlExecutor, projectId: string): Promise<SigningKey[]> {
  let perDb = keyCache.get(db);
  if (!perDb) keyCache.set(db, (perDb = new Map()));
  let keys = perDb.get(projectId);
  if (!keys) {
    keys = loadKeys(db, projectId);
    perDb.set(projectId, keys);
    keys.catch(() => perDb.delete(projectId));
  }
  return keys;
}

/** The issuer of a token for `audience`: `<base>/api/v1/projects[-anonymous-users|-restricted-users]/<id>`. */
export function tokenIssuer(baseUrl: string, projectId: string, audience: TokenAudience): string {
  const segment = audience === "anonymous" ? "projects-anonymous-users" : audience === "restricted" ? "projects-restricted-users" : "projects";
  return `${baseUrl.replace(/\/$/, "")}/api/v1/${segment}/${projectId}`;
}

/** The `aud` claim for `audience`. */
export function tokenAudienceClaim(projectId: string, audience: TokenAudience): string {
  return audience === "anonymous" ? `${projectId}:anon` : audience === "restricted" ? `${projectId}:restricted` : projectId;
}

/** What a token is signed for: the user's claims as of now. */
export interface TokenSubject {
  userId: string;
  refreshTokenId: string;
  displayName: string | null;
  primaryEmail: string | null;
  primaryEmailVerified: boolean;
  selectedTeamId: string | null;
  signedUpAtMillis: number;
  isAnonymous: boolean;
  restrictedReason: { type: "anonymous" | "email_not_verified" | "restricted_by_administrator" } | null;
  requiresTotpMfa: boolean;
}

/** Signs an access token for `subject`, valid for 10 minutes from `nowMillis` (the emulator clock). */
export async function signAccessToken(
  db: SqlExecutor,
  projectId: string,
  baseUrl: string,
  subject: TokenSubject,
  nowMillis: number,
): Promise<string> {
  const audience: TokenAudience = subject.isAnonymous ? "anonymous" : subject.restrictedReason ? "restricted" : "normal";
  const keys = await getSigningKeys(db, projectId);
  // The hosted API signs with the first (legacy) key of the audience.
  const key = keys.find((k) => k.audience === audience && k.slot === 0)!;
  const iat = Math.floor(nowMillis / 1000);
  const payload: AccessTokenPayload = {
    sub: subject.userId,
    iss: tokenIssuer(baseUrl, projectId, audience),
    aud: tokenAudienceClaim(projectId, audience),
    iat,
    exp: Math.floor((nowMillis + ACCESS_TOKEN_LIFETIME_MILLIS) / 1000),
    project_id: projectId,
    branch_id: "main",
    refresh_token_id: subject.refreshTokenId,
    role: "authenticated",
    name: subject.displayName,
    email: subject.primaryEmail,
    email_verified: subject.primaryEmailVerified,
    selected_team_id: subject.selectedTeamId,
    signed_up_at: Math.floor(subject.signedUpAtMillis / 1000),
    is_anonymous: subject.isAnonymous,
    is_restricted: subject.restrictedReason !== null,
    restricted_reason: subject.restrictedReason,
    requires_totp_mfa: subject.requiresTotpMfa,
  };
  const signingInput = `${b64urlJson({ alg: "ES256", kid: key.kid, typ: "JWT" })}.${b64urlJson(payload)}`;
  const signature = new Uint8Array(await crypto.subtle.sign(SIGN, key.privateKey, new TextEncoder().encode(signingInput)));
  return `${signingInput}.${b64url(signature)}`;
}

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Verifies an access token for `projectId` as of `nowMillis`; throws the hosted API's token
 * errors (`UNPARSABLE_ACCESS_TOKEN`, `INVALID_PROJECT_FOR_ACCESS_TOKEN`, `ACCESS_TOKEN_EXPIRED`).
 */
export async function verifyAccessToken(db: SqlExecutor, projectId: string, token: string, nowMillis: number): Promise<AccessTokenPayload> {
  const unparsable = () => ApiError.known("UNPARSABLE_ACCESS_TOKEN");
  const parts = token.split(".");
  if (parts.length !== 3) throw unparsable();
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const payload = decodeJson(payloadPart);
  if (!header || !payload || header.alg !== "ES256") throw unparsable();
  const tokenProject = typeof payload.project_id === "string" ? payload.project_id : null;
  if (tokenProject !== null && tokenProject !== projectId)
    throw ApiError.known("INVALID_PROJECT_FOR_ACCESS_TOKEN", { expected_project_id: projectId, actual_project_id: tokenProject });
  const keys = await getSigningKeys(db, projectId);
  const key = keys.find((k) => k.kid === header.kid);
  if (!key) throw unparsable();
  const signature = Buffer.from(signaturePart, "base64url");
  const valid = await crypto.subtle.verify(SIGN, key.publicKey, signature, new TextEncoder().encode(`${headerPart}.${payloadPart}`));
  if (!valid) throw unparsable();
  // The signing key, audience, issuer and user-type flags must all agree.
  const isAnonymous = payload.is_anonymous === true;
  const isRestricted = payload.is_restricted === true;
  const audience: TokenAudience = isAnonymous ? "anonymous" : isRestricted ? "restricted" : "normal";
  if (key.audience !== audience || payload.aud !== tokenAudienceClaim(projectId, audience)) throw unparsable();
  const iss = typeof payload.iss === "string" ? payload.iss : "";
  if (!iss.endsWith(new URL(tokenIssuer("http://x", projectId, audience)).pathname)) throw unparsable();
  if (typeof payload.sub !== "string" || typeof payload.refresh_token_id !== "string" || payload.branch_id !== "main") throw unparsable();
  if (typeof payload.exp === "number" && payload.exp * 1000 <= nowMillis)
    throw ApiError.known("ACCESS_TOKEN_EXPIRED", {
      expired_at_millis: payload.exp * 1000,
      project_id: projectId,
      user_id: payload.sub,
      refresh_token_id: payload.refresh_token_id,
    });
  return payload as unknown as AccessTokenPayload;
}

/** The JWKS document: normal keys, plus restricted and anonymous ones when asked. */
export async function jwks(db: SqlExecutor, projectId: string, options: { includeRestricted: boolean; includeAnonymous: boolean }) {
  const keys = await getSigningKeys(db, projectId);
  const audiences = new Set<TokenAudience>(["normal"]);
  if (options.includeRestricted || options.includeAnonymous) audiences.add("restricted");
  if (options.includeAnonymous) audiences.add("anonymous");
  return { keys: keys.filter((k) => audiences.has(k.audience)).map((k) => k.publicJwk) };
}
