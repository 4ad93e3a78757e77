/**
 * ES256 access tokens with jose: per-project signing keys stored in the database (so tokens
 * survive restarts and every process on one database verifies the others' tokens), signing,
 * verification and the JWKS document.
 */
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from "jose";
import type { AccessTokenPayload } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { ApiError } from "../http.js";

/** Which kind of user a token is for; each has its own keys, issuer and audience. */
export type TokenAudience = "normal" | "restricted" | "anonymous";

/** Access token lifetime: 10 minutes, as the hosted API. */
export const ACCESS_TOKEN_LIFETIME_MILLIS = 10 * 60 * 1000;

/** A public key as the JWKS document lists it. */
export interface PublicSigningJwk {
  kty: "EC";
  alg: "ES256";
  crv: "P-256";
  kid: string;
  x: string;
  y: string;
}

interface SigningKey {
  audience: TokenAudience;
  slot: number;
  kid: string;
  publicJwk: PublicSigningJwk;
  privateKey: CryptoKey;
}

const AUDIENCES: TokenAudience[] = ["normal", "restricted", "anonymous"];
const ALG = "ES256";

const keyCache = new WeakMap<object, Map<string, Promise<SigningKey[]>>>();

async function newKeyRow(): Promise<{ kid: string; jwk: JWK }> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = (await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! })).slice(0, 12);
  return { kid, jwk };
}

async function loadKeys(db: SqlExecutor, projectId: string): Promise<SigningKey[]> {
  const wanted = AUDIENCES.flatMap((audience) => [0, 1].map((slot) => ({ audience, slot })));
  let rows = await db.query<{ audience: TokenAudience; slot: number; kid: string; private_jwk: JWK }>(
    "SELECT audience, slot, kid, private_jwk FROM signing_keys WHERE project_id = $1",
    [projectId],
  );
  if (rows.length < wanted.length) {
    for (const { audience, slot } of wanted) {
      if (rows.some((r) => r.audience === audience && r.slot === slot)) continue;
      const { kid, jwk } = await newKeyRow();
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
    const privateKey = (await importJWK({ ...jwk, alg: ALG }, ALG)) as CryptoKey;
    const publicJwk: PublicSigningJwk = { kty: "EC", alg: ALG, crv: "P-256", kid: row.kid, x: jwk.x!, y: jwk.y! };
    keys.push({ audience: row.audience, slot: Number(row.slot), kid: row.kid, publicJwk, privateKey });
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

/** Drops a project's cached keys (after the project was deleted). */
export function forgetSigningKeys(db: SqlExecutor, projectId: string): void {
  keyCache.get(db)?.delete(projectId);
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
  const payload: AccessTokenPayload = {
    sub: subject.userId,
    iss: tokenIssuer(baseUrl, projectId, audience),
    aud: tokenAudienceClaim(projectId, audience),
    iat: Math.floor(nowMillis / 1000),
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
  return new SignJWT(payload as unknown as JWTPayload).setProtectedHeader({ alg: ALG, kid: key.kid, typ: "JWT" }).sign(key.privateKey);
}

/** A token's claims read without verifying it, or null when it is not a readable JWT. */
function unverifiedClaims(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

/** The project a token claims to be for (unverified), or null when it is not a readable JWT. */
export function claimedTokenProject(token: string): string | null {
  const projectId = unverifiedClaims(token)?.project_id;
  return typeof projectId === "string" ? projectId : null;
}

/** The user and session an access token names, read without verifying it (it was, when its request began). */
export function tokenClaims(token: string): { sub: string; refreshTokenId: string } | null {
  const payload = unverifiedClaims(token);
  return typeof payload?.sub === "string" && typeof payload.refresh_token_id === "string" ? { sub: payload.sub, refreshTokenId: payload.refresh_token_id } : null;
}

/** True when the signing key, audience, issuer and user-type flags of a verified payload agree. */
function isConsistent(payload: JWTPayload, projectId: string, keyAudience: TokenAudience | undefined): boolean {
  const isAnonymous = payload.is_anonymous === true;
  const isRestricted = payload.is_restricted === true;
  const audience: TokenAudience = isAnonymous ? "anonymous" : isRestricted ? "restricted" : "normal";
  if (keyAudience !== audience || payload.aud !== tokenAudienceClaim(projectId, audience)) return false;
  const iss = typeof payload.iss === "string" ? payload.iss : "";
  if (!iss.endsWith(new URL(tokenIssuer("http://x", projectId, audience)).pathname)) return false;
  return typeof payload.sub === "string" && typeof payload.refresh_token_id === "string" && payload.branch_id === "main";
}

/**
 * Verifies an access token for `projectId` as of `nowMillis`; throws the hosted API's token
 * errors (`UNPARSABLE_ACCESS_TOKEN`, `INVALID_PROJECT_FOR_ACCESS_TOKEN`, `ACCESS_TOKEN_EXPIRED`).
 */
export async function verifyAccessToken(db: SqlExecutor, projectId: string, token: string, nowMillis: number): Promise<AccessTokenPayload> {
  const unparsable = () => ApiError.known("UNPARSABLE_ACCESS_TOKEN");
  let claimed: JWTPayload;
  let kid: string | undefined;
  try {
    claimed = decodeJwt(token);
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw unparsable();
  }
  const tokenProject = typeof claimed.project_id === "string" ? claimed.project_id : null;
  if (tokenProject !== null && tokenProject !== projectId)
    throw ApiError.known("INVALID_PROJECT_FOR_ACCESS_TOKEN", { expected_project_id: projectId, actual_project_id: tokenProject });
  const keys = await getSigningKeys(db, projectId);
  const keyAudience = keys.find((k) => k.kid === kid)?.audience;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet({ keys: keys.map((k) => k.publicJwk) }), {
      algorithms: [ALG],
      currentDate: new Date(nowMillis),
    }));
  } catch (error) {
    // An expired token is still checked for consistency first: a forged one stays unparsable.
    if (error instanceof errors.JWTExpired && isConsistent(error.payload, projectId, keyAudience))
      throw ApiError.known("ACCESS_TOKEN_EXPIRED", {
        expired_at_millis: Number(error.payload.exp) * 1000,
        project_id: projectId,
        user_id: error.payload.sub,
        refresh_token_id: error.payload.refresh_token_id,
      });
    throw unparsable();
  }
  if (!isConsistent(payload, projectId, keyAudience)) throw unparsable();
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
