// Event streams under abuse: streams are capped per caller and in total with a clear 429 and
// Retry-After, the rest of the API stays responsive at the cap (over real HTTP), and a client's
// open stream stops delivering once its caller loses access.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { EmulatorProject } from "../../../src/emulator/defaults.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/start-emulator.js";
import { workerStorage } from "../../fixtures/emulator-app.js";
import { readEventStream as readStream, until, type OpenStream } from "../event-streams.js";
import { TEST_CONFIG } from "../payments/config.js";
import { BASE, createHarness, customId, type Harness } from "../payments/harness.js";

describe("caps per caller and in total (in process)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness({ config: TEST_CONFIG, liveStreams: { maxPerCaller: 3, maxTotal: 5 } });
    await h.emulator.ready;
  });
  afterAll(() => h.close());

  const clientHeaders = (token: string) => ({
    "x-stack-access-type": "client",
    "x-stack-project-id": h.emulator.project.id,
    "x-stack-publishable-client-key": h.emulator.project.publishableClientKey,
    "x-stack-access-token": token,
    "x-stack-allow-anonymous-user": "true",
  });

  async function open(path: string, headers: Record<string, string>): Promise<OpenStream | Response> {
    const controller = new AbortController();
    const res = await h.emulator.fetch(new Request(`${BASE}/api/v1${path}`, { headers, signal: controller.signal }));
    return res.status === 200 ? readStream(res, controller) : res;
  }

  test("one caller gets 429 with Retry-After past its cap; others still get in; closing one frees a place", async () => {
    const a = await h.newUser();
    const b = await h.newUser();
    const mine: OpenStream[] = [];
    for (let i = 0; i < 3; i++) mine.push((await open(`/payments/events/user/${a.id}`, clientHeaders(a.token))) as OpenStream);
    expect(mine.every((s) => s.status === 200)).toBe(true);
    const refused = (await open(`/payments/events/user/${a.id}`, clientHeaders(a.token))) as Response;
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.text()).toContain("this caller already has 3");
    // Another caller is not affected by a's cap...
    const other = (await open(`/payments/events/user/${b.id}`, clientHeaders(b.token))) as OpenStream;
    expect(other.status).toBe(200);
    // ...until the emulator's total cap (5).
    const fifth = (await open(`/payments/events/user/${b.id}`, clientHeaders(b.token))) as OpenStream;
    expect(fifth.status).toBe(200);
    const full = (await open(`/payments/events/user/${b.id}`, clientHeaders(b.token))) as Response;
    expect(full.status).toBe(429);
    expect(await full.text()).toContain("the emulator already serves 5");
    // A closed stream gives its place back.
    await mine.pop()!.close();
    let again: OpenStream | Response | undefined;
    for (let t = 0; t < 50 && !(again instanceof Object && "events" in again); t++) {
      again = await open(`/payments/events/user/${a.id}`, clientHeaders(a.token));
      if (again instanceof Response) await new Promise((r) => setTimeout(r, 20));
    }
    expect((again as OpenStream).status).toBe(200);
    await Promise.all([...mine, other, fifth, again as OpenStream].map((s) => s.close()));
  });

  test("HEAD answers the stream's headers without opening one (nothing would ever read it)", async () => {
    const a = await h.newUser();
    for (let i = 0; i < 6; i++) {
      const head = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/user/${a.id}`, { method: "HEAD", headers: clientHeaders(a.token) }));
      expect(head.status).toBe(200);
      expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    }
    const get = (await open(`/payments/events/user/${a.id}`, clientHeaders(a.token))) as OpenStream;
    expect(get.status).toBe(200);
    await get.close();
  });

  test("server keys count as one caller of their project", async () => {
    const headers = {
      "x-stack-access-type": "server",
      "x-stack-project-id": h.emulator.project.id,
      "x-stack-secret-server-key": h.emulator.project.secretServerKey,
    };
    const streams: OpenStream[] = [];
    for (let i = 0; i < 3; i++) streams.push((await open(`/payments/events/custom/${customId()}`, headers)) as OpenStream);
    const refused = (await open(`/payments/events/custom/${customId()}`, headers)) as Response;
    expect(refused.status).toBe(429);
    await Promise.all(streams.map((s) => s.close()));
  });
});

describe("at the default cap, over real HTTP", () => {
  let running: RunningEmulator;
  const projects: EmulatorProject[] = [];
  beforeAll(async () => {
    running = await startEmulator({ ...workerStorage(), config: TEST_CONFIG });
    for (let i = 0; i < 10; i++) projects.push(await running.emulator.createProject({ config: TEST_CONFIG }));
  }, 120_000);
  afterAll(async () => {
    await running.close();
    for (const p of projects) await running.emulator.deleteProject(p.id);
  });

  const serverOf = (p: EmulatorProject) => ({
    "x-stack-access-type": "server",
    "x-stack-project-id": p.id,
    "x-stack-secret-server-key": p.secretServerKey,
    "content-type": "application/json",
  });

  test("200 streams on 200 customers: the 201st gets 429, normal requests answer promptly, events still arrive", async () => {
    const streams: OpenStream[] = [];
    try {
      // 10 callers (one server key per project) x 20 streams, each on its own customer.
      for (const p of projects) {
        const opened = await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const controller = new AbortController();
            const res = await fetch(`${running.url}/api/v1/payments/events/custom/cap-${i}`, { headers: serverOf(p), signal: controller.signal });
            return readStream(res, controller);
          }),
        );
        streams.push(...opened);
      }
      expect(streams.map((s) => s.status)).toEqual(Array(200).fill(200));
      const over = await fetch(`${running.url}/api/v1/payments/events/custom/cap-over`, { headers: serverOf(running.emulator.project) });
      expect(over.status).toBe(429);
      expect(over.headers.get("retry-after")).toBe("5");
      expect(await over.text()).toContain("the emulator already serves 200");

      // The rest of the API does not stall: each of these answers well within 5 s (a stall was 30 s).
      const p = projects[3]!;
      for (let i = 0; i < 5; i++) {
        const write = await fetch(`${running.url}/api/v1/payments/items/custom/cap-7/custom_credits/update-quantity?allow_negative=false`, {
          method: "POST",
          headers: serverOf(p),
          body: JSON.stringify({ delta: 1 }),
          signal: AbortSignal.timeout(5000),
        });
        expect(write.status).toBe(200);
        const read = await fetch(`${running.url}/api/v1/users`, { headers: serverOf(p), signal: AbortSignal.timeout(5000) });
        expect(read.status).toBe(200);
      }
      // And the stream watching that customer got every change.
      const watching = streams[3 * 20 + 7]!;
      await until(() => watching.events.length >= 5, "5 events on the watched customer", 10_000);
      expect(watching.events.map((e) => e.item.quantity)).toEqual([1, 2, 3, 4, 5]);
      // Streams of other customers got nothing.
      expect(streams.filter((s) => s !== watching).every((s) => s.events.length === 0)).toBe(true);
    } finally {
      await Promise.all(streams.map((s) => s.close()));
    }
  }, 120_000);
});

describe("a client's stream stops delivering when its caller loses access", () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness({ config: TEST_CONFIG });
    await h.emulator.ready;
  });
  afterAll(() => h.close());

  const clientHeaders = (token: string) => ({
    "x-stack-access-type": "client",
    "x-stack-project-id": h.emulator.project.id,
    "x-stack-publishable-client-key": h.emulator.project.publishableClientKey,
    "x-stack-access-token": token,
    "x-stack-allow-anonymous-user": "true",
  });

  async function open(path: string, token: string): Promise<OpenStream> {
    const controller = new AbortController();
    const res = await h.emulator.fetch(new Request(`${BASE}/api/v1${path}`, { headers: clientHeaders(token), signal: controller.signal }));
    expect(res.status).toBe(200);
    const stream = readStream(res, controller);
    await until(() => stream.comments.includes(": connected"), "the stream to open");
    return stream;
  }

  /** One change is delivered; after `revoke`, the next is not, and the stream ends saying why. */
  async function expectCutOff(stream: OpenStream, change: () => Promise<void>, revoke: () => Promise<void>): Promise<void> {
    await change();
    await until(() => stream.events.length === 1, "the first change");
    await revoke();
    await change();
    await stream.ended;
    expect(stream.events.length).toBe(1);
    expect(stream.comments).toContain(": closed: the caller no longer has access to this customer");
  }

  const sessionId = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).refresh_token_id as string;
  const bump = (path: string, item: string) => async () => {
    const res = await h.call("POST", `/payments/items/${path}/${item}/update-quantity?allow_negative=false`, { body: { delta: 1 } });
    expect(res.status, res.text).toBe(200);
  };

  test("removed from the team", async () => {
    const admin = await h.newUser();
    const team = await h.newTeam(admin.token);
    const stream = await open(`/payments/events/team/${team}`, admin.token);
    await expectCutOff(stream, bump(`team/${team}`, "team_credits"), async () => {
      expect((await h.call("DELETE", `/team-memberships/${team}/${admin.id}`)).status).toBe(200);
    });
  });

  test("no longer a team admin", async () => {
    const admin = await h.newUser();
    const team = await h.newTeam(admin.token);
    const stream = await open(`/payments/events/team/${team}`, admin.token);
    await expectCutOff(stream, bump(`team/${team}`, "team_credits"), async () => {
      expect((await h.call("DELETE", `/team-permissions/${team}/${admin.id}/team_admin`)).status).toBe(200);
    });
  });

  /**
   * After `revoke` alone, with nothing written after it, the stream ends at once: the write that
   * took access away has the streams it concerns re-checked, well before their periodic check (5 s).
   */
  async function expectEndedAtOnce(stream: OpenStream, revoke: () => Promise<void>): Promise<void> {
    await revoke();
    await until(() => stream.isEnded(), "the stream to end after the revoking write", 2_500);
    expect(stream.comments).toContain(": closed: the caller no longer has access to this customer");
  }

  test("user deleted", async () => {
    const user = await h.newUser();
    const stream = await open(`/payments/events/user/${user.id}`, user.token);
    // Nothing can be written for a deleted user: the deletion itself ends the stream.
    await bump(`user/${user.id}`, "credits")();
    await until(() => stream.events.length === 1, "the first change");
    await expectEndedAtOnce(stream, async () => {
      expect((await h.call("DELETE", `/users/${user.id}`)).status).toBe(200);
    });
    expect(stream.events.length).toBe(1);
  });

  test("the revoking write alone ends the stream at once (sign-out, a team membership removed, the team deleted)", async () => {
    const user = await h.newUser();
    const signedOut = await open(`/payments/events/user/${user.id}`, user.token);
    await expectEndedAtOnce(signedOut, async () => {
      expect((await h.call("DELETE", "/auth/sessions/current", { access: { token: user.token } })).status).toBe(200);
    });
    const admin = await h.newUser();
    const team = await h.newTeam(admin.token);
    const removed = await open(`/payments/events/team/${team}`, admin.token);
    await expectEndedAtOnce(removed, async () => {
      expect((await h.call("DELETE", `/team-memberships/${team}/${admin.id}`)).status).toBe(200);
    });
    const owner = await h.newUser();
    const doomed = await h.newTeam(owner.token);
    const teamStream = await open(`/payments/events/team/${doomed}`, owner.token);
    await expectEndedAtOnce(teamStream, async () => {
      expect((await h.call("DELETE", `/teams/${doomed}`)).status).toBe(200);
    });
  });

  test("a write that takes access from one caller leaves other callers' streams open", async () => {
    const [leaving, staying] = [await h.newUser(), await h.newUser()];
    const gone = await open(`/payments/events/user/${leaving.id}`, leaving.token);
    const kept = await open(`/payments/events/user/${staying.id}`, staying.token);
    await expectEndedAtOnce(gone, async () => {
      expect((await h.call("DELETE", `/users/${leaving.id}`)).status).toBe(200);
    });
    await bump(`user/${staying.id}`, "credits")();
    await until(() => kept.events.length === 1, "the other caller's change");
    expect(kept.isEnded()).toBe(false);
    await kept.close();
  });

  test("signed out", async () => {
    const user = await h.newUser();
    const stream = await open(`/payments/events/user/${user.id}`, user.token);
    await expectCutOff(stream, bump(`user/${user.id}`, "credits"), async () => {
      expect((await h.call("DELETE", "/auth/sessions/current", { access: { token: user.token } })).status).toBe(200);
    });
  });

  test("session revoked by the server", async () => {
    const user = await h.newUser();
    const stream = await open(`/payments/events/user/${user.id}`, user.token);
    await expectCutOff(stream, bump(`user/${user.id}`, "credits"), async () => {
      expect((await h.call("DELETE", `/auth/sessions/${sessionId(user.token)}`)).status).toBe(200);
    });
  });

  test("the re-check is only of the streams whose access the write concerned", async () => {
    const [deleted, other] = [await h.newUser(), await h.newUser()];
    // The other user's stream runs on a session that expires by itself (no write tells the
    // emulator): only its periodic check (5 s after it opened) would end it; a re-check of the
    // whole project would end it together with the deleted user's.
    const short = await h.call("POST", "/auth/sessions", { body: { user_id: other.id, expires_in_millis: 2_000 } });
    const expiresAt = Date.now() + 2_000;
    expect(short.status, short.text).toBe(200);
    const gone = await open(`/payments/events/user/${deleted.id}`, deleted.token);
    const expired = await open(`/payments/events/user/${other.id}`, short.json.access_token as string);
    await new Promise((resolve) => setTimeout(resolve, expiresAt + 100 - Date.now()));
    await expectEndedAtOnce(gone, async () => {
      expect((await h.call("DELETE", `/users/${deleted.id}`)).status).toBe(200);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(expired.isEnded()).toBe(false);
    await expired.close();
  });

  test("a caller who keeps access keeps receiving", async () => {
    const user = await h.newUser();
    const stream = await open(`/payments/events/user/${user.id}`, user.token);
    for (let i = 0; i < 3; i++) await bump(`user/${user.id}`, "credits")();
    await until(() => stream.events.length === 3, "three changes");
    expect(stream.isEnded()).toBe(false);
    await stream.close();
  });
});
