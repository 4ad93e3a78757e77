import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itemTopic, productsTopic, type LiveValue } from "../../../src/core/live/bus.js";
import { createLiveChannel, parseTopic, type LiveChannel, type LiveConnectionState } from "../../../src/core/live/live-channel.js";
import { recordPendingCheckout } from "../../../src/core/live/pending-checkout.js";
import type { Emulator } from "../../../src/emulator/create-emulator.js";
import { createTestHost, freshCustomer, serverOps, startEmulator, waitFor } from "./emulator-host.js";

let emulator: Emulator;
let ops: ReturnType<typeof serverOps>;
const channels: LiveChannel[] = [];
beforeAll(async () => {
  emulator = await startEmulator();
  ops = serverOps(emulator);
});
afterAll(async () => {
  for (const c of channels) c.close();
  await emulator.close();
});
const track = (c: LiveChannel) => (channels.push(c), c);
const quantities = (values: unknown[]) => values.map((v) => (v as { quantity: number } | undefined)?.quantity);

describe("parseTopic", () => {
  it("splits topics, keeping colons inside customer ids", () => {
    expect(parseTopic(itemTopic("custom", "a:b", "credits"))).toEqual({
      kind: "item",
      customerType: "custom",
      customerId: "a:b",
      itemId: "credits",
    });
    expect(parseTopic(productsTopic("team", "t:1"))).toEqual({ kind: "products", customerType: "team", customerId: "t:1" });
  });
});

describe("createLiveChannel against the emulator", () => {
  it("pushes a server-side change to a subscriber through the event stream", async () => {
    const customer = freshCustomer();
    const host = createTestHost(emulator);
    const channel = track(createLiveChannel(host, { broadcast: false, pollIntervalMs: 60_000 }));
    const states: LiveConnectionState[] = [];
    channel.onStateChange((s) => states.push(s));
    const seen: unknown[] = [];
    const off = channel.subscribe(itemTopic("custom", customer, "credits"), (v) => seen.push(v));
    await waitFor(() => channel.state === "push");
    // The stream's first connect re-reads the topic once.
    await waitFor(() => seen.length === 1);
    await ops.changeCredits(customer, 7);
    await waitFor(() => seen.length === 2);
    expect(quantities(seen)).toEqual([0, 7]);
    // Pushed, not polled: the connect re-read is the only item read that went out.
    expect(host.calls.filter((c) => c.includes("/payments/items/"))).toHaveLength(1);
    off();
    expect(channel.state).toBe("idle");
    expect(states).toEqual(["polling", "push", "idle"]);
  });

  it("re-reads a customer's open topics when its stream first connects, so a change made before the connection arrives", async () => {
    const customer = freshCustomer();
    const topic = itemTopic("custom", customer, "credits");
    const host = createTestHost(emulator);
    const open = host.openEventStream!;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The events route is held until the change is done (a slow connection).
    host.openEventStream = async (type, id, init) => {
      await gate;
      return open(type, id, init);
    };
    // The app's first read of the topic (what a hook does before it subscribes).
    expect(quantities([await host.readTopic(topic)])).toEqual([0]);
    const channel = track(createLiveChannel(host, { broadcast: false, pollIntervalMs: 60_000 }));
    const seen: unknown[] = [];
    channel.subscribe(topic, (v) => seen.push(v));
    // The stream is held: the change below lands between the first read and the connection.
    expect(channel.state).toBe("polling");
    await ops.changeCredits(customer, 5);
    release();
    await waitFor(() => channel.state === "push");
    // No further change: the stream (started "from now") would never send it; the re-read does.
    await waitFor(() => seen.length > 0);
    expect(quantities(seen)).toEqual([5]);
    expect(host.calls.filter((c) => c.includes("/payments/items/"))).toHaveLength(2);
  });

  it("falls back to polling where the server has no event stream", async () => {
    const customer = freshCustomer();
    const host = createTestHost(emulator, { noEvents: true });
    const channel = track(createLiveChannel(host, { broadcast: false, pollIntervalMs: 50 }));
    const seen: unknown[] = [];
    channel.subscribe(itemTopic("custom", customer, "credits"), (v) => seen.push(v));
    await waitFor(() => host.calls.some((c) => c.includes("/payments/events/")));
    await ops.changeCredits(customer, 3);
    await waitFor(() => seen.length > 0);
    expect(quantities(seen)).toEqual([3]);
    expect(channel.state).toBe("polling");
    // The 404 was not retried.
    expect(host.calls.filter((c) => c.includes("/payments/events/"))).toHaveLength(1);
  });

  it("reference-counts topics: one stream per customer, closed with the last subscriber", async () => {
    const customer = freshCustomer();
    const host = createTestHost(emulator);
    const channel = track(createLiveChannel(host, { broadcast: false, pollIntervalMs: 60_000 }));
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = channel.subscribe(itemTopic("custom", customer, "credits"), (v) => a.push(v));
    const offB = channel.subscribe(itemTopic("custom", customer, "credits"), (v) => b.push(v));
    const offP = channel.subscribe(productsTopic("custom", customer), () => {});
    await waitFor(() => channel.state === "push" && a.length === 1);
    expect(host.calls.filter((c) => c.includes("/payments/events/"))).toHaveLength(1);
    // One connect re-read per topic, shared by its subscribers.
    expect(host.calls.filter((c) => c.includes("/payments/items/"))).toHaveLength(1);
    offA();
    await ops.changeCredits(customer, 2);
    await waitFor(() => b.length === 2);
    expect(quantities(a)).toEqual([0]);
    offB();
    expect(channel.topics()).toEqual([productsTopic("custom", customer)]);
    offP();
    expect(channel.topics()).toEqual([]);
    expect(channel.state).toBe("idle");
  });

  it("resumes with Last-Event-ID after the stream drops, so changes made meanwhile arrive", async () => {
    const customer = freshCustomer();
    const host = createTestHost(emulator);
    const open = host.openEventStream!;
    const kills: (() => void)[] = [];
    const lastIds: (string | undefined)[] = [];
    host.openEventStream = async (type, id, init) => {
      lastIds.push(init.lastEventId);
      const res = await open(type, id, init);
      const reader = res.body!.getReader();
      // A body the test can break, like a dropped connection.
      let ctl!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          ctl = c;
          void (async () => {
            for (;;) {
              const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
              if (r.done) break;
              try {
                c.enqueue(r.value);
              } catch {
                break;
              }
            }
          })();
        },
      });
      kills.push(() => {
        ctl.error(new TypeError("connection reset"));
        void reader.cancel();
      });
      return new Response(body, { headers: res.headers });
    };
    const channel = track(
      createLiveChannel(host, { broadcast: false, pollIntervalMs: 60_000, streamInitialDelayMs: 300, streamMaxDelayMs: 300 }),
    );
    const seen: unknown[] = [];
    channel.subscribe(itemTopic("custom", customer, "credits"), (v) => seen.push(v));
    await waitFor(() => channel.state === "push" && seen.length === 1);
    await ops.changeCredits(customer, 1);
    await waitFor(() => seen.length === 2);
    kills[0]!();
    await waitFor(() => channel.state === "polling");
    await ops.changeCredits(customer, 10);
    await waitFor(() => seen.length === 3, 5000);
    expect(quantities(seen)).toEqual([0, 1, 11]);
    // Only the first connect re-read; the resumed one had nothing to catch up on.
    expect(host.calls.filter((c) => c.includes("/payments/items/"))).toHaveLength(1);
    expect(lastIds).toHaveLength(2);
    expect(lastIds[0]).toBeUndefined();
    expect(lastIds[1]).toMatch(/^\d+$/);
  });

  it("keeps two tabs in step through BroadcastChannel", async () => {
    const customer = freshCustomer();
    const topic = itemTopic("custom", customer, "credits");
    const options = { push: false, pollIntervalMs: 60_000 };
    const tabA = createTestHost(emulator);
    const tabB = createTestHost(emulator);
    const a = track(createLiveChannel(tabA, options));
    const b = track(createLiveChannel(tabB, options));
    const seenB: unknown[] = [];
    a.subscribe(topic, () => {});
    b.subscribe(topic, (v) => seenB.push(v));
    // Tab A's app learns a new value (its own write or read publishes on its bus).
    const value: LiveValue<typeof topic> = { id: "credits", display_name: "Credits", quantity: 42 };
    tabA.live.publish(topic, value);
    await waitFor(() => seenB.length > 0);
    expect(seenB).toEqual([value]);
    // Nothing was fetched: the value came over the channel.
    expect(tabB.calls).toEqual([]);
  });

  it("polls a customer fast after a return from checkout until the purchase shows, then relaxes", async () => {
    const customer = freshCustomer();
    const data = new Map<string, string>();
    const storage = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) };
    const host = createTestHost(emulator, { push: false });
    recordPendingCheckout(host.projectId, { customerType: "custom", customerId: customer, productId: "pro" }, storage);
    const channel = track(
      createLiveChannel(host, { broadcast: false, pollIntervalMs: 60_000, fastPollIntervalMs: 25, checkoutStorage: storage }),
    );
    const seen: unknown[] = [];
    channel.subscribe(productsTopic("custom", customer), (v) => seen.push(v));
    // Three reads within 1.5 s: far faster than the 60 s normal interval.
    const productReads = () => host.calls.filter((c) => c.includes("/payments/products/")).length;
    await waitFor(() => productReads() >= 3, 1500);
    await ops.grantPro(customer);
    await waitFor(() => seen.some((v) => (v as { items: { id: string }[] }).items.some((p) => p.id === "pro")));
    // The purchase landed: the pending note is gone and polling is back to the (long) normal interval.
    expect(data.size).toBe(0);
    const after = host.calls.filter((c) => c.includes("/payments/products/")).length;
    await new Promise((r) => setTimeout(r, 150));
    expect(host.calls.filter((c) => c.includes("/payments/products/")).length).toBe(after);
  });

  it("reports `offline` while polling fails with network errors, and `polling` again once reads succeed", async () => {
    const customer = freshCustomer();
    const host = createTestHost(emulator, { push: false });
    const read = host.readTopic;
    let down = true;
    host.readTopic = (topic) => (down ? Promise.reject(new TypeError("fetch failed")) : read(topic));
    const channel = track(createLiveChannel(host, { broadcast: false, pollIntervalMs: 30 }));
    const states: LiveConnectionState[] = [];
    channel.onStateChange((s) => states.push(s));
    channel.subscribe(itemTopic("custom", customer, "credits"), () => {});
    await waitFor(() => channel.state === "offline");
    down = false;
    await waitFor(() => channel.state === "polling", 5000);
    expect(states).toEqual(["polling", "offline", "polling"]);
  });
});
