// Attack probe: the re-check a revoking write asks for runs after its transaction committed, also
// when the write runs inside the idempotency layer's transaction (Idempotency-Key), so the stream
// ends at once rather than at its periodic check; a replay of the same key changes nothing.
import { afterAll, beforeAll, expect, test } from "vitest";
import { TEST_CONFIG } from "../payments/config.js";
import { BASE, createHarness, type Harness } from "../payments/harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openEnded(user: { id: string; token: string }): Promise<{ isEnded: () => boolean; comments: string[] }> {
  const headers = {
    "x-stack-access-type": "client",
    "x-stack-project-id": h.emulator.project.id,
    "x-stack-publishable-client-key": h.emulator.project.publishableClientKey,
    "x-stack-access-token": user.token,
    "x-stack-allow-anonymous-user": "true",
  };
  const res = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/user/${user.id}`, { headers }));
  expect(res.status).toBe(200);
  let ended = false;
  const comments: string[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const line of decoder.decode(value, { stream: true }).split("\n")) if (line.startsWith(":")) comments.push(line);
    }
  })()
    .catch(() => {})
    .finally(() => (ended = true));
  for (let t = 0; t < 100 && !comments.includes(": connected"); t++) await sleep(20);
  return { isEnded: () => ended, comments };
}

test("DELETE /users/{id} with an Idempotency-Key ends the user's stream at once; its replay answers the same", async () => {
  const user = await h.newUser();
  const stream = await openEnded(user);
  const key = `delete-${user.id}`;
  const first = await h.call("DELETE", `/users/${user.id}`, { headers: { "idempotency-key": key } });
  expect(first.status, first.text).toBe(200);
  for (let t = 0; t < 50 && !stream.isEnded(); t++) await sleep(20);
  expect(stream.isEnded(), "ended well before the periodic check (5 s)").toBe(true);
  expect(stream.comments).toContain(": closed: the caller no longer has access to this customer");
  const replay = await h.call("DELETE", `/users/${user.id}`, { headers: { "idempotency-key": key } });
  expect(replay.status).toBe(200);
  expect(replay.text).toBe(first.text);
});

test("a password set through PATCH /users/{id} (sessions revoked inside its transaction) ends the stream at once", async () => {
  const user = await h.newUser();
  const stream = await openEnded(user);
  const r = await h.call("PATCH", `/users/${user.id}`, { body: { password: "a-new-password-1234" }, headers: { "idempotency-key": `pw-${user.id}` } });
  expect(r.status, r.text).toBe(200);
  for (let t = 0; t < 50 && !stream.isEnded(); t++) await sleep(20);
  expect(stream.isEnded()).toBe(true);
});
