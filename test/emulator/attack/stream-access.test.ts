// Attack probes (this session's review): writes that take access away from an open event stream
// other than a user's own sign-out or a team change. Each must end the stream at once (well before
// its periodic 5 s check) and deliver nothing after: a revoked key (server and client streams, as
// every new request with it gets 401), a deleted project, a config change that undefines the
// permission a team's stream relied on, the test clock passing the session's expiry, and revoking
// writes run inside the idempotency layer's transaction (the re-check must see them committed).
// The dashboard's own streams (activity, payment emails), which the hub does not drive, likewise end
// once their admin key is revoked, their project deleted, or their owner's admin session gone.
import { afterAll, beforeAll, expect, test } from "vitest";
import { readEventStream, until, type OpenStream } from "../event-streams.js";
import { TEST_CONFIG } from "../payments/config.js";
import { adminByToken, byKey, caller, createOwnedProject, internalClient, signUpToInternal } from "../projects/hosted-flow.js";
import { BASE, createHarness, customId, type Harness } from "../payments/harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

/** Opens `GET /api/v1{path}` with `headers`; the answer must be a stream. */
async function open(path: string, headers: Record<string, string>): Promise<OpenStream> {
  const res = await h.emulator.fetch(new Request(`${BASE}/api/v1${path}`, { headers }));
  expect(res.status).toBe(200);
  const stream = readEventStream(res);
  await until(() => stream.comments.includes(": connected"), "the stream to open");
  return stream;
}

const clientHeaders = (token: string, publishableKey = h.emulator.project.publishableClientKey) => ({
  "x-stack-access-type": "client",
  "x-stack-project-id": h.emulator.project.id,
  "x-stack-publishable-client-key": publishableKey,
  "x-stack-access-token": token,
  "x-stack-allow-anonymous-user": "true",
});

/** After `revoke` the stream ends at once; `bump` (a change to its customer) then delivers nothing. */
async function expectEndedAtOnce(stream: OpenStream, revoke: () => Promise<void>, bump?: () => Promise<void>): Promise<void> {
  const before = stream.events.length;
  await revoke();
  await until(() => stream.isEnded(), "the stream to end after the revoking write", 2_500);
  await bump?.();
  expect(stream.events.length).toBe(before);
  expect(stream.comments).toContain(": closed: the caller no longer has access to this customer");
}

const bumper = (path: string, item: string) => async () => {
  const r = await h.call("POST", `/payments/items/${path}/${item}/update-quantity?allow_negative=false`, { body: { delta: 1 } });
  expect(r.status, r.text).toBe(200);
};

async function newKeySet(): Promise<{ id: string; secret: string; publishable: string; admin: string }> {
  const r = await h.call("POST", "/internal/api-keys", {
    access: "admin",
    body: { description: "probe", expires_at_millis: Date.now() + 86_400_000, has_publishable_client_key: true, has_secret_server_key: true, has_super_secret_admin_key: true },
  });
  expect(r.status, r.text).toBe(200);
  return { id: r.json.id, secret: r.json.secret_server_key, publishable: r.json.publishable_client_key, admin: r.json.super_secret_admin_key };
}

const revokeKeys = (id: string) => async () => {
  const r = await h.call("PATCH", `/internal/api-keys/${id}`, { access: "admin", body: { revoked: true } });
  expect(r.status, r.text).toBe(200);
};

test("a server stream ends once the secret key it was opened with is revoked, which opens nothing more", async () => {
  const keys = await newKeySet();
  const customer = customId();
  const headers = { "x-stack-access-type": "server", "x-stack-project-id": h.emulator.project.id, "x-stack-secret-server-key": keys.secret };
  const stream = await open(`/payments/events/custom/${customer}`, headers);
  const bump = bumper(`custom/${customer}`, "custom_credits");
  await bump();
  await until(() => stream.events.length === 1, "the first change");
  await expectEndedAtOnce(stream, revokeKeys(keys.id), bump);
  expect((await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/custom/${customer}`, { headers }))).status).toBe(401);
});

test("a client stream ends once the publishable key it was opened with is revoked", async () => {
  const keys = await newKeySet();
  const user = await h.newUser();
  const stream = await open(`/payments/events/user/${user.id}`, clientHeaders(user.token, keys.publishable));
  await expectEndedAtOnce(stream, revokeKeys(keys.id), bumper(`user/${user.id}`, "credits"));
});

test("a server stream of a project that is then deleted ends", async () => {
  const p = await h.emulator.createProject({ config: TEST_CONFIG });
  const headers = { "x-stack-access-type": "server", "x-stack-project-id": p.id, "x-stack-secret-server-key": p.secretServerKey };
  const stream = await open(`/payments/events/custom/${customId()}`, headers);
  await expectEndedAtOnce(stream, async () => {
    const deleted = await h.emulator.fetch(
      new Request(`${BASE}/api/v1/internal/projects/current`, {
        method: "DELETE",
        headers: { "x-stack-access-type": "admin", "x-stack-project-id": p.id, "x-stack-super-secret-admin-key": p.superSecretAdminKey },
      }),
    );
    expect(deleted.status, await deleted.text()).toBe(200);
  });
});

test("team_admin undefined in the project's config: the team's stream ends and gets nothing more", async () => {
  const admin = await h.newUser();
  const team = await h.newTeam(admin.token);
  const stream = await open(`/payments/events/team/${team}`, clientHeaders(admin.token));
  const bump = bumper(`team/${team}`, "team_credits");
  await bump();
  await until(() => stream.events.length === 1, "the first change");
  await expectEndedAtOnce(
    stream,
    async () => {
      const r = await h.call("PATCH", "/internal/config/override/environment", {
        access: "admin",
        body: { config_override_string: JSON.stringify({ "rbac.permissions.team_admin": null }) },
      });
      expect(r.status, r.text).toBe(200);
      const read = await h.call("GET", `/payments/items/team/${team}/team_credits`, { access: { token: admin.token } });
      expect(read.status, "the config change took team access away").not.toBe(200);
    },
    bump,
  );
  // Put the permission back for the tests after this one.
  const reset = await h.call("POST", "/internal/config/override/environment/reset-keys", { access: "admin", body: { keys: ["rbac.permissions.team_admin"] } });
  expect(reset.status, reset.text).toBe(200);
});

test("the test clock moved past the session's expiry: the stream ends and gets nothing more", async () => {
  const user = await h.newUser();
  const stream = await open(`/payments/events/user/${user.id}`, clientHeaders(user.token));
  await expectEndedAtOnce(stream, () => h.advanceClock(548 * 24 * 60 * 60 * 1000), bumper(`user/${user.id}`, "credits"));
});

test("revoking writes with an Idempotency-Key (run in its transaction) end the stream at once; a replay answers the same", async () => {
  const deleted = await h.newUser();
  const first = await open(`/payments/events/user/${deleted.id}`, clientHeaders(deleted.token));
  const key = `delete-${deleted.id}`;
  let answer = "";
  await expectEndedAtOnce(first, async () => {
    const r = await h.call("DELETE", `/users/${deleted.id}`, { headers: { "idempotency-key": key } });
    expect(r.status, r.text).toBe(200);
    answer = r.text;
  });
  const replay = await h.call("DELETE", `/users/${deleted.id}`, { headers: { "idempotency-key": key } });
  expect([replay.status, replay.text]).toEqual([200, answer]);

  // A new password revokes every session of the user inside the update's transaction.
  const user = await h.newUser();
  const second = await open(`/payments/events/user/${user.id}`, clientHeaders(user.token));
  await expectEndedAtOnce(second, async () => {
    const r = await h.call("PATCH", `/users/${user.id}`, { body: { password: "a-new-password-1234" }, headers: { "idempotency-key": `pw-${user.id}` } });
    expect(r.status, r.text).toBe(200);
  });
});

/** After `revoke`, a dashboard stream (activity, payment emails) ends at once, saying why. */
async function expectDashboardStreamEnded(stream: OpenStream, revoke: () => Promise<void>): Promise<void> {
  await revoke();
  await until(() => stream.isEnded(), "the dashboard stream to end after the revoking write", 2_500);
  expect(stream.comments).toContain(": closed: the caller no longer has access to this project");
}

test("the dashboard's activity stream ends once the admin key it was opened with is revoked", async () => {
  const keys = await newKeySet();
  const stream = await open("/internal/emulator/admin-events", byKey(h.emulator.project.id, "admin", keys.admin));
  await expectDashboardStreamEnded(stream, revokeKeys(keys.id));
});

test("the payment emails stream of a project that is then deleted ends", async () => {
  const p = await h.emulator.createProject({ config: TEST_CONFIG });
  const stream = await open("/internal/emulator/outbox/events", byKey(p.id, "admin", p.superSecretAdminKey));
  await expectDashboardStreamEnded(stream, async () => {
    const deleted = await caller(h.emulator)("DELETE", "/internal/projects/current", byKey(p.id, "admin", p.superSecretAdminKey));
    expect(deleted.status, deleted.text).toBe(200);
  });
});

test("an owner's dashboard stream (admin access token) lasts while the owner's session does, and ends once they sign out", async () => {
  const call = caller(h.emulator);
  const owner = await signUpToInternal(h.emulator);
  const { projectId, keys } = await createOwnedProject(h.emulator, owner);
  const stream = await open("/internal/emulator/admin-events", adminByToken(projectId, owner.accessToken));
  // A config change re-checks every stream of the project: the owner's session still grants it.
  const touch = async () => {
    const r = await call("PATCH", "/internal/config/override/environment", byKey(projectId, "admin", keys.superSecretAdminKey), {
      config_override_string: JSON.stringify({ "payments.testMode": true }),
    });
    expect(r.status, r.text).toBe(200);
  };
  await touch();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(stream.isEnded()).toBe(false);
  // Signed out of the internal project: the next re-check (here the next config change; else
  // within 5 s) ends the stream, though the access token itself has not expired.
  const signedOut = await call("DELETE", "/auth/sessions/current", internalClient(owner.accessToken));
  expect(signedOut.status, signedOut.text).toBe(200);
  await expectDashboardStreamEnded(stream, touch);
});
