import { afterEach, describe, expect, it, vi } from "vitest";
import { createBroadcastRelay, type BroadcastRelay } from "../../../src/core/live/broadcast.js";
import { createLiveBus, itemTopic, type LiveBus } from "../../../src/core/live/bus.js";

const topic = itemTopic("user", "u1", "credits");
const other = itemTopic("user", "u2", "credits");
const value = (quantity: number) => ({ id: "credits", display_name: "Credits", quantity });
const settle = () => new Promise((r) => setTimeout(r, 30));

let relays: BroadcastRelay[] = [];
afterEach(() => {
  for (const r of relays) r.close();
  relays = [];
});

function tab(name: string): { bus: LiveBus; relay: BroadcastRelay; seen: unknown[] } {
  const bus = createLiveBus();
  const relay = createBroadcastRelay(bus, { name });
  relays.push(relay);
  const seen: unknown[] = [];
  bus.subscribe(topic, (v) => seen.push(v));
  return { bus, relay, seen };
}

describe("createBroadcastRelay", () => {
  it("carries a value published in one tab to the same open topic in another, without echo", async () => {
    const name = `t-${Math.random()}`;
    const a = tab(name);
    const b = tab(name);
    a.relay.open(topic);
    b.relay.open(topic);
    a.bus.publish(topic, value(5));
    // Delivery between channels takes a turn of the event loop, longer on a busy machine.
    await vi.waitFor(() => expect(b.seen).toEqual([value(5)]));
    await settle();
    // A saw only its own publish: B did not post the received value back.
    expect(a.seen).toEqual([value(5)]);
    // "Changed, re-read" hints travel too.
    b.bus.publish(topic, undefined);
    await vi.waitFor(() => expect(a.seen).toEqual([value(5), undefined]));
  });

  it("relays only open topics, stops after release, and stays quiet inside quietly()", async () => {
    const name = `t-${Math.random()}`;
    const a = tab(name);
    const b = tab(name);
    const release = a.relay.open(topic);
    b.relay.open(topic);
    a.bus.publish(other, value(1));
    a.relay.quietly(() => a.bus.publish(topic, value(2)));
    await settle();
    expect(b.seen).toEqual([]);
    release();
    a.bus.publish(topic, value(3));
    await settle();
    expect(b.seen).toEqual([]);
  });

  it("keeps two projects apart by channel name", async () => {
    const a = tab(`p1-${Math.random()}`);
    const b = tab(`p2-${Math.random()}`);
    a.relay.open(topic);
    b.relay.open(topic);
    a.bus.publish(topic, value(9));
    await settle();
    expect(b.seen).toEqual([]);
  });

  it("does nothing where there is no BroadcastChannel", () => {
    const bus = createLiveBus();
    const relay = createBroadcastRelay(bus, { name: "x", BroadcastChannel: undefined });
    const release = relay.open(topic);
    bus.publish(topic, value(1));
    release();
    relay.close();
  });
});
