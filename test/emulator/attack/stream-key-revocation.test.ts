// Attack probe: a stream opened with a project key keeps its access after that key is revoked.
// Every other request with the revoked key is refused (401), so the stream should end too, or
// at least stop delivering; a client's stream opened with a revoked publishable key likewise.
import { afterAll, beforeAll, expect, test } from "vitest";
import { TEST_CONFIG } from "../payments/config.js";
import { BASE, createHarness, customId, type Harness } from "../payments/harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

/** Reads `data:` payloads and comments of an event stream in the background. */
function read(res: Response) {
  const events: unknown[] = [];
  const comments: string[] = [];
  let ended = false;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const done = (async () => {
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) return;
      buffer += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buffer.indexOf("\n\n")) >= 0) {
        for (const line of buffer.slice(0, i).split("\n")) {
          if (line.startsWith("data: ")) events.push(JSON.parse(line.slice(6)));
          else if (line.startsWith(":")) comments.push(line);
        }
        buffer = buffer.slice(i + 2);
      }
    }
  })()
    .catch(() => {})
    .finally(() => (ended = true));
  return { events, comments, isEnded: () => ended, close: () => reader.cancel().catch(() => {}).then(() => done) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newKeySet(): Promise<{ id: string; secret: string; publishable: string }> {
  const r = await h.call("POST", "/internal/api-keys", {
    access: "admin",
    body: { description: "probe", expires_at_millis: Date.now() + 86_400_000, has_publishable_client_key: true, has_secret_server_key: true, has_super_secret_admin_key: false },
  });
  expect(r.status, r.text).toBe(200);
  return { id: r.json.id, secret: r.json.secret_server_key, publishable: r.json.publishable_client_key };
}

async function revoke(id: string): Promise<void> {
  const r = await h.call("PATCH", `/internal/api-keys/${id}`, { access: "admin", body: { revoked: true } });
  expect(r.status, r.text).toBe(200);
}

test("a server stream opened with a secret key ends (or stops delivering) once the key is revoked", async () => {
  const keys = await newKeySet();
  const customer = customId();
  const headers = { "x-stack-access-type": "server", "x-stack-project-id": h.emulator.project.id, "x-stack-secret-server-key": keys.secret };
  const res = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/custom/${customer}`, { headers }));
  expect(res.status).toBe(200);
  const stream = read(res);
  const bump = async () =>
    expect((await h.call("POST", `/payments/items/custom/${customer}/custom_credits/update-quantity?allow_negative=false`, { body: { delta: 1 } })).status).toBe(200);
  await bump();
  for (let t = 0; t < 100 && stream.events.length < 1; t++) await sleep(20);
  expect(stream.events).toHaveLength(1);

  await revoke(keys.id);
  // The key no longer opens anything...
  const refused = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/custom/${customer}`, { headers }));
  expect(refused.status).toBe(401);
  // ...and past the periodic access check (5 s), the open stream has nothing more either.
  await sleep(5_600);
  await bump();
  await sleep(800);
  const delivered = stream.events.length;
  const ended = stream.isEnded();
  await stream.close();
  expect({ deliveredAfterRevocation: delivered - 1, ended }).toEqual({ deliveredAfterRevocation: 0, ended: true });
}, 20_000);

test("a client stream opened with a publishable key ends (or stops delivering) once that key is revoked", async () => {
  const keys = await newKeySet();
  const user = await h.newUser();
  const headers = {
    "x-stack-access-type": "client",
    "x-stack-project-id": h.emulator.project.id,
    "x-stack-publishable-client-key": keys.publishable,
    "x-stack-access-token": user.token,
    "x-stack-allow-anonymous-user": "true",
  };
  const res = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/user/${user.id}`, { headers }));
  expect(res.status).toBe(200);
  const stream = read(res);
  await revoke(keys.id);
  const refused = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/user/${user.id}`, { headers }));
  expect(refused.status).toBe(401);
  await sleep(5_600);
  expect((await h.call("POST", `/payments/items/user/${user.id}/credits/update-quantity?allow_negative=false`, { body: { delta: 1 } })).status).toBe(200);
  await sleep(800);
  const delivered = stream.events.length;
  const ended = stream.isEnded();
  await stream.close();
  expect({ deliveredAfterRevocation: delivered, ended }).toEqual({ deliveredAfterRevocation: 0, ended: true });
}, 20_000);

test("a server stream of a project that is then deleted ends at its periodic check", async () => {
  const p = await h.emulator.createProject({ config: TEST_CONFIG });
  const headers = { "x-stack-access-type": "server", "x-stack-project-id": p.id, "x-stack-secret-server-key": p.secretServerKey };
  const res = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/custom/${customId()}`, { headers }));
  expect(res.status).toBe(200);
  const stream = read(res);
  const deleted = await h.emulator.fetch(
    new Request(`${BASE}/api/v1/internal/projects/current`, {
      method: "DELETE",
      headers: { "x-stack-access-type": "admin", "x-stack-project-id": p.id, "x-stack-super-secret-admin-key": p.superSecretAdminKey },
    }),
  );
  expect(deleted.status, await deleted.text()).toBe(200);
  for (let t = 0; t < 70 && !stream.isEnded(); t++) await sleep(100);
  const ended = stream.isEnded();
  await stream.close();
  expect(ended).toBe(true);
}, 20_000);
