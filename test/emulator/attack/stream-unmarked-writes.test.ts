// Attack probe: writes that take a client's access away without being marked for an immediate
// stream re-check (a project config change, the test clock moving past every session's expiry).
// They are not marked, so the stream stays open until its periodic check (5 s); what must hold is
// that it delivers nothing after the change (every delivery re-checks access first) and that it
// does end at that periodic check.
import { afterAll, beforeAll, expect, test } from "vitest";
import { TEST_CONFIG } from "../payments/config.js";
import { BASE, createHarness, type Harness } from "../payments/harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

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

async function open(path: string, token: string) {
  const headers = {
    "x-stack-access-type": "client",
    "x-stack-project-id": h.emulator.project.id,
    "x-stack-publishable-client-key": h.emulator.project.publishableClientKey,
    "x-stack-access-token": token,
    "x-stack-allow-anonymous-user": "true",
  };
  const res = await h.emulator.fetch(new Request(`${BASE}/api/v1${path}`, { headers }));
  expect(res.status).toBe(200);
  return read(res);
}

async function expectNothingAfterThenEnded(stream: ReturnType<typeof read>, bump: () => Promise<void>): Promise<void> {
  await bump();
  await sleep(500);
  expect(stream.events).toHaveLength(0);
  for (let t = 0; t < 60 && !stream.isEnded(); t++) await sleep(100);
  expect(stream.isEnded()).toBe(true);
  expect(stream.comments).toContain(": closed: the caller no longer has access to this customer");
}

test("team_admin removed from the project's permissions: the team's stream gets nothing more and ends at its periodic check", async () => {
  const admin = await h.newUser();
  const team = await h.newTeam(admin.token);
  const stream = await open(`/payments/events/team/${team}`, admin.token);
  const bump = async () =>
    expect((await h.call("POST", `/payments/items/team/${team}/team_credits/update-quantity?allow_negative=false`, { body: { delta: 1 } })).status).toBe(200);
  await bump();
  for (let t = 0; t < 100 && stream.events.length < 1; t++) await sleep(20);
  expect(stream.events).toHaveLength(1);
  stream.events.length = 0;
  // team_admin is no longer a defined permission: nobody holds it, the stream's caller included.
  const r = await h.call("PATCH", "/internal/config/override/environment", {
    access: "admin",
    body: { config_override_string: JSON.stringify({ "rbac.permissions.team_admin": null }) },
  });
  expect(r.status, r.text).toBe(200);
  const read403 = await h.call("GET", `/payments/items/team/${team}/team_credits`, { access: { token: admin.token } });
  expect(read403.status, "the config change took team access away").not.toBe(200);
  await expectNothingAfterThenEnded(stream, bump);
}, 15_000);

test("the test clock moved past the session's expiry: the stream gets nothing more and ends at its periodic check", async () => {
  const user = await h.newUser();
  const stream = await open(`/payments/events/user/${user.id}`, user.token);
  await h.advanceClock(548 * 24 * 60 * 60 * 1000);
  await expectNothingAfterThenEnded(stream, async () =>
    expect((await h.call("POST", `/payments/items/user/${user.id}/credits/update-quantity?allow_negative=false`, { body: { delta: 1 } })).status).toBe(200),
  );
}, 15_000);
