/**
 * Contract review: behaviours of the platform and auth side that an earlier pass got wrong,
 * each checked against the wire contract (hosted-api.md A.2-A.4, auth-api.md 1-5).
 */
import { afterAll, describe, expect, test } from "vitest";
import { createProjectEmulator } from "../../../src/testing.js";
import { createApi } from "../platform/api.js";
import { createOwnedProject, signUpToInternal } from "../projects/hosted-flow.js";

const emulator = createProjectEmulator();
const { call, signedInUser, updateConfig } = createApi(emulator);
afterAll(() => emulator.close());

const email = () => `r-${crypto.randomUUID().slice(0, 8)}@example.com`;

function patchLevel(level: "project" | "branch" | "environment", override: Record<string, unknown>) {
  return call("PATCH", `/internal/config/override/${level}`, { access: "admin", body: { config_override_string: JSON.stringify(override) } });
}

describe("request headers (hosted-api A.2)", () => {
  test("x-stack-branch-id: main is the default and accepted; an unknown branch is BRANCH_DOES_NOT_EXIST (400), in both prefixes", async () => {
    expect((await call("GET", "/projects/current", { headers: { "x-stack-branch-id": "main" } })).status).toBe(200);
    const bad = await call("GET", "/projects/current", { headers: { "x-stack-branch-id": "feature-x" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-stack-known-error")).toBe("BRANCH_DOES_NOT_EXIST");
    expect(bad.json).toMatchObject({ code: "BRANCH_DOES_NOT_EXIST", details: { branch_id: "feature-x" } });
    expect(bad.json.error).toContain("feature-x");
    const hex = await call("GET", "/projects/current", { prefix: "hexclave", headers: { "x-hexclave-branch-id": "dev" } });
    expect(hex.json.code).toBe("BRANCH_DOES_NOT_EXIST");
  });
});

describe("config levels (auth-api 4.3, 5.1)", () => {
  test("branch-level nested overrides do not wipe what new projects are seeded with at environment level", async () => {
    try {
      expect((await patchLevel("branch", { auth: { allowSignUp: true }, rbac: { permissions: { reviewer: { scope: "team" } } } })).status).toBe(200);
      // auth.password.allowSignIn = true is an environment seed, which beats the branch level.
      const up = await call("POST", "/auth/password/sign-up", { body: { email: email(), password: "long enough" } });
      expect(up.status).toBe(200);
      // team_admin is seeded at environment level too, so the branch's rbac object does not remove it.
      const creator = await signedInUser();
      const team = await call("POST", "/teams", { access: "server", body: { display_name: "Seeded", creator_user_id: creator.userId } });
      const perms = await call("GET", `/team-permissions?team_id=${team.json.id}&user_id=${creator.userId}`, { access: "server" });
      expect(perms.json.items.map((p: { id: string }) => p.id)).toEqual(["team_admin"]);
      const current = await call("GET", "/projects/current");
      expect(current.json.config.credential_enabled).toBe(true);
    } finally {
      await call("PUT", "/internal/config/override/branch", { access: "admin", body: { config_string: "{}", source: { type: "unlinked" } } });
    }
  });

  test("an environment-level nested override replaces the seeded subtree, as the merge rule says", async () => {
    try {
      await updateConfig({ auth: { allowSignUp: true } });
      const up = await call("POST", "/auth/password/sign-up", { body: { email: email(), password: "long enough" } });
      expect(up.json.code).toBe("PASSWORD_AUTHENTICATION_NOT_ENABLED");
    } finally {
      await updateConfig({ "auth.password.allowSignIn": true });
    }
    expect((await call("POST", "/auth/password/sign-up", { body: { email: email(), password: "long enough" } })).status).toBe(200);
  });
});

describe("team permissions (auth-api 4.2)", () => {
  test("granting a project-scoped permission on a team is WRONG_PERMISSION_SCOPE (404), not PERMISSION_NOT_FOUND", async () => {
    await updateConfig({ "rbac.permissions.project_reader": { scope: "project" } });
    const user = await signedInUser();
    const team = await call("POST", "/teams", { access: "server", body: { display_name: "Scopes", creator_user_id: user.userId } });
    const res = await call("POST", `/team-permissions/${team.json.id}/${user.userId}/project_reader`, { access: "server", body: {} });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-stack-known-error")).toBe("WRONG_PERMISSION_SCOPE");
    expect(res.json.details).toMatchObject({ permission_id: "project_reader" });
    const missing = await call("POST", `/team-permissions/${team.json.id}/${user.userId}/nope_nope`, { access: "server", body: {} });
    expect(missing.json).toMatchObject({ code: "PERMISSION_NOT_FOUND", details: { permission_id: "nope_nope" } });
  });
});

describe("password sign-in (auth-api 1)", () => {
  test("a user with TOTP MFA gets MULTI_FACTOR_AUTHENTICATION_REQUIRED (400, details {attempt_code}) instead of tokens", async () => {
    const address = email();
    const created = await call("POST", "/users", {
      access: "server",
      body: { primary_email: address, primary_email_auth_enabled: true, password: "long enough", totp_secret_base64: "SGVsbG8gd29ybGQhISE=" },
    });
    expect(created.status).toBe(201);
    const res = await call("POST", "/auth/password/sign-in", { body: { email: address, password: "long enough" } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("MULTI_FACTOR_AUTHENTICATION_REQUIRED");
    expect(typeof res.json.details.attempt_code).toBe("string");
    expect(res.json.access_token).toBeUndefined();
    // Wrong password still answers the mismatch, not the MFA challenge.
    const wrong = await call("POST", "/auth/password/sign-in", { body: { email: address, password: "wrong password" } });
    expect(wrong.json.code).toBe("EMAIL_PASSWORD_MISMATCH");
  });
});

describe("config value validation (auth-api 5.1)", () => {
  test("a value the schema rejects is a 400 text naming the key, and changes nothing", async () => {
    const res = await patchLevel("environment", { "teams.allowClientTeamCreation": "yes" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.text).toContain("teams.allowClientTeamCreation");
    const nested = await patchLevel("branch", { auth: { password: { allowSignIn: 1 } } });
    expect(nested.status).toBe(400);
    expect(nested.text).toContain("auth.password.allowSignIn");
    const stored = await call("GET", "/internal/config/override/environment", { access: "admin" });
    expect(JSON.parse(stored.json.config_string)["teams.allowClientTeamCreation"]).toBeUndefined();
    expect((await call("GET", "/projects/current")).json.config.credential_enabled).toBe(true);
  });
});

describe("OAuth refresh grant (auth-api 2.1)", () => {
  function oauthToken(fields: Record<string, string>) {
    return emulator.fetch(
      new Request("http://localhost/api/v1/auth/oauth/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8", accept: "application/json" },
        body: new URLSearchParams(fields).toString(),
      }),
    );
  }

  test("the client is checked before the grant: a bad client without refresh_token is INVALID_OAUTH_CLIENT_ID_OR_SECRET; a good one gets the library's raw invalid_request", async () => {
    const badClient = await oauthToken({ grant_type: "refresh_token", client_id: "not-the-project", client_secret: "__stack_public_client__" });
    expect(badClient.status).toBe(400);
    expect(badClient.headers.get("x-stack-known-error")).toBe("INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    // The client id may name a branch after `#`; the emulated project has only `main`.
    const badBranch = await oauthToken({ grant_type: "refresh_token", refresh_token: "x", client_id: `${emulator.project.id}#dev`, client_secret: "__stack_public_client__" });
    expect(badBranch.headers.get("x-stack-known-error")).toBe("INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    const missing = await oauthToken({ grant_type: "refresh_token", client_id: emulator.project.id, client_secret: "__stack_public_client__" });
    expect(missing.status).toBe(400);
    expect(missing.headers.get("x-stack-known-error")).toBeNull();
    expect(await missing.json()).toEqual({ error: "invalid_request", error_description: "Missing parameter: `refresh_token`" });
  });
});

describe("admin access tokens (hosted-api A.2, auth-api 5.2)", () => {
  test("admin access with an admin access token instead of the key: only a token of an internal-project user who manages the project is accepted", async () => {
    const adminToken = (token: string, projectId = emulator.project.id) =>
      call("GET", "/internal/config", { access: null, headers: { "x-stack-access-type": "admin", "x-stack-project-id": projectId, "x-stack-admin-access-token": token } });
    const garbage = await adminToken("not-a-jwt");
    expect(garbage.status).toBe(401);
    expect(garbage.json).toEqual({ code: "UNPARSABLE_ADMIN_ACCESS_TOKEN", error: "Admin access token is not parsable." });
    // A valid token of this project's own user is a token of the wrong project.
    const user = await signedInUser();
    const projectUser = await adminToken(user.accessToken);
    expect(projectUser.status).toBe(401);
    expect(projectUser.json).toEqual({ code: "ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN", error: "Admin access token does not have the required permissions to access this project." });
    // An internal-project user's token works for the projects their team owns, and only those.
    const owner = await signUpToInternal(emulator);
    const { projectId } = await createOwnedProject(emulator, owner);
    expect((await adminToken(owner.accessToken, projectId)).status).toBe(200);
    const notOwner = await adminToken(owner.accessToken);
    expect(notOwner.status).toBe(401);
    expect(notOwner.json.code).toBe("ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN");
    // The super secret admin key still works, with no token beside it.
    expect((await call("GET", "/internal/config", { access: "admin" })).status).toBe(200);
  });
});

describe("known-error bodies of the header checks (hosted-api A.2, A.4)", () => {
  test("INVALID_ACCESS_TYPE carries no details; RESTRICTED_USER_NOT_ALLOWED names the reason and the header", async () => {
    const bad = await call("GET", "/projects/current", { access: null, headers: { "x-stack-access-type": "root", "x-stack-project-id": emulator.project.id } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ code: "INVALID_ACCESS_TYPE", error: "The x-stack-access-type header must be 'client', 'server', or 'admin', but was 'root'." });
    const restricted = await signedInUser({ restricted_by_admin: true });
    const refused = await call("GET", "/users/me", { token: restricted.accessToken, allowAnonymous: false });
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({
      code: "RESTRICTED_USER_NOT_ALLOWED",
      details: { restricted_reason: { type: "restricted_by_administrator" } },
      error: "The user in the access token is in restricted state. Reason: restricted_by_administrator. Please pass the X-Stack-Allow-Restricted-User header if this is intended.",
    });
  });
});
