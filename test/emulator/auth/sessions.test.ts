import { afterAll, describe, expect, test } from "vitest";
import { createProjectEmulator } from "../../../src/testing.js";
import { createApi } from "../platform/api.js";

const emulator = createProjectEmulator();
const { call, signedInUser, updateConfig, project } = createApi(emulator);
afterAll(() => emulator.close());

const email = () => `u-${crypto.randomUUID().slice(0, 8)}@example.com`;

function oauthToken(fields: Record<string, string>, contentType = "application/x-www-form-urlencoded;charset=UTF-8") {
  return emulator.fetch(
    new Request("http://localhost/api/v1/auth/oauth/token", {
      method: "POST",
      headers: { "content-type": contentType, accept: "application/json" },
      body: contentType.startsWith("application/json") ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    }),
  );
}

describe("password sign-up and sign-in", () => {
  test("sign-up creates a user with an unverified, auth-enabled email; sign-in returns the same user", async () => {
    const address = email();
    const up = await call("POST", "/auth/password/sign-up", { body: { email: address, password: "correct horse" } });
    expect(up.status).toBe(200);
    expect(Object.keys(up.json).sort()).toEqual(["access_token", "refresh_token", "user_id"]);
    const me = await call("GET", "/users/me", { access: "server", token: up.json.access_token });
    expect(me.json).toMatchObject({ id: up.json.user_id, primary_email: address, primary_email_verified: false, primary_email_auth_enabled: true, has_password: true });
    const inn = await call("POST", "/auth/password/sign-in", { body: { email: address.toUpperCase(), password: "correct horse" } });
    expect(inn.status).toBe(200);
    expect(inn.json.user_id).toBe(up.json.user_id);
    expect(inn.json.refresh_token).not.toBe(up.json.refresh_token);
  });

  test("sign-up errors: short password, taken email, untrusted callback URL, bad email", async () => {
    const address = email();
    const short = await call("POST", "/auth/password/sign-up", { body: { email: address, password: "short" } });
    expect(short.status).toBe(400);
    expect(short.json).toMatchObject({ code: "PASSWORD_TOO_SHORT", details: { min_length: 8 } });
    expect((await call("POST", "/auth/password/sign-up", { body: { email: address, password: "long enough" } })).status).toBe(200);
    const taken = await call("POST", "/auth/password/sign-up", { body: { email: address, password: "long enough" } });
    expect(taken.status).toBe(409);
    expect(taken.json).toEqual({
      code: "USER_EMAIL_ALREADY_EXISTS",
      details: { email: address, would_work_if_email_was_verified: false },
      error: `A user with email "${address}" already exists.`,
    });
    const untrusted = await call("POST", "/auth/password/sign-up", {
      body: { email: email(), password: "long enough", verification_callback_url: "https://evil.example.com/verify" },
    });
    expect(untrusted.json.code).toBe("REDIRECT_URL_NOT_WHITELISTED");
    const local = await call("POST", "/auth/password/sign-up", {
      body: { email: email(), password: "long enough", verification_callback_url: "http://localhost:3000/handler/email-verification" },
    });
    expect(local.status).toBe(200);
    const bad = await call("POST", "/auth/password/sign-up", { body: { email: "not-an-email", password: "long enough" } });
    expect(bad.json.code).toBe("SCHEMA_ERROR");
    expect(bad.json.details.message).toContain("body.email must be a valid email");
  });

  test("wrong password or unknown email is EMAIL_PASSWORD_MISMATCH", async () => {
    const address = email();
    await call("POST", "/auth/password/sign-up", { body: { email: address, password: "right password" } });
    for (const body of [{ email: address, password: "wrong password" }, { email: email(), password: "right password" }]) {
      const res = await call("POST", "/auth/password/sign-in", { body });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ code: "EMAIL_PASSWORD_MISMATCH", error: "Wrong e-mail or password." });
    }
  });

  test("an anonymous user signing up is upgraded in place (same id)", async () => {
    const anon = await call("POST", "/auth/anonymous/sign-up");
    const address = email();
    const up = await call("POST", "/auth/password/sign-up", { token: anon.json.access_token, body: { email: address, password: "long enough" } });
    expect(up.status).toBe(200);
    expect(up.json.user_id).toBe(anon.json.user_id);
    const me = await call("GET", "/users/me", { token: up.json.access_token, allowAnonymous: false });
    expect(me.json).toMatchObject({ id: anon.json.user_id, is_anonymous: false, is_restricted: false, primary_email: address });
    // A non-anonymous caller always gets a new user.
    const again = await call("POST", "/auth/password/sign-up", { token: up.json.access_token, body: { email: email(), password: "long enough" } });
    expect(again.json.user_id).not.toBe(anon.json.user_id);
  });

  test("password sign-in can be switched off in config", async () => {
    await updateConfig({ "auth.password.allowSignIn": false });
    try {
      const res = await call("POST", "/auth/password/sign-in", { body: { email: email(), password: "whatever1" } });
      expect(res.json.code).toBe("PASSWORD_AUTHENTICATION_NOT_ENABLED");
    } finally {
      await updateConfig({ "auth.password.allowSignIn": true });
    }
  });
});

describe("server-created sessions", () => {
  test("POST /auth/sessions: unknown user, non-UUID, client access, too long expiry", async () => {
    const unknown = crypto.randomUUID();
    const res = await call("POST", "/auth/sessions", { access: "server", body: { user_id: unknown } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ code: "USER_ID_DOES_NOT_EXIST", details: { user_id: unknown }, error: `The given user with the ID ${unknown} does not exist.` });
    const bad = await call("POST", "/auth/sessions", { access: "server", body: { user_id: "abc" } });
    expect(bad.json.code).toBe("SCHEMA_ERROR");
    expect(bad.json.details.message).toContain("body.user_id must be a valid UUID");
    const user = await signedInUser();
    expect((await call("POST", "/auth/sessions", { access: "client", body: { user_id: user.userId } })).json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    const long = await call("POST", "/auth/sessions", { access: "server", body: { user_id: user.userId, expires_in_millis: 31_708_800_001 } });
    expect(long.json.code).toBe("SCHEMA_ERROR");
    const ok = await call("POST", "/auth/sessions", { access: "server", body: { user_id: user.userId, expires_in_millis: 60_000 } });
    expect(Object.keys(ok.json).sort()).toEqual(["access_token", "refresh_token"]);
  });
});

describe("refresh grant", () => {
  test("form-encoded, no Stack headers: a Bearer access token for the session", async () => {
    const { userId, refreshToken } = await signedInUser();
    const res = await oauthToken({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: project.id, client_secret: project.publishableClientKey });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ token_type: "Bearer", scope: "legacy", afterCallbackRedirectUrl: null, after_callback_redirect_url: null });
    expect(typeof body.expires_in).toBe("number");
    expect(body.refresh_token).toBeUndefined();
    const me = await call("GET", "/users/me", { token: body.access_token });
    expect(me.json.id).toBe(userId);
    const sentinel = await oauthToken({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: `${project.id}#main`, client_secret: "__stack_public_client__" });
    expect(sentinel.status).toBe(200);
    const json = await oauthToken({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: project.id, client_secret: project.publishableClientKey }, "application/json");
    expect(json.status).toBe(200);
  });

  test("errors keep their real status and the known-error header", async () => {
    const { refreshToken } = await signedInUser();
    const bad = await oauthToken({ grant_type: "refresh_token", refresh_token: "nope", client_id: project.id, client_secret: project.publishableClientKey });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("x-stack-known-error")).toBe("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    const wrongSecret = await oauthToken({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: project.id, client_secret: "pck_wrong" });
    expect(wrongSecret.status).toBe(400);
    expect((await wrongSecret.json()).code).toBe("INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    const wrongClient = await oauthToken({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: "other", client_secret: project.publishableClientKey });
    expect((await wrongClient.json()).code).toBe("INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    const missing = await oauthToken({ grant_type: "refresh_token", client_id: project.id, client_secret: project.publishableClientKey });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toBe("invalid_request");
    const grant = await oauthToken({ grant_type: "password", client_id: project.id });
    expect((await grant.json()).code).toBe("SCHEMA_ERROR");
  });

  test("the sentinel is refused when the project requires a publishable key", async () => {
    const { refreshToken } = await signedInUser();
    await call("PATCH", "/internal/config/override/project", { access: "admin", body: { config_override_string: JSON.stringify({ "project.requirePublishableClientKey": true }) } });
    try {
      const res = await oauthToken({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: project.id, client_secret: "__stack_public_client__" });
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe("PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT");
    } finally {
      await call("PATCH", "/internal/config/override/project", { access: "admin", body: { config_override_string: JSON.stringify({ "project.requirePublishableClientKey": false }) } });
    }
  });
});

describe("refresh endpoint and sign-out", () => {
  test("sign-out revokes the refresh token; the access token keeps working until it expires", async () => {
    const { userId, accessToken, refreshToken } = await signedInUser();
    const refreshed = await call("POST", "/auth/sessions/current/refresh", { headers: { "x-stack-refresh-token": refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.json)).toEqual(["access_token"]);
    const out = await call("DELETE", "/auth/sessions/current", { token: accessToken, body: {} });
    expect(out.status).toBe(200);
    expect(out.json).toEqual({ success: true });
    const after = await call("POST", "/auth/sessions/current/refresh", { headers: { "x-stack-refresh-token": refreshToken } });
    expect(after.status).toBe(401);
    expect(after.json).toEqual({ code: "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED", error: "Refresh token not found for this project, or the session has expired/been revoked." });
    const grant = await oauthToken({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: project.id, client_secret: project.publishableClientKey });
    expect(grant.status).toBe(401);
    expect((await call("GET", "/users/me", { token: accessToken })).json.id).toBe(userId);
    const twice = await call("DELETE", "/auth/sessions/current", { token: accessToken, body: {} });
    expect(twice.json.code).toBe("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
  });

  test("sign-out without a token is ACCESS_TOKEN_EXPIRED; refresh without the header is a schema error", async () => {
    const res = await call("DELETE", "/auth/sessions/current", { body: {} });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe("ACCESS_TOKEN_EXPIRED");
    const noHeader = await call("POST", "/auth/sessions/current/refresh");
    expect(noHeader.json.code).toBe("SCHEMA_ERROR");
  });

  test("sessions can be listed and deleted, but not the current one", async () => {
    const { userId, accessToken } = await signedInUser();
    const second = await call("POST", "/auth/sessions", { access: "server", body: { user_id: userId } });
    const list = await call("GET", `/auth/sessions?user_id=me`, { token: accessToken });
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(2);
    const current = list.json.items.find((s: { is_current_session: boolean }) => s.is_current_session);
    expect(current).toBeDefined();
    expect((await call("DELETE", `/auth/sessions/${current.id}`, { token: accessToken })).json.code).toBe("CANNOT_DELETE_CURRENT_SESSION");
    const other = list.json.items.find((s: { is_current_session: boolean }) => !s.is_current_session);
    expect((await call("DELETE", `/auth/sessions/${other.id}`, { token: accessToken })).json).toEqual({ success: true });
    const refresh = await call("POST", "/auth/sessions/current/refresh", { headers: { "x-stack-refresh-token": second.json.refresh_token } });
    expect(refresh.status).toBe(401);
    const stranger = await signedInUser();
    const forbidden = await call("GET", `/auth/sessions?user_id=${userId}`, { token: stranger.accessToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toBe("Client can only list sessions for their own user.");
  });

  test("deleting a user revokes sessions; their token resolves to nobody", async () => {
    const { userId, accessToken, refreshToken } = await signedInUser();
    expect((await call("DELETE", `/users/${userId}`, { access: "server" })).json).toEqual({ success: true });
    const me = await call("GET", "/users/me", { token: accessToken });
    expect(me.status).toBe(400);
    expect(me.json.code).toBe("CANNOT_GET_OWN_USER_WITHOUT_USER");
    const refresh = await call("POST", "/auth/sessions/current/refresh", { headers: { "x-stack-refresh-token": refreshToken } });
    expect(refresh.json.code).toBe("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
  });
});
