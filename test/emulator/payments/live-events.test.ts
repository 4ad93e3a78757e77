import * as z from "zod/mini";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveEventSchema } from "../../../src/core/schemas/index.js";
import { TEST_CONFIG } from "./config.js";
import { BASE, createHarness, customId, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

interface SseEvent {
  id: number;
  data: z.infer<typeof liveEventSchema>;
}

/** Opens the stream and collects parsed events until closed. */
async function openStream(path: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await h.emulator.fetch(new Request(`${BASE}/api/v1${path}`, { headers, signal: controller.signal }));
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let buffer = "";
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        let id: number | null = null;
        let data: string | null = null;
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) id = Number(line.slice(4));
          else if (line.startsWith("data: ")) data = line.slice(6);
          else if (line.startsWith(":")) comments.push(line);
        }
        if (id !== null && data !== null) events.push({ id, data: z.parse(liveEventSchema, JSON.parse(data)) });
      }
    }
  })().catch(() => {});
  const waitFor = async (n: number) => {
    for (let t = 0; t < 100 && events.length < n; t++) await new Promise((r) => setTimeout(r, 50));
    return events;
  };
  const close = async () => {
    await reader.cancel();
    controller.abort();
    await done;
  };
  return { res, events, comments, waitFor, close };
}

const serverHeaders = () => ({
  "x-stack-access-type": "server",
  "x-stack-project-id": h.emulator.project.id,
  "x-stack-secret-server-key": h.emulator.project.secretServerKey,
});

describe("GET /payments/events/{type}/{id}", () => {
  it("streams item quantities and product lists with their new values, ids increasing", async () => {
    const c = customId();
    const s = await openStream(`/payments/events/custom/${c}`, serverHeaders());
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    await h.call("POST", `/payments/items/custom/${c}/custom_credits/update-quantity?allow_negative=false`, { body: { delta: 5 } });
    await h.call("POST", `/payments/products/custom/${c}`, { body: { product_id: "custom_pack", quantity: 2 } });
    const events = await s.waitFor(3);
    await s.close();
    expect(events.map((e) => e.data.kind)).toEqual(["item", "item", "products"]);
    expect(events[0]!.data).toEqual({ kind: "item", item_id: "custom_credits", item: { id: "custom_credits", display_name: "custom_credits", quantity: 5 } });
    expect(events[1]!.data).toMatchObject({ kind: "item", item: { quantity: 25 } });
    const products = events[2]!.data;
    expect(products.kind === "products" && products.products.items.map((p) => [p.id, p.quantity])).toEqual([["custom_pack", 2]]);
    expect(events[1]!.id).toBeGreaterThan(events[0]!.id);
    expect(events[2]!.id).toBeGreaterThan(events[1]!.id);
  });

  it("resumes after Last-Event-ID without missing a change (header or query)", async () => {
    const c = customId();
    const first = await openStream(`/payments/events/custom/${c}`, serverHeaders());
    await h.call("POST", `/payments/items/custom/${c}/custom_credits/update-quantity?allow_negative=false`, { body: { delta: 1 } });
    const [e1] = await first.waitFor(1);
    await first.close();
    // changes while disconnected
    await h.call("POST", `/payments/items/custom/${c}/custom_credits/update-quantity?allow_negative=false`, { body: { delta: 2 } });
    await h.call("POST", `/payments/items/custom/${c}/custom_credits/update-quantity?allow_negative=false`, { body: { delta: 3 } });
    const resumed = await openStream(`/payments/events/custom/${c}`, { ...serverHeaders(), "last-event-id": String(e1!.id) });
    const got = await resumed.waitFor(2);
    await resumed.close();
    expect(got.map((e) => (e.data.kind === "item" ? e.data.item.quantity : null))).toEqual([3, 6]);
    const viaQuery = await openStream(`/payments/events/custom/${c}?last_event_id=${e1!.id}`, serverHeaders());
    expect((await viaQuery.waitFor(2)).length).toBe(2);
    await viaQuery.close();
    // a new stream without an id starts from now
    const fresh = await openStream(`/payments/events/custom/${c}`, serverHeaders());
    await new Promise((r) => setTimeout(r, 300));
    expect(fresh.events).toEqual([]);
    expect(fresh.comments).toContain(": connected");
    await fresh.close();
  });

  it("applies the item access rules to clients; client product lists hide server-only products", async () => {
    const u = await h.newUser();
    const other = await h.newUser();
    const clientHeaders = (token: string) => ({
      "x-stack-access-type": "client",
      "x-stack-project-id": h.emulator.project.id,
      "x-stack-publishable-client-key": h.emulator.project.publishableClientKey,
      "x-stack-access-token": token,
      "x-stack-allow-anonymous-user": "true",
    });
    const denied = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/user/${u.id}`, { headers: clientHeaders(other.token) }));
    expect(denied.status).toBe(403);
    expect(await denied.text()).toBe("Clients can only access their own user or team items.");
    const custom = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/custom/x`, { headers: clientHeaders(u.token) }));
    expect(custom.status).toBe(403);
    const s = await openStream(`/payments/events/user/${u.id}`, clientHeaders(u.token));
    await h.call("POST", `/payments/products/user/${u.id}`, { body: { product_id: "secret" } });
    await h.call("POST", `/payments/products/user/${u.id}`, { body: { product_id: "credit_pack" } });
    const events = await s.waitFor(3);
    await s.close();
    const last = events.filter((e) => e.data.kind === "products").at(-1)!.data;
    expect(last.kind === "products" && last.products.items.map((p) => p.id)).toEqual(["credit_pack"]);
    expect(events.some((e) => e.data.kind === "item" && e.data.item.quantity === 50)).toBe(true);
  });

  it("sends changes that come from time passing: an expiry and a cancelled subscription's end (test clock)", async () => {
    const c = customId();
    const now = (await h.call("GET", "/internal/emulator/clock")).json.now_millis as number;
    await h.call("POST", `/payments/items/custom/${c}/custom_credits/update-quantity?allow_negative=false`, {
      body: { delta: 7, expires_at: new Date(now + 60 * 60 * 1000).toISOString() },
    });
    const inline = { display_name: "Monthly", customer_type: "custom", prices: { m: { USD: "1", interval: [1, "month"] } }, included_items: { custom_credits: { quantity: 3, expires: "when-purchase-expires" } } };
    const sub = (await h.call("POST", `/payments/products/custom/${c}`, { body: { product_inline: inline } })).json.subscription_id as string;
    await h.call("DELETE", `/payments/products/custom/${c}/_inline?subscription_id=${sub}`);
    const s = await openStream(`/payments/events/custom/${c}`, serverHeaders());
    await new Promise((r) => setTimeout(r, 700));
    // nothing changed yet, so nothing is sent
    expect(s.events).toEqual([]);
    await h.advanceClock(2 * 60 * 60 * 1000);
    const afterExpiry = await s.waitFor(1);
    expect(afterExpiry[0]!.data).toMatchObject({ kind: "item", item: { quantity: 3 } });
    await h.advanceClock(32 * 24 * 60 * 60 * 1000);
    const afterEnd = await s.waitFor(3);
    await s.close();
    const kinds = afterEnd.slice(1).map((e) => e.data);
    expect(kinds).toContainEqual({ kind: "item", item_id: "custom_credits", item: { id: "custom_credits", display_name: "custom_credits", quantity: 0 } });
    expect(kinds.find((k) => k.kind === "products")).toMatchObject({ kind: "products", products: { items: [] } });
  });

  it("rejects a bad Last-Event-ID and unknown customers", async () => {
    const bad = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/custom/x`, { headers: { ...serverHeaders(), "last-event-id": "abc" } }));
    expect(bad.status).toBe(400);
    const missing = await h.emulator.fetch(new Request(`${BASE}/api/v1/payments/events/user/nope`, { headers: serverHeaders() }));
    expect(missing.status).toBe(404);
  });
});
