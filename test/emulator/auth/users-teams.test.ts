import { afterAll, describe, expect, test } from "vitest";
import { createProjectEmulator } from "../../../src/testing.js";
import { ensureClientCanAccessCustomer, ensureCustomerExists } from "../../../src/emulator/customer-access.js";
import type { Route } from "../../../src/emulator/http.js";
import { createApi } from "../platform/api.js";

const extraRoutes: Route[] = [
  {
    method: "GET",
    path: "/test/customer/:customer_type/:customer_id",
    access: "client",
    async handler(ctx) {
      const type = ctx.params.customer_type as "user" | "team" | "custom";
      await ensureClientCanAccessCustomer(ctx, type, ctx.params.customer_id!, "Clients can only read their own things.");
      await ensureCustomerExists(ctx, type, ctx.params.customer_id!);
      return { ok: true };
    },
  },
];

const emulator = createProjectEmulator({ extraRoutes });
const { call, signedInUser, updateConfig } = createApi(emulator);
afterAll(() => emulator.close());

const CLIENT_USER_KEYS = [
  "auth_with_email", "client_metadata", "client_read_only_metadata", "display_name", "has_password", "id", "is_anonymous", "is_restricted",
  "oauth_providers", "otp_auth_enabled", "passkey_auth_enabled", "primary_email", "primary_email_verified", "profile_image_url",
  "requires_totp_mfa", "restricted_by_admin", "restricted_by_admin_reason", "restricted_reason", "selected_team", "selected_team_id",
  "signed_up_at_millis",
];
const SERVER_USER_KEYS = [
  ...CLIENT_USER_KEYS, "country_code", "last_active_at_millis", "primary_email_auth_enabled", "restricted_by_admin_private_details", "risk_scores", "server_metadata",
].sort();
const CLIENT_TEAM_KEYS = ["client_metadata", "client_read_only_metadata", "display_name", "id", "profile_image_url"];
const SERVER_TEAM_KEYS = [...CLIENT_TEAM_KEYS, "created_at_millis", "server_metadata"].sort();

describe("users", () => {
  test("client and server views have exactly the contract's keys", async () => {
    const { userId, accessToken } = await signedInUser({ display_name: "Vee", server_metadata: { secret: 1 }, client_read_only_metadata: { plan: "x" } });
    const client = await call("GET", "/users/me", { token: accessToken });
    expect(Object.keys(client.json).sort()).toEqual(CLIENT_USER_KEYS);
    expect(client.json).toMatchObject({ id: userId, display_name: "Vee", client_read_only_metadata: { plan: "x" }, has_password: false, is_anonymous: false });
    const server = await call("GET", "/users/me", { access: "server", token: accessToken });
    expect(Object.keys(server.json).sort()).toEqual(SERVER_USER_KEYS);
    expect(server.json.server_metadata).toEqual({ secret: 1 });
    expect(server.json.risk_scores).toEqual({ sign_up: { bot: 0, free_trial_abuse: 0 } });
    const byId = await call("GET", `/users/${userId}`, { access: "server" });
    expect(Object.keys(byId.json).sort()).toEqual(SERVER_USER_KEYS);
  });

  test("POST /users answers 201; {} is valid; email rules", async () => {
    const empty = await call("POST", "/users", { access: "server", body: {} });
    expect(empty.status).toBe(201);
    const noEmail = await call("POST", "/users", { access: "server", body: { primary_email_auth_enabled: true } });
    expect(noEmail.status).toBe(400);
    expect(noEmail.headers.get("x-stack-known-error")).toBeNull();
    const address = `p-${crypto.randomUUID()}@example.com`;
    const withPw = await call("POST", "/users", { access: "server", body: { primary_email: address, primary_email_auth_enabled: true, password: "hunter22!" } });
    expect(withPw.status).toBe(201);
    expect(withPw.json.has_password).toBe(true);
    const signIn = await call("POST", "/auth/password/sign-in", { body: { email: address, password: "hunter22!" } });
    expect(signIn.json.user_id).toBe(withPw.json.id);
    const dup = await call("POST", "/users", { access: "server", body: { primary_email: address, primary_email_auth_enabled: true } });
    expect(dup.status).toBe(409);
    expect(dup.json.code).toBe("USER_EMAIL_ALREADY_EXISTS");
  });

  test("concurrent creations racing for one auth email: one 201, the rest 409, never 500", async () => {
    const address = `race-${crypto.randomUUID()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => call("POST", "/users", { access: "server", body: { primary_email: address, primary_email_auth_enabled: true } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.json.code).toBe("USER_EMAIL_ALREADY_EXISTS");
  });

  test("client PATCH /users/me accepts only client fields; server PATCH more", async () => {
    const { userId, accessToken } = await signedInUser();
    const bad = await call("PATCH", "/users/me", { token: accessToken, body: { server_metadata: { a: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.json.details.message).toContain("body contains unknown properties: server_metadata");
    const ok = await call("PATCH", "/users/me", { token: accessToken, body: { display_name: "New", client_metadata: { theme: "dark" } } });
    expect(ok.json).toMatchObject({ display_name: "New", client_metadata: { theme: "dark" } });
    const image = await call("PATCH", "/users/me", { token: accessToken, body: { profile_image_url: "https://example.com/a.png" } });
    expect(image.status).toBe(400);
    expect(image.text).toBe("Invalid profile image URL");
    const server = await call("PATCH", `/users/${userId}`, { access: "server", body: { server_metadata: { vip: true }, client_read_only_metadata: { tier: 2 } } });
    expect(server.json).toMatchObject({ server_metadata: { vip: true }, client_read_only_metadata: { tier: 2 } });
    const team = await call("PATCH", "/users/me", { token: accessToken, body: { selected_team_id: crypto.randomUUID() } });
    expect(team.json.code).toBe("TEAM_MEMBERSHIP_NOT_FOUND");
  });

  test("users/me without a user, unknown and malformed ids, client listing", async () => {
    const me = await call("GET", "/users/me");
    expect(me.status).toBe(400);
    expect(me.json).toEqual({ code: "CANNOT_GET_OWN_USER_WITHOUT_USER", error: "You have specified 'me' as a userId, but did not provide authentication for a user." });
    const unknown = await call("GET", `/users/${crypto.randomUUID()}`, { access: "server" });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ code: "USER_NOT_FOUND", error: "User not found." });
    const malformed = await call("GET", "/users/not-a-uuid", { access: "server" });
    expect(malformed.json.details.message).toContain("params.user_id must be a valid UUID");
    const list = await call("GET", "/users", { access: "client" });
    expect(list.status).toBe(401);
    expect(list.json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    const patchUnknown = await call("PATCH", `/users/${crypto.randomUUID()}`, { access: "server", body: {} });
    expect(patchUnknown.json.code).toBe("USER_NOT_FOUND");
  });

  test("client deletion of self needs the config switch", async () => {
    const { userId, accessToken } = await signedInUser();
    const refused = await call("DELETE", "/users/me", { token: accessToken });
    expect(refused.status).toBe(400);
    expect(refused.text).toBe("Client user deletion is not enabled for this project");
    await updateConfig({ "users.allowClientUserDeletion": true });
    try {
      expect((await call("DELETE", "/users/me", { token: accessToken })).json).toEqual({ success: true });
      expect((await call("GET", `/users/${userId}`, { access: "server" })).status).toBe(404);
    } finally {
      await updateConfig({ "users.allowClientUserDeletion": false });
    }
  });

  test("listing pages with an inclusive cursor and hides anonymous users by default", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call("POST", "/users", { access: "server", body: { display_name: `list-${tag}-${i}` } })).json.id);
    await call("POST", "/users", { access: "server", body: { display_name: `list-${tag}-anon`, is_anonymous: true } });
    const page1 = await call("GET", `/users?query=list-${tag}&limit=2`, { access: "server" });
    expect(page1.json.items.map((u: { id: string }) => u.id)).toEqual(ids.slice(0, 2));
    expect(page1.json.is_paginated).toBe(true);
    expect(page1.json.pagination.next_cursor).toBe(ids[2]);
    const page2 = await call("GET", `/users?query=list-${tag}&limit=2&cursor=${ids[2]}`, { access: "server" });
    expect(page2.json.items.map((u: { id: string }) => u.id)).toEqual([ids[2]]);
    expect(page2.json.pagination.next_cursor).toBeNull();
    const withAnon = await call("GET", `/users?query=list-${tag}&include_anonymous=true`, { access: "server" });
    expect(withAnon.json.items).toHaveLength(4);
    const onlyAnon = await call("GET", `/users?query=list-${tag}&only_anonymous=true`, { access: "server" });
    expect(onlyAnon.status).toBe(400);
    expect(onlyAnon.text).toBe("only_anonymous=true requires include_anonymous=true");
    const unknownKey = await call("GET", `/users?foo=1`, { access: "server" });
    expect(unknownKey.json.details.message).toContain("query contains unknown properties: foo");
  });
});

describe("teams", () => {
  test("client team creation is off by default, then the creator becomes team_admin", async () => {
    const { userId, accessToken } = await signedInUser();
    const refused = await call("POST", "/teams", { token: accessToken, body: { display_name: "Nope", creator_user_id: "me" } });
    expect(refused.status).toBe(403);
    expect(refused.text).toBe("Client team creation is disabled for this project");
    await updateConfig({ "teams.allowClientTeamCreation": true });
    try {
      const created = await call("POST", "/teams", { token: accessToken, body: { display_name: "Mine", creator_user_id: "me" } });
      expect(created.status).toBe(201);
      expect(Object.keys(created.json).sort()).toEqual(CLIENT_TEAM_KEYS);
      const teamId = created.json.id;
      const direct = await call("GET", `/team-permissions?team_id=${teamId}&user_id=me`, { token: accessToken });
      expect(direct.json).toEqual({ items: [{ id: "team_admin", team_id: teamId, user_id: userId }], is_paginated: false });
      const recursive = await call("GET", `/team-permissions?team_id=${teamId}&user_id=me&recursive=true`, { token: accessToken });
      expect(recursive.json.items.map((p: { id: string }) => p.id)).toEqual([
        "$delete_team", "$invite_members", "$manage_api_keys", "$read_members", "$remove_members", "$update_team", "team_admin",
      ]);
      const other = await call("POST", "/teams", { token: accessToken, body: { display_name: "X", creator_user_id: crypto.randomUUID() } });
      expect(other.status).toBe(403);
      expect(other.text).toBe("You cannot create a team as a user that is not yourself. Make sure you set the creator_user_id to 'me'.");
      const serverOnlyField = await call("POST", "/teams", { token: accessToken, body: { display_name: "X", server_metadata: {} } });
      expect(serverOnlyField.json.details.message).toContain("body contains unknown properties: server_metadata");
      const list = await call("GET", "/teams?user_id=me", { token: accessToken });
      expect(list.json).toEqual({ items: [created.json], is_paginated: false });
      const select = await call("PATCH", "/users/me", { token: accessToken, body: { selected_team_id: teamId } });
      expect(select.json.selected_team).toEqual(created.json);
    } finally {
      await updateConfig({ "teams.allowClientTeamCreation": false });
    }
  });

  test("server teams, memberships, member permissions and their errors", async () => {
    const owner = await signedInUser();
    const member = await signedInUser();
    const team = await call("POST", "/teams", { access: "server", body: { display_name: "Srv", creator_user_id: owner.userId, server_metadata: { a: 1 } } });
    expect(team.status).toBe(201);
    expect(Object.keys(team.json).sort()).toEqual(SERVER_TEAM_KEYS);
    const teamId = team.json.id;
    const add = await call("POST", `/team-memberships/${teamId}/${member.userId}`, { access: "server", body: {} });
    expect(add.status).toBe(201);
    expect(add.json).toEqual({ team_id: teamId, user_id: member.userId });
    const again = await call("POST", `/team-memberships/${teamId}/${member.userId}`, { access: "server", body: {} });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe("TEAM_MEMBERSHIP_ALREADY_EXISTS");
    expect((await call("POST", `/team-memberships/${teamId}/${crypto.randomUUID()}`, { access: "server", body: {} })).json.code).toBe("USER_NOT_FOUND");
    const missingTeam = crypto.randomUUID();
    expect((await call("POST", `/team-memberships/${missingTeam}/${member.userId}`, { access: "server", body: {} })).json).toMatchObject({
      code: "TEAM_NOT_FOUND",
      details: { team_id: missingTeam },
    });
    const perms = await call("GET", `/team-permissions?team_id=${teamId}&user_id=me`, { token: member.accessToken });
    expect(perms.json.items.map((p: { id: string }) => p.id)).toEqual(["team_member"]);
    // A member without $update_team cannot rename; the owner can.
    const rename = await call("PATCH", `/teams/${teamId}`, { token: member.accessToken, body: { display_name: "Hacked" } });
    expect(rename.status).toBe(401);
    expect(rename.json).toMatchObject({ code: "TEAM_PERMISSION_REQUIRED", details: { team_id: teamId, user_id: member.userId, permission_id: "$update_team" } });
    expect((await call("PATCH", `/teams/${teamId}`, { token: owner.accessToken, body: { display_name: "Renamed" } })).json.display_name).toBe("Renamed");
    const outsider = await signedInUser();
    const read = await call("GET", `/teams/${teamId}`, { token: outsider.accessToken });
    expect(read.status).toBe(404);
    expect(read.json).toEqual({
      code: "TEAM_MEMBERSHIP_NOT_FOUND",
      details: { team_id: teamId, user_id: outsider.userId },
      error: `User ${outsider.userId} is not found in team ${teamId}.`,
    });
    expect((await call("GET", `/teams/${missingTeam}`, { access: "server" })).json.code).toBe("TEAM_NOT_FOUND");
    const otherList = await call("GET", `/teams?user_id=${owner.userId}`, { token: member.accessToken });
    expect(otherList.status).toBe(403);
    expect(otherList.text).toBe('Client can only list teams for their own user. user_id must be either "me" or the ID of the current user');
    const otherPerms = await call("GET", `/team-permissions?user_id=${owner.userId}`, { token: member.accessToken });
    expect(otherPerms.status).toBe(403);
    // Members may leave; removing others needs $remove_members.
    const kick = await call("DELETE", `/team-memberships/${teamId}/${owner.userId}`, { token: member.accessToken });
    expect(kick.json.code).toBe("TEAM_PERMISSION_REQUIRED");
    expect((await call("DELETE", `/team-memberships/${teamId}/me`, { token: member.accessToken })).json).toEqual({ success: true });
    expect((await call("GET", `/teams?user_id=me`, { token: member.accessToken })).json.items).toEqual([]);
    expect((await call("DELETE", `/teams/${teamId}`, { token: owner.accessToken })).json).toEqual({ success: true });
    expect((await call("GET", `/teams/${teamId}`, { access: "server" })).status).toBe(404);
  });

  test("team-permission grants and revocations (server)", async () => {
    const owner = await signedInUser();
    const team = await call("POST", "/teams", { access: "server", body: { display_name: "P", creator_user_id: owner.userId } });
    const teamId = team.json.id;
    const grant = await call("POST", `/team-permissions/${teamId}/${owner.userId}/$read_members`, { access: "server", body: {} });
    expect(grant.status).toBe(201);
    expect((await call("POST", `/team-permissions/${teamId}/${owner.userId}/nope`, { access: "server", body: {} })).json.code).toBe("PERMISSION_NOT_FOUND");
    expect((await call("DELETE", `/team-permissions/${teamId}/${owner.userId}/team_admin`, { access: "server" })).json).toEqual({ success: true });
    const missing = await call("DELETE", `/team-permissions/${teamId}/${owner.userId}/team_admin`, { access: "server" });
    expect(missing.status).toBe(401);
    expect(missing.json.code).toBe("TEAM_PERMISSION_NOT_FOUND");
  });
});

describe("customer access (contract A.3)", () => {
  test("client rules for user, custom and team customers; server may act on anyone", async () => {
    const me = await signedInUser();
    const other = await signedInUser();
    const noUser = await call("GET", `/test/customer/user/${me.userId}`);
    expect(noUser.json.code).toBe("USER_AUTHENTICATION_REQUIRED");
    expect((await call("GET", `/test/customer/user/${me.userId}`, { token: me.accessToken })).json).toEqual({ ok: true });
    const otherUser = await call("GET", `/test/customer/user/${other.userId}`, { token: me.accessToken });
    expect(otherUser.status).toBe(403);
    expect(otherUser.text).toBe("Clients can only read their own things.");
    expect((await call("GET", `/test/customer/custom/abc`, { token: me.accessToken })).status).toBe(403);
    const team = await call("POST", "/teams", { access: "server", body: { display_name: "T", creator_user_id: me.userId } });
    await call("POST", `/team-memberships/${team.json.id}/${other.userId}`, { access: "server", body: {} });
    expect((await call("GET", `/test/customer/team/${team.json.id}`, { token: me.accessToken })).json).toEqual({ ok: true });
    const plainMember = await call("GET", `/test/customer/team/${team.json.id}`, { token: other.accessToken });
    expect(plainMember.status).toBe(401);
    expect(plainMember.json).toEqual({
      code: "TEAM_PERMISSION_REQUIRED",
      details: { team_id: team.json.id, user_id: other.userId, permission_id: "team_admin" },
      error: `User ${other.userId} does not have permission team_admin in team ${team.json.id}.`,
    });
    const missingTeam = await call("GET", `/test/customer/team/${crypto.randomUUID()}`, { token: me.accessToken });
    expect(missingTeam.json.code).toBe("TEAM_MEMBERSHIP_NOT_FOUND");
    // Server: existence checks only.
    expect((await call("GET", `/test/customer/custom/anything`, { access: "server" })).json).toEqual({ ok: true });
    expect((await call("GET", `/test/customer/user/not-a-uuid`, { access: "server" })).json.code).toBe("USER_NOT_FOUND");
    expect((await call("GET", `/test/customer/user/${crypto.randomUUID()}`, { access: "server" })).json.code).toBe("USER_NOT_FOUND");
    const teamMissing = await call("GET", `/test/customer/team/xyz`, { access: "server" });
    expect(teamMissing.json).toEqual({ code: "TEAM_NOT_FOUND", details: { team_id: "xyz" }, error: "Team xyz not found." });
  });
});
