/**
 * The outbox's live stream (`GET /internal/emulator/outbox/events`) and the dashboard's admin
 * stream (`GET /internal/emulator/admin-events`) obey the rules of every other event stream: it counts against the caller's and the emulator's stream caps (429 with
 * `Retry-After` past them), a closed stream gives its place back, and HEAD answers the headers
 * without opening a stream (nothing would ever read one, and its polling loop would run on).
 * Before, these streams were uncapped and each one polled the database every 250 ms for as long
 * as its connection stayed open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, createHarness, type Harness } from "../payments/harness.js";
import { LIVE_CONFIG } from "../provider/live.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: LIVE_CONFIG, liveStreams: { maxPerCaller: 2, maxTotal: 10 } });
  await h.emulator.ready;
});
afterAll(() => h.close());

const adminHeaders = () => ({
  "x-stack-project-id": h.emulator.project.id,
  "x-stack-access-type": "admin",
  "x-stack-super-secret-admin-key": h.emulator.project.superSecretAdminKey,
});

describe.each(["/internal/emulator/outbox/events", "/internal/emulator/admin-events"])("the stream %s", (path) => {
  async function open(method: "GET" | "HEAD" = "GET"): Promise<{ res: Response; close(): Promise<void> }> {
    const controller = new AbortController();
    const res = await h.emulator.fetch(new Request(`${BASE}/api/v1${path}`, { method, headers: adminHeaders(), signal: controller.signal }));
    return {
      res,
      async close() {
        controller.abort();
        await res.body?.cancel().catch(() => undefined);
      },
    };
  }

  /** Opens a stream, retrying while closed ones still hold their places (released when their loop sees the close). */
  async function openWhenFree(): Promise<{ res: Response; close(): Promise<void> }> {
    for (let i = 0; ; i++) {
      const stream = await open();
      if (stream.res.status !== 429 || i === 100) return stream;
      await stream.res.text();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function firstChunk(res: Response): Promise<string> {
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    return new TextDecoder().decode(value);
  }

  it("answers HEAD with the stream's headers without taking a place", async () => {
    for (let i = 0; i < 4; i++) {
      const head = await open("HEAD");
      expect(head.res.status).toBe(200);
      expect(head.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      // Not closed: a HEAD client reads no body, so a stream opened for it would never end.
    }
    // (openWhenFree: streams of an earlier test give their places back once their loops see the close.)
    const streams = [await openWhenFree(), await openWhenFree()];
    expect(streams.map((s) => s.res.status)).toEqual([200, 200]);
    await Promise.all(streams.map((s) => s.close()));
  });

  it("is capped per caller with a clear 429; a closed stream frees its place", async () => {
    const first = await openWhenFree();
    const second = await openWhenFree();
    expect([first.res.status, second.res.status]).toEqual([200, 200]);
    expect(await firstChunk(first.res)).toContain(": connected");
    const third = await open();
    expect(third.res.status).toBe(429);
    expect(third.res.headers.get("retry-after")).toBe("5");
    expect(await third.res.text()).toContain("this caller already has 2");
    await first.close();
    const again = await openWhenFree();
    expect(again.res.status).toBe(200);
    await Promise.all([second.close(), again.close()]);
  });

});
