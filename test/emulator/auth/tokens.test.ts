import { afterAll, describe, expect, test } from "vitest";
import { accessTokenPayloadSchema } from "../../../src/core/schemas/index.js";
import { createProjectEmulator } from "../../../src/testing.js";
import { createApi } from "../platform/api.js";
import * as z from "zod/mini";

const emulator = createProjectEmulator();
const { call, signedInUser, project } = createApi(emulator);
afterAll(() => emulator.close());

function decode(token: string) {
  const [h, p] = token.split(".") as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(h, "base64url").toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, any>,
  };
}

async function verifyWithJwks(token: string, query = "include_anonymous=true"): Promise<boolean> {
  const res = await call("GET", `/projects/${project.id}/.well-known/jwks.json?${query}`, { access: null });
  const { header } = decode(token);
  const jwk = res.json.keys.find((k: { kid: string }) => k.kid === header.kid);
  if (!jwk) return false;
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const [h, p, s] = token.split(".") as [string, string, string];
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, Buffer.from(s, "base64url"), new TextEncoder().encode(`${h}.${p}`));
}

describe("access tokens", () => {
  test("a normal user's token has every claim, ES256 header with a 12-char kid and a 10-minute life", async () => {
    const { userId, accessToken } = await signedInUser({ primary_email: "claims@example.com", display_name: "Claire" });
    const { header, payload } = decode(accessToken);
    expect(header.alg).toBe("ES256");
    expect(String(header.kid)).toHaveLength(12);
    expect(z.safeParse(accessTokenPayloadSchema, payload).success).toBe(true);
    expect(payload).toMatchObject({
      sub: userId,
      aud: project.id,
      iss: `http://localhost/api/v1/projects/${project.id}`,
      project_id: project.id,
      branch_id: "main",
      role: "authenticated",
      name: "Claire",
      email: "claims@example.com",
      email_verified: false,
      selected_team_id: null,
      is_anonymous: false,
      is_restricted: false,
      restricted_reason: null,
      requires_totp_mfa: false,
    });
    expect(typeof payload.refresh_token_id).toBe("string");
    expect(payload.exp - payload.iat).toBe(600);
    expect(Math.abs(payload.iat * 1000 - Date.now())).toBeLessThan(5000);
    expect(typeof payload.signed_up_at).toBe("number");
    expect(await verifyWithJwks(accessToken, "")).toBe(true);
  });

  test("anonymous tokens use the anonymous issuer, audience and keys", async () => {
    const res = await call("POST", "/auth/anonymous/sign-up");
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(["access_token", "refresh_token", "user_id"]);
    expect(res.json.refresh_token).toMatch(/^[0-9a-hjkmnp-tv-z]{45}$/);
    const { header, payload } = decode(res.json.access_token);
    expect(payload.aud).toBe(`${project.id}:anon`);
    expect(payload.iss).toBe(`http://localhost/api/v1/projects-anonymous-users/${project.id}`);
    expect(payload.is_anonymous).toBe(true);
    expect(payload.is_restricted).toBe(true);
    expect(payload.restricted_reason).toEqual({ type: "anonymous" });
    // Not in the normal key set, only when anonymous keys are asked for.
    expect(await verifyWithJwks(res.json.access_token, "")).toBe(false);
    expect(await verifyWithJwks(res.json.access_token)).toBe(true);
    const normal = await signedInUser();
    expect(decode(normal.accessToken).header.kid).not.toBe(header.kid);
  });

  test("restricted users get the restricted audience", async () => {
    const { accessToken } = await signedInUser({ restricted_by_admin: true });
    const { payload } = decode(accessToken);
    expect(payload.aud).toBe(`${project.id}:restricted`);
    expect(payload.iss).toBe(`http://localhost/api/v1/projects-restricted-users/${project.id}`);
    expect(payload.restricted_reason).toEqual({ type: "restricted_by_administrator" });
    const refused = await call("GET", "/users/me", { token: accessToken, allowAnonymous: false });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ code: "RESTRICTED_USER_NOT_ALLOWED", details: { restricted_reason: { type: "restricted_by_administrator" } } });
    const allowed = await call("GET", "/users/me", { token: accessToken, allowAnonymous: false, headers: { "x-stack-allow-restricted-user": "true" } });
    expect(allowed.status).toBe(200);
  });
});

describe("JWKS", () => {
  test("2, 4 or 6 public keys with public caching; unknown project is 404 text", async () => {
    const counts: Array<[string, number]> = [
      ["", 2],
      ["include_restricted=true", 4],
      ["include_anonymous=true", 6],
    ];
    for (const [query, n] of counts) {
      const res = await call("GET", `/projects/${project.id}/.well-known/jwks.json?${query}`, { access: null });
      expect(res.status).toBe(200);
      expect(res.json.keys).toHaveLength(n);
      expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
      for (const key of res.json.keys) {
        expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "x", "y"]);
        expect(key).toMatchObject({ kty: "EC", alg: "ES256", crv: "P-256" });
      }
    }
    const missing = await call("GET", "/projects/other-project/.well-known/jwks.json", { access: null });
    expect(missing.status).toBe(404);
    expect(missing.text).toBe("Project not found");
  });

  test("the anonymous issuer's discovery path redirects to the keys with anonymous included", async () => {
    const res = await call("GET", `/projects-anonymous-users/${project.id}/.well-known/jwks.json`, { access: null });
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe(`http://localhost/api/v1/projects/${project.id}/.well-known/jwks.json?include_anonymous=true`);
  });
});

describe("bad tokens", () => {
  test("garbage, a tampered payload and a forged signature are UNPARSABLE_ACCESS_TOKEN", async () => {
    const { accessToken } = await signedInUser();
    const [h, p, s] = accessToken.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: crypto.randomUUID() })).toString("base64url")}.${s}`;
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith("AA") ? "BB" : "AA"}`;
    for (const token of ["not-a-jwt", "a.b.c", tampered, flipped]) {
      const res = await call("GET", "/users/me", { token });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ code: "UNPARSABLE_ACCESS_TOKEN", error: "Access token is not parsable." });
      expect(res.headers.get("x-stack-known-error")).toBe("UNPARSABLE_ACCESS_TOKEN");
    }
  });

  test("a token of another project is INVALID_PROJECT_FOR_ACCESS_TOKEN", async () => {
    const { accessToken } = await signedInUser();
    const [h, p, s] = accessToken.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    const foreign = `${h}.${Buffer.from(JSON.stringify({ ...payload, project_id: "other" })).toString("base64url")}.${s}`;
    const res = await call("GET", "/users/me", { token: foreign });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ code: "INVALID_PROJECT_FOR_ACCESS_TOKEN", details: { expected_project_id: project.id, actual_project_id: "other" } });
  });

  test("anonymous tokens need the allow-anonymous header", async () => {
    const anon = await call("POST", "/auth/anonymous/sign-up");
    const res = await call("GET", "/users/me", { token: anon.json.access_token, allowAnonymous: false });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe("ANONYMOUS_AUTHENTICATION_NOT_ALLOWED");
    const ok = await call("GET", "/users/me", { token: anon.json.access_token });
    expect(ok.status).toBe(200);
    expect(ok.json.is_anonymous).toBe(true);
  });
});

describe("expiry on the emulator clock", () => {
  // Kept last in this file: it moves the shared clock forward.
  test("after 10 minutes the token is ACCESS_TOKEN_EXPIRED with details; a refresh works again", async () => {
    const { userId, accessToken, refreshToken } = await signedInUser();
    expect((await call("GET", "/users/me", { token: accessToken })).status).toBe(200);
    const advanced = await call("POST", "/internal/emulator/clock/advance", { access: "server", body: { advance_millis: 10 * 60 * 1000 + 1000 } });
    expect(advanced.status).toBe(200);
    const res = await call("GET", "/users/me", { token: accessToken });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe("ACCESS_TOKEN_EXPIRED");
    const payload = decode(accessToken).payload;
    expect(res.json.details).toEqual({ expired_at_millis: payload.exp * 1000, project_id: project.id, user_id: userId, refresh_token_id: payload.refresh_token_id });
    expect(res.json.error).toMatch(/^Access token has expired\. Please refresh it and try again\./);
    const refreshed = await call("POST", "/auth/sessions/current/refresh", { headers: { "x-stack-refresh-token": refreshToken } });
    expect(refreshed.status).toBe(200);
    const fresh = decode(refreshed.json.access_token).payload;
    expect(fresh.iat * 1000).toBeGreaterThanOrEqual(payload.exp * 1000);
    expect((await call("GET", "/users/me", { token: refreshed.json.access_token })).status).toBe(200);
  });
});
