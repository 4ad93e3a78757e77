// Two emulator processes sharing one real PostgreSQL (started here): 400 tryDecreaseQuantity(1),
// 100 in flight at a time, on a balance of 200 split across both → exactly 200 succeed, final 0.
// Also: a change made through one process reaches a live event stream on the other.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT } from "../../../src/emulator/defaults.js";
import { TEST_CONFIG } from "../payments/config.js";
import { bundleEmulatorServer, spawnEmulator, type EmulatorProcess } from "./emulator-process.js";
import { findPostgresBinaries, startTestPostgres, type TestPostgres } from "./postgres-server.js";

const bin = findPostgresBinaries();
const noPostgres = bin === null;
if (noPostgres) console.warn("Skipping the PostgreSQL concurrency tests: no initdb/pg_ctl under /usr/lib/postgresql/*/bin.");

const headers = {
  "content-type": "application/json",
  "x-stack-access-type": "server",
  "x-stack-project-id": DEFAULT_PROJECT.id,
  "x-stack-secret-server-key": DEFAULT_PROJECT.secretServerKey,
};

let pg: TestPostgres | undefined;
let bundle: string | undefined;
const emulators: EmulatorProcess[] = [];

describe("two emulator processes on one PostgreSQL", () => {
  beforeAll(async () => {
    if (noPostgres) return;
    pg = await startTestPostgres(bin);
    bundle = await bundleEmulatorServer();
    // Start both at once: migrations must serialise between them.
    emulators.push(...(await Promise.all([spawnEmulator(bundle, pg.url, TEST_CONFIG), spawnEmulator(bundle, pg.url, TEST_CONFIG)])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(emulators.map((e) => e.stop()));
    pg?.stop();
    if (bundle) rmSync(bundle, { force: true });
  });

  it.skipIf(noPostgres)("never overdraws: exactly 200 of 400 concurrent decrements succeed, final quantity 0", async () => {
    const [a, b] = emulators as [EmulatorProcess, EmulatorProcess];
    const customer = `pg-${Date.now()}`;
    const path = `/api/v1/payments/items/custom/${customer}/custom_credits/update-quantity?allow_negative=false`;
    const post = (base: string, delta: number) => fetch(base + path, { method: "POST", headers, body: JSON.stringify({ delta }) });
    expect((await post(a.url, 200)).status).toBe(200);
    const statuses: number[] = [];
    const codes: string[] = [];
    let next = 0;
    // 100 requests in flight at a time (what makes them race; the count only has to outlast the
    // balance), alternating between the two processes.
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < 400) {
          const i = next++;
          const res = await post(i % 2 === 0 ? a.url : b.url, -1);
          statuses.push(res.status);
          if (res.status !== 200) codes.push(((await res.json()) as { code: string }).code);
          else await res.text();
        }
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(200);
    expect(codes).toHaveLength(200);
    expect(new Set(codes)).toEqual(new Set(["ITEM_QUANTITY_INSUFFICIENT_AMOUNT"]));
    for (const e of [a, b]) {
      const res = await fetch(`${e.url}/api/v1/payments/items/custom/${customer}/custom_credits`, { headers });
      expect(((await res.json()) as { quantity: number }).quantity).toBe(0);
    }
  }, 120_000);

  it.skipIf(noPostgres)("a change through one process reaches a live stream served by the other", async () => {
    const [a, b] = emulators as [EmulatorProcess, EmulatorProcess];
    const customer = `pg-live-${Date.now()}`;
    const controller = new AbortController();
    const stream = await fetch(`${b.url}/api/v1/payments/events/custom/${customer}`, { headers, signal: controller.signal });
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const reader = stream.body!.getReader();
    await fetch(`${a.url}/api/v1/payments/items/custom/${customer}/custom_credits/update-quantity?allow_negative=false`, {
      method: "POST",
      headers,
      body: JSON.stringify({ delta: 42 }),
    });
    let text = "";
    const deadline = Date.now() + 10_000;
    while (!text.includes('"quantity":42') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    await reader.cancel().catch(() => {});
    // One event (fields in any order, as server-sent events allow) with its id and the new value.
    const event = text.split("\n\n").find((block) => block.includes('"quantity":42'));
    expect(event).toMatch(/^id: \d+$/m);
    expect(event).toMatch(/^data: \{"kind":"item","item_id":"custom_credits","item":\{"id":"custom_credits","display_name":"custom_credits","quantity":42\}\}$/m);
  }, 30_000);

  it.skipIf(noPostgres)("one Idempotency-Key sent to both processes at once, many times: each key applied once, both answers alike", async () => {
    const [a, b] = emulators as [EmulatorProcess, EmulatorProcess];
    const customer = `pg-idem-${Date.now()}`;
    const path = `/api/v1/payments/items/custom/${customer}/custom_credits/update-quantity?allow_negative=false`;
    const keys = Array.from({ length: 40 }, () => crypto.randomUUID());
    const results = await Promise.all(
      keys.map(async (key) => {
        const send = (base: string) =>
          fetch(base + path, { method: "POST", headers: { ...headers, "idempotency-key": key }, body: JSON.stringify({ delta: 1 }) }).then(async (res) => ({
            status: res.status,
            result: res.headers.get("x-stack-idempotency"),
            body: await res.text(),
          }));
        return Promise.all([send(a.url), send(b.url)]);
      }),
    );
    for (const pair of results) {
      // Different processes: the second waits for the first on the key's row, then replays its answer.
      expect(pair.map((r) => r.status)).toEqual([200, 200]);
      expect(pair.map((r) => r.result).sort()).toEqual(["applied", "replayed"]);
      expect(pair[0]!.body).toBe(pair[1]!.body);
    }
    const res = await fetch(`${a.url}/api/v1/payments/items/custom/${customer}/custom_credits`, { headers });
    expect(((await res.json()) as { quantity: number }).quantity).toBe(keys.length);
  }, 60_000);
});
