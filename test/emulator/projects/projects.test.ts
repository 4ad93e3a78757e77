// Projects as on the hosted API, driven the way Stack Auth's own e2e helpers drive them: sign up
// to the internal project, create a project, get its keys, switch to it; read and change the
// current project; set up payments.
import { afterAll, describe, expect, test } from "vitest";
import { DEFAULT_PROJECT } from "../../../src/emulator/defaults.js";
import { INTERNAL_PROJECT } from "../../../src/emulator/projects/store.js";
import { createProjectEmulator, getWorkerEmulator } from "../../../src/testing.js";
import { adminByToken, byKey, caller, createOwnedProject, internalClient, internalServer, signUpToInternal } from "./hosted-flow.js";

const emulator = createProjectEmulator();
const call = caller(emulator);
afterAll(() => emulator.close());

const PRODUCTS = {
  items: { credits: { displayName: "Credits", customerType: "user" } },
  products: {
    pack: { displayName: "Pack", customerType: "user", stackable: true, prices: { once: { USD: "5" } }, includedItems: { credits: { quantity: 10 } } },
  },
};

describe("the internal project", () => {
  test("exists with the hosted development keys; its users get a personal team to own projects with", async () => {
    const owner = await signUpToInternal(emulator);
    expect(owner.teamId).toMatch(/^[0-9a-f-]{36}$/);
    const me = await call("GET", "/users/me", internalClient(owner.accessToken));
    expect(me.json.id).toBe(owner.userId);
    const current = await call("GET", "/projects/current", byKey(INTERNAL_PROJECT.id, "client", INTERNAL_PROJECT.publishableClientKey));
    expect(current.json).toMatchObject({ id: "internal", display_name: "Stack Dashboard" });
  });

  test("project routes need a signed-in user of the internal project", async () => {
    const anonymous = await call("GET", "/internal/projects", internalClient());
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual({ code: "USER_AUTHENTICATION_REQUIRED", error: "User authentication required for this endpoint." });
    const noProject = await call("GET", "/internal/projects", { "x-stack-access-type": "client" });
    expect(noProject.json.code).toBe("ACCESS_TYPE_WITHOUT_PROJECT_ID");
    // A user of any other project is not an owner of projects.
    const p = emulator.project;
    const user = await call("POST", "/users", byKey(p.id, "server", p.secretServerKey), {});
    const session = await call("POST", "/auth/sessions", byKey(p.id, "server", p.secretServerKey), { user_id: user.json.id });
    const elsewhere = await call("GET", "/internal/projects", { ...byKey(p.id, "client", p.publishableClientKey), "x-stack-access-token": session.json.access_token });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.json).toEqual({ code: "EXPECTED_INTERNAL_PROJECT", error: "The project ID is expected to be internal." });
  });
});

describe("creating a project (POST /internal/projects)", () => {
  test("answers 201 with the admin view; the hosted defaults and the given config apply", async () => {
    const owner = await signUpToInternal(emulator);
    const { created, projectId } = await createOwnedProject(emulator, owner, { display_name: "Test Project", config: { magic_link_enabled: true } });
    expect(created.json).toEqual({
      id: projectId,
      display_name: "Test Project",
      description: "",
      logo_url: null,
      logo_full_url: null,
      logo_dark_mode_url: null,
      logo_full_dark_mode_url: null,
      created_at_millis: expect.any(Number),
      is_production_mode: false,
      owner_team_id: owner.teamId,
      onboarding_status: "completed",
      config: {
        allow_localhost: true,
        client_team_creation_enabled: false,
        client_user_deletion_enabled: false,
        sign_up_enabled: true,
        oauth_account_merge_strategy: "link_method",
        create_team_on_sign_up: false,
        credential_enabled: true,
        magic_link_enabled: true,
        passkey_enabled: false,
        oauth_providers: [],
        enabled_oauth_providers: [],
        domains: [],
        email_config: { type: "shared" },
        email_theme: expect.stringMatching(/^[0-9a-f-]{36}$/),
        team_creator_default_permissions: [{ id: "team_admin" }],
        team_member_default_permissions: [{ id: "team_member" }],
        user_default_permissions: [],
        allow_user_api_keys: false,
        allow_team_api_keys: false,
      },
    });
    const listed = await call("GET", "/internal/projects", internalClient(owner.accessToken));
    expect(listed.json).toEqual({ items: [created.json], is_paginated: false });
  });

  test("the owner team must be one of the user's teams; the body is validated", async () => {
    const owner = await signUpToInternal(emulator);
    const other = await signUpToInternal(emulator);
    const foreign = await call("POST", "/internal/projects", internalClient(owner.accessToken), { display_name: "X", owner_team_id: other.teamId });
    expect(foreign.status).toBe(404);
    expect(foreign.json).toMatchObject({ code: "TEAM_MEMBERSHIP_NOT_FOUND", details: { team_id: other.teamId, user_id: owner.userId } });
    const bad = await call("POST", "/internal/projects", internalClient(owner.accessToken), { display_name: "", owner_team_id: "nope", colour: "red" });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("SCHEMA_ERROR");
    expect(bad.json.details.message).toContain("body contains unknown properties: colour");
    expect(bad.json.details.message).toContain("body.owner_team_id must be a valid UUID");
    // Nothing was created by the refused requests.
    expect((await call("GET", "/internal/projects", internalClient(owner.accessToken))).json.items).toEqual([]);
  });

  test("switching to it: the user's token is admin access (and server access) to it; its keys work; other users get nothing", async () => {
    const owner = await signUpToInternal(emulator);
    const { projectId, keys } = await createOwnedProject(emulator, owner);
    const current = await call("GET", "/internal/projects/current", adminByToken(projectId, owner.accessToken));
    expect(current.json.id).toBe(projectId);
    // As hosted, a valid admin access token stands in for the key of any access type.
    const asServer = await call("POST", "/users", adminByToken(projectId, owner.accessToken, "server"), { display_name: "made with the token" });
    expect(asServer.status).toBe(201);
    const byServerKey = await call("GET", `/users/${asServer.json.id}`, byKey(projectId, "server", keys.secretServerKey));
    expect(byServerKey.json.display_name).toBe("made with the token");
    expect((await call("GET", "/projects/current", byKey(projectId, "client", keys.publishableClientKey))).json.id).toBe(projectId);
    expect((await call("GET", "/internal/config", byKey(projectId, "admin", keys.superSecretAdminKey))).status).toBe(200);
    const stranger = await signUpToInternal(emulator);
    const refused = await call("GET", "/internal/projects/current", adminByToken(projectId, stranger.accessToken));
    expect(refused.status).toBe(401);
    expect(refused.json.code).toBe("ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN");
    expect((await call("GET", "/internal/projects", internalClient(stranger.accessToken))).json.items).toEqual([]);
  });

  test("a deleted owner's token is refused with the hosted text", async () => {
    const owner = await signUpToInternal(emulator);
    const { projectId } = await createOwnedProject(emulator, owner);
    expect((await call("DELETE", `/users/${owner.userId}`, internalServer)).status).toBe(200);
    const res = await call("GET", "/internal/projects/current", adminByToken(projectId, owner.accessToken));
    expect(res.status).toBe(401);
    expect(res.text).toBe("The user associated with the admin access token is no longer valid. Please refresh the admin access token and try again.");
  });
});

describe("the current project (/internal/projects/current)", () => {
  test("PATCH changes its fields and legacy config; the client view follows", async () => {
    const owner = await signUpToInternal(emulator);
    const { projectId, keys } = await createOwnedProject(emulator, owner);
    const patched = await call("PATCH", "/internal/projects/current", adminByToken(projectId, owner.accessToken), {
      display_name: "Renamed",
      description: "about it",
      config: { sign_up_enabled: false, client_team_creation_enabled: true, domains: [{ domain: "https://shop.example.com", handler_path: "/handler" }] },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ display_name: "Renamed", description: "about it", config: { sign_up_enabled: false, client_team_creation_enabled: true } });
    const client = await call("GET", "/projects/current", byKey(projectId, "client", keys.publishableClientKey));
    expect(client.json).toMatchObject({
      id: projectId,
      display_name: "Renamed",
      config: { sign_up_enabled: false, client_team_creation_enabled: true, domains: [{ domain: "https://shop.example.com", handler_path: "/handler" }] },
    });
  });

  test("DELETE removes the project and all its data; other projects are untouched", async () => {
    const owner = await signUpToInternal(emulator);
    const { projectId, keys } = await createOwnedProject(emulator, owner);
    const user = await call("POST", "/users", byKey(projectId, "server", keys.secretServerKey), {});
    expect(user.status).toBe(201);
    const before = await getWorkerEmulator().db.query("SELECT 1 FROM users WHERE project_id = $1", [projectId]);
    expect(before.length).toBe(1);
    expect((await call("DELETE", "/internal/projects/current", adminByToken(projectId, owner.accessToken))).json).toEqual({ success: true });
    const gone = await call("GET", "/projects/current", byKey(projectId, "client", keys.publishableClientKey));
    expect(gone.status).toBe(400);
    expect(gone.json).toMatchObject({ code: "CURRENT_PROJECT_NOT_FOUND", details: { project_id: projectId } });
    for (const table of ["users", "signing_keys", "emulator_api_key_sets", "emulator_config_overrides"])
      expect(await getWorkerEmulator().db.query(`SELECT 1 FROM ${table} WHERE project_id = $1`, [projectId])).toEqual([]);
    expect((await call("GET", "/projects/current", byKey(emulator.project.id, "client", emulator.project.publishableClientKey))).status).toBe(200);
    const internalDelete = await call("DELETE", "/internal/projects/current", byKey(INTERNAL_PROJECT.id, "admin", INTERNAL_PROJECT.superSecretAdminKey));
    expect(internalDelete.status).toBe(400);
  });
});

describe("API key sets (/internal/api-keys)", () => {
  test("full keys are shown once; lists show the last four; revoked and expired keys are refused", async () => {
    const owner = await signUpToInternal(emulator);
    const { projectId, keys } = await createOwnedProject(emulator, owner);
    const admin = adminByToken(projectId, owner.accessToken);
    const listed = await call("GET", "/internal/api-keys", admin);
    expect(listed.json.items).toHaveLength(1);
    const set = listed.json.items[0];
    expect(set.secret_server_key).toEqual({ last_four: keys.secretServerKey.slice(-4) });
    expect(keys.secretServerKey).toMatch(/^ssk_[a-z2-7]{45}$/);
    const revoked = await call("PATCH", `/internal/api-keys/${set.id}`, admin, { revoked: true });
    expect(revoked.json.manually_revoked_at_millis).toEqual(expect.any(Number));
    const refused = await call("GET", "/users", byKey(projectId, "server", keys.secretServerKey));
    expect(refused.status).toBe(401);
    expect(refused.json.code).toBe("INVALID_SECRET_SERVER_KEY");
    const expired = await call("POST", "/internal/api-keys", admin, {
      description: "old",
      has_publishable_client_key: false,
      has_secret_server_key: true,
      has_super_secret_admin_key: false,
      expires_at_millis: 123,
    });
    expect(expired.json.publishable_client_key).toBeUndefined();
    expect((await call("GET", "/users", byKey(projectId, "server", expired.json.secret_server_key))).json.code).toBe("INVALID_SECRET_SERVER_KEY");
    expect((await call("GET", `/internal/api-keys/${crypto.randomUUID()}`, admin)).json.code).toBe("API_KEY_NOT_FOUND");
    expect((await call("GET", "/internal/api-keys", byKey(projectId, "server", keys.secretServerKey))).status).toBe(401);
  });
});

describe("payments setup", () => {
  test("a new project's payments are not set up until POST /internal/payments/setup; its Stripe account starts without charges", async () => {
    const owner = await signUpToInternal(emulator);
    const { projectId, keys } = await createOwnedProject(emulator, owner);
    const admin = adminByToken(projectId, owner.accessToken);
    const server = byKey(projectId, "server", keys.secretServerKey);
    expect((await call("PATCH", "/internal/config/override/environment", admin, { config_override_string: JSON.stringify({ payments: PRODUCTS }) })).status).toBe(200);
    const user = await call("POST", "/users", server, {});
    const purchase = { customer_type: "user", customer_id: user.json.id, product_id: "pack" };

    const notSetUp = await call("POST", "/payments/purchases/create-purchase-url", server, purchase);
    expect(notSetUp.status).toBe(400);
    expect(notSetUp.text).toBe("Payments are not set up in this Stack Auth project. Please go to the Stack Auth dashboard and complete the Payments onboarding.");
    const noAccount = await call("GET", "/internal/payments/stripe/account-info", admin);
    expect(noAccount.status).toBe(404);
    expect(noAccount.json.code).toBe("STRIPE_ACCOUNT_INFO_NOT_FOUND");
    for (const access of [server, byKey(projectId, "client", keys.publishableClientKey)]) {
      const refused = await call("POST", "/internal/payments/setup", access, {});
      expect(refused.status).toBe(401);
      expect(refused.json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    }

    const setup = await call("POST", "/internal/payments/setup", admin, {});
    expect(setup.status).toBe(200);
    expect(setup.json.url).toMatch(/\/stripe-onboarding\/acct_[A-Za-z0-9]{16}$/);
    const info = await call("GET", "/internal/payments/stripe/account-info", admin);
    const accountId = info.json.account_id as string;
    expect(info.json).toEqual({ account_id: accountId, charges_enabled: false, details_submitted: false, payouts_enabled: false });
    // Setting up again continues the same account.
    expect((await call("POST", "/internal/payments/setup", admin, {})).json.url).toBe(setup.json.url);

    const url = await call("POST", "/payments/purchases/create-purchase-url", server, purchase);
    expect(url.status).toBe(200);
    const code = (url.json.url as string).split("/purchase/")[1]!;
    const before = await call("POST", "/payments/purchases/validate-code", {}, { full_code: code });
    expect(before.json).toMatchObject({ project_id: projectId, stripe_account_id: accountId, charges_enabled: false, test_mode: true });

    // The onboarding link completes the account's onboarding.
    const page = await call("GET", setup.json.url, {});
    expect(page.text).toContain(accountId);
    expect((await call("POST", setup.json.url, {})).text).toContain("onboarding-done");
    expect((await call("GET", "/internal/payments/stripe/account-info", admin)).json).toEqual({
      account_id: accountId,
      charges_enabled: true,
      details_submitted: true,
      payouts_enabled: true,
    });
    // A code answers with the account as it was when its URL was created.
    expect((await call("POST", "/payments/purchases/validate-code", {}, { full_code: code })).json.charges_enabled).toBe(false);
    const later = await call("POST", "/payments/purchases/create-purchase-url", server, purchase);
    const laterCode = (later.json.url as string).split("/purchase/")[1]!;
    expect((await call("POST", "/payments/purchases/validate-code", {}, { full_code: laterCode })).json.charges_enabled).toBe(true);
    // The purchase lands in this project's ledger.
    expect((await call("POST", "/internal/payments/test-mode-purchase-session", {}, { full_code: laterCode, price_id: "once" })).status).toBe(200);
    expect((await call("GET", `/payments/items/user/${user.json.id}/credits`, server)).json.quantity).toBe(10);
  });

  test("the development project is already set up: purchase URLs work at once, with charges enabled", async () => {
    const dev = getWorkerEmulator().project;
    expect(dev).toMatchObject({ id: DEFAULT_PROJECT.id, secretServerKey: DEFAULT_PROJECT.secretServerKey });
    const server = byKey(dev.id, "server", dev.secretServerKey);
    const info = await call("GET", "/internal/payments/stripe/account-info", byKey(dev.id, "admin", dev.superSecretAdminKey));
    expect(info.json).toMatchObject({ account_id: expect.stringMatching(/^acct_/), charges_enabled: true });
    const inline = { display_name: "Inline", customer_type: "custom", server_only: true, prices: { once: { USD: "1" } }, included_items: {} };
    const url = await call("POST", "/payments/purchases/create-purchase-url", server, { customer_type: "custom", customer_id: "c1", product_inline: inline });
    expect(url.status).toBe(200);
    const code = (url.json.url as string).split("/purchase/")[1]!;
    const described = await call("POST", "/payments/purchases/validate-code", {}, { full_code: code });
    expect(described.json).toMatchObject({ project_id: dev.id, stripe_account_id: info.json.account_id, charges_enabled: true });
  });
});
