import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { itemTopic, productsTopic, type LiveTopic, type LiveValue } from "../../../src/core/live/bus.js";
import { createPoller, type Poller, type PollerEnvironment } from "../../../src/core/live/polling.js";
import { StackPaymentsError } from "../../../src/core/errors.js";

const credits = itemTopic("user", "u1", "credits");
const products = productsTopic("user", "u1");
const item = (quantity: number) => ({ id: "credits", display_name: "Credits", quantity });
const list = (ids: string[]) => ({
  items: ids.map((id) => ({
    id,
    quantity: 1,
    product: {
      display_name: id,
      customer_type: "user" as const,
      stackable: false,
      server_only: false,
      included_items: {},
      client_metadata: null,
      client_read_only_metadata: null,
      server_metadata: null,
      prices: {},
    },
  })),
  is_paginated: true,
  pagination: { next_cursor: null },
});
// The poller's clock is vitest's fake one: time passes only when a test says so, so the counts
// below hold however busy the machine is (with real timers a loaded machine made them flaky).
const sleep = (ms: number) => vi.advanceTimersByTimeAsync(ms);
beforeEach(() => {
  vi.useFakeTimers();
});

/** A page whose visibility and connectivity the test controls. */
function fakePage() {
  const listeners = { wake: new Set<() => void>(), sleep: new Set<() => void>() };
  const page = { hidden: false, online: true };
  const env: PollerEnvironment = {
    isHidden: () => page.hidden,
    isOnline: () => page.online,
    on(event, l) {
      listeners[event].add(l);
      return () => listeners[event].delete(l);
    },
  };
  return {
    env,
    hide() {
      page.hidden = true;
      for (const l of listeners.sleep) l();
    },
    show() {
      page.hidden = false;
      for (const l of listeners.wake) l();
    },
  };
}

let pollers: Poller[] = [];
afterEach(() => {
  for (const p of pollers) p.close();
  pollers = [];
  vi.useRealTimers();
});

function setup(values: Map<LiveTopic, LiveValue<LiveTopic> | Error>, extra: Partial<Parameters<typeof createPoller>[0]> = {}) {
  const reads: LiveTopic[] = [];
  const published: [LiveTopic, unknown][] = [];
  const page = fakePage();
  const poller = createPoller({
    read: async (topic) => {
      reads.push(topic);
      const v = values.get(topic);
      if (v instanceof Error) throw v;
      if (v === undefined) throw new Error("no value");
      return v;
    },
    publish: (topic, value) => published.push([topic, value]),
    intervalMs: 40,
    fastIntervalMs: 10,
    environment: page.env,
    ...extra,
  });
  pollers.push(poller);
  return { poller, reads, published, page };
}

describe("createPoller", () => {
  it("re-reads an open topic every interval and publishes only changes", async () => {
    const values = new Map<LiveTopic, LiveValue<LiveTopic> | Error>([[credits, item(5)]]);
    const { poller, reads, published } = setup(values);
    poller.note(credits, item(5));
    poller.add(credits);
    await sleep(100);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(published).toEqual([]);
    values.set(credits, item(4));
    await sleep(60);
    expect(published).toEqual([[credits, item(4)]]);
    poller.remove(credits);
    const count = reads.length;
    await sleep(100);
    expect(reads.length).toBe(count);
  });

  it("pauses while the tab is hidden and reads at once when it is shown again", async () => {
    const values = new Map<LiveTopic, LiveValue<LiveTopic> | Error>([[credits, item(5)]]);
    const { poller, reads, page } = setup(values, { intervalMs: 1000 });
    poller.add(credits);
    page.hide();
    await sleep(50);
    expect(reads).toEqual([]);
    page.show();
    await sleep(10);
    expect(reads).toEqual([credits]);
  });

  it("backs off on network errors, reports failing, and recovers", async () => {
    const values = new Map<LiveTopic, LiveValue<LiveTopic> | Error>([[credits, new TypeError("fetch failed")]]);
    const failing: boolean[] = [];
    const { poller, reads } = setup(values, { intervalMs: 10, maxBackoffMs: 10_000, onFailingChange: (f) => failing.push(f) });
    poller.add(credits);
    await sleep(300);
    // Without backoff there would be ~30 reads; doubling from 10 ms allows about 5.
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.length).toBeLessThanOrEqual(7);
    expect(poller.failing).toBe(true);
    values.set(credits, item(1));
    await poller.pollNow();
    expect(poller.failing).toBe(false);
    expect(failing).toEqual([true, false]);
  });

  it("backs a topic off on a definite 4xx answer without marking the server as failing", async () => {
    const notFound = new StackPaymentsError({ code: "ITEM_NOT_FOUND", message: "nope", status: 404 });
    const values = new Map<LiveTopic, LiveValue<LiveTopic> | Error>([[credits, notFound]]);
    const { poller } = setup(values, { intervalMs: 10 });
    poller.add(credits);
    await sleep(50);
    expect(poller.failing).toBe(false);
  });

  it("a value from another source postpones the next poll", async () => {
    const values = new Map<LiveTopic, LiveValue<LiveTopic> | Error>([[credits, item(5)]]);
    const { poller, reads } = setup(values, { intervalMs: 60 });
    poller.add(credits);
    for (let i = 0; i < 5; i++) {
      await sleep(30);
      poller.note(credits, item(5));
    }
    expect(reads).toEqual([]);
  });

  it("hurries a customer after checkout: fast polls of its products until they change, then relaxes", async () => {
    const values = new Map<LiveTopic, LiveValue<LiveTopic> | Error>([[products, list([])]]);
    const { poller, reads, published } = setup(values, { intervalMs: 10_000 });
    let done: boolean | undefined;
    // The value the page already showed before the hurry is the baseline.
    poller.note(products, list([]));
    poller.hurry("user", "u1", { onDone: (landed) => (done = landed) });
    await sleep(60);
    const fastReads = reads.length;
    // 10 ms fast interval: several reads already, none published (nothing changed).
    expect(fastReads).toBeGreaterThanOrEqual(3);
    expect(published).toEqual([]);
    values.set(products, list(["pro"]));
    await sleep(40);
    expect(done).toBe(true);
    expect(published).toEqual([[products, list(["pro"])]]);
    const after = reads.length;
    await sleep(60);
    expect(reads.length).toBe(after);
  });

  it("ends a hurry at once when `landed` says so, and gives up at the cap", async () => {
    const values = new Map<LiveTopic, LiveValue<LiveTopic> | Error>([[products, list(["pro"])]]);
    const { poller } = setup(values);
    let landed: boolean | undefined;
    poller.hurry("user", "u1", {
      landed: (_t, v) => "items" in v && v.items.some((p) => p.id === "pro"),
      onDone: (l) => (landed = l),
    });
    await sleep(30);
    expect(landed).toBe(true);
    values.set(productsTopic("user", "u2"), list([]));
    let capped: boolean | undefined;
    poller.hurry("user", "u2", { capMs: 50, onDone: (l) => (capped = l) });
    await sleep(120);
    expect(capped).toBe(false);
  });
});
