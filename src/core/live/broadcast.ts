/**
 * Keeps the live topics of several tabs of one origin in step: a value published on a topic in
 * one tab reaches the same topic in the others through a `BroadcastChannel`. Only topics open in a
 * tab are relayed from it (a tab that shows nothing of a customer has nothing to tell).
 */
import type { LiveBus, LiveTopic, LiveValue } from "./bus.js";

/** What travels between tabs. `value` is absent for "changed, re-read it". */
interface BroadcastMessage {
  v: 1;
  topic: LiveTopic;
  value?: LiveValue<LiveTopic>;
}

function isBroadcastMessage(data: unknown): data is BroadcastMessage {
  return (
    typeof data === "object" &&
    data !== null &&
    (data as BroadcastMessage).v === 1 &&
    typeof (data as BroadcastMessage).topic === "string"
  );
}

/** The cross-tab relay of one bus; see {@link createBroadcastRelay}. */
export interface BroadcastRelay {
  /** Starts relaying a topic both ways (reference-counted by the caller: call once per open). */
  open(topic: LiveTopic): () => void;
  /**
   * Runs `publish` without relaying what it publishes: for values every tab gets on its own (the
   * server's event stream), where a relayed copy could only arrive late and overwrite a newer one.
   */
  quietly(publish: () => void): void;
  /** Stops relaying everything and closes the channel. */
  close(): void;
}

/** Options of {@link createBroadcastRelay}. */
export interface BroadcastRelayOptions {
  /** Channel name; one per project so that two projects on one origin do not mix. */
  name: string;
  /** The constructor to use; default the global `BroadcastChannel`. Absent → the relay does nothing. */
  BroadcastChannel?: typeof BroadcastChannel | undefined;
}

/**
 * Creates a relay between `bus` and the other tabs. Values received are published on the local
 * bus; values published locally on an open topic are posted to the others (never echoed back).
 */
export function createBroadcastRelay(bus: LiveBus, options: BroadcastRelayOptions): BroadcastRelay {
  const Channel = "BroadcastChannel" in options ? options.BroadcastChannel : globalThis.BroadcastChannel;
  if (typeof Channel !== "function") return { open: () => () => {}, quietly: (publish) => publish(), close() {} };
  const channel = new Channel(options.name);
  const open = new Map<LiveTopic, { count: number; unsubscribe: () => void }>();
  // Set while a received (or quiet) value is being published, so our own listener does not post it.
  let receiving = false;

  channel.onmessage = (message: MessageEvent) => {
    const data: unknown = message.data;
    if (!isBroadcastMessage(data) || !open.has(data.topic)) return;
    receiving = true;
    try {
      bus.publish(data.topic, data.value);
    } finally {
      receiving = false;
    }
  };
  // Node's BroadcastChannel keeps the process alive while open; a relay must not.
  (channel as { unref?: () => void }).unref?.();

  return {
    open(topic) {
      let entry = open.get(topic);
      if (entry) entry.count++;
      else {
        const unsubscribe = bus.subscribe(topic, (value) => {
          if (receiving) return;
          const message: BroadcastMessage = value === undefined ? { v: 1, topic } : { v: 1, topic, value };
          try {
            channel.postMessage(message);
          } catch {
            // A closed channel (page unloading) has nobody left to tell.
          }
        });
        open.set(topic, (entry = { count: 1, unsubscribe }));
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const current = open.get(topic);
        if (!current || --current.count > 0) return;
        current.unsubscribe();
        open.delete(topic);
      };
    },
    quietly(publish) {
      const was = receiving;
      receiving = true;
      try {
        publish();
      } finally {
        receiving = was;
      }
    },
    close() {
      for (const entry of open.values()) entry.unsubscribe();
      open.clear();
      channel.onmessage = null;
      channel.close();
    },
  };
}
