/**
 * The live channel: one place to subscribe to a customer's item or product list and be told every
 * new value, whatever its source. It composes, onto the app's {@link LiveBus}:
 * - writes made through the app (the app publishes them itself),
 * - other tabs of the origin (BroadcastChannel, see broadcast.ts),
 * - the server's event stream where it has one (event-stream.ts), one connection per customer,
 * - adaptive polling otherwise, and while the stream is down (polling.ts),
 * - fast polling of a customer returning from checkout (pending-checkout.ts).
 * Topics are reference-counted: the first subscriber opens the sources, the last one closes them.
 */
import type { CustomerType } from "../schemas/common.js";
import type { LiveEvent } from "../schemas/payments.js";
import { checkShape } from "../wire-shape.js";
import { liveEventShape } from "../wire-shapes.js";
import { itemTopic, parseTopic, productsTopic, type LiveBus, type LiveListener, type LiveTopic, type LiveValue } from "./bus.js";
import { createBroadcastRelay, type BroadcastRelay } from "./broadcast.js";
import { createEventStream, type EventStream, type ServerSentEvent } from "./event-stream.js";
import {
  clearPendingCheckout,
  defaultCheckoutStorage,
  readPendingCheckouts,
  type PendingCheckoutStorage,
} from "./pending-checkout.js";
import { createBrowserEnvironment, createPoller, type Poller, type PollerEnvironment } from "./polling.js";

// Where topic names are read, next to where they are made; re-exported for readers of the channel.
export { parseTopic } from "./bus.js";

/** How fresh values reach this app right now. */
export type LiveConnectionState =
  /** Every open customer has a live event stream. */
  | "push"
  /** At least one open topic relies on polling (no stream, or the stream is reconnecting). */
  | "polling"
  /** The browser is offline, or the server cannot be reached. */
  | "offline"
  /** Nothing is subscribed. */
  | "idle";

/**
 * What the channel needs from an app. `createLiveChannelHost(app)` (live-host.ts) builds it from a
 * `StackClientApp`/`StackServerApp`; tests and other hosts can implement it directly.
 */
export interface LiveChannelHost {
  /** The bus every source publishes to (the app's own writes and reads land here too). */
  readonly live: LiveBus;
  /** Scopes storage and the cross-tab channel. */
  readonly projectId: string;
  /** Reads the current wire value of a topic from the server (used by polling). */
  readTopic(topic: LiveTopic): Promise<LiveValue<LiveTopic>>;
  /**
   * Opens the server's event stream of a customer (`GET /payments/events/{type}/{id}` with the
   * app's auth headers and `Last-Event-ID` when given). Absent: this host has no push.
   */
  openEventStream?(
    customerType: CustomerType,
    customerId: string,
    init: { lastEventId: string | undefined; signal: AbortSignal },
  ): Promise<Response>;
  /** Subscribes to sign-in/sign-out; streams reconnect with the new credentials. */
  onSessionChange?(listener: () => void): () => void;
}

/** Options of {@link createLiveChannel}. */
export interface LiveChannelOptions {
  /** Use the server's event stream when it has one. Default true. */
  push?: boolean;
  /** Relay values between tabs. Default true (where BroadcastChannel exists). */
  broadcast?: boolean;
  /** BroadcastChannel constructor to use (tests). Default the global one. */
  BroadcastChannel?: typeof BroadcastChannel | undefined;
  /** Polling interval (ms) where there is no push. Default 10 s. */
  pollIntervalMs?: number;
  /** Fast polling interval (ms) after a return from checkout. Default 1 s. */
  fastPollIntervalMs?: number;
  /** How long fast polling lasts at most. Default 2 min. */
  checkoutPollCapMs?: number;
  /** Reconnect delays of the event stream (ms). Defaults 500 and 30 000. */
  streamInitialDelayMs?: number;
  streamMaxDelayMs?: number;
  /** Reconnect a stream silent for this long (the emulator sends a heartbeat every 15 s). Default 45 s. */
  streamIdleTimeoutMs?: number;
  /** Page visibility/online source. Default the browser's (always visible/online elsewhere). */
  environment?: PollerEnvironment;
  /** Where pending checkouts are read from. Default `sessionStorage` when present. */
  checkoutStorage?: PendingCheckoutStorage | undefined;
}

/** A running live channel; see the module comment. */
export interface LiveChannel {
  /** Calls `listener` with every new value of `topic` (undefined: changed, re-read it). */
  subscribe<T extends LiveTopic>(topic: T, listener: LiveListener<T>): () => void;
  /** The connection state now. */
  readonly state: LiveConnectionState;
  /** Calls `listener` when {@link LiveChannel.state} changes. */
  onStateChange(listener: (state: LiveConnectionState) => void): () => void;
  /** Topics open now (at least one subscriber). */
  topics(): LiveTopic[];
  /** Re-reads every open topic now (e.g. after the app did something the server reacts to). */
  refresh(): Promise<void>;
  /** Polls a customer fast until its data changes (what a return from checkout does). */
  expectChange(customerType: CustomerType, customerId: string, options?: { productId?: string }): void;
  /** Closes every source and drops every subscriber. */
  close(): void;
}

interface CustomerEntry {
  topics: Set<LiveTopic>;
  stream: EventStream | undefined;
  /** True while the stream delivers; its topics are then not polled. */
  pushing: boolean;
}

/** Creates the live channel of a host (an app); see the module comment. */
export function createLiveChannel(host: LiveChannelHost, options: LiveChannelOptions = {}): LiveChannel {
  const bus = host.live;
  const env = options.environment ?? createBrowserEnvironment();
  const storage = "checkoutStorage" in options ? options.checkoutStorage : defaultCheckoutStorage();
  const relay: BroadcastRelay | undefined =
    options.broadcast === false
      ? undefined
      : createBroadcastRelay(bus, {
          name: `stack-payments:live:${host.projectId}`,
          BroadcastChannel: "BroadcastChannel" in options ? options.BroadcastChannel : globalThis.BroadcastChannel,
        });
  const usePush = options.push !== false && host.openEventStream !== undefined;
  /** Per topic: subscriber count and what opening it set up. */
  const open = new Map<LiveTopic, { count: number; release: () => void }>();
  const customers = new Map<string, CustomerEntry>();
  const stateListeners = new Set<(state: LiveConnectionState) => void>();
  let state: LiveConnectionState = "idle";
  let closed = false;

  const computeState = (): LiveConnectionState => {
    if (open.size === 0) return "idle";
    const streamsUp = [...customers.values()].every((c) => c.pushing);
    if (!env.isOnline() || (poller.failing && !streamsUp)) return "offline";
    return streamsUp ? "push" : "polling";
  };
  const updateState = () => {
    const next = computeState();
    if (next === state) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  };

  const poller: Poller = createPoller({
    read: (topic) => host.readTopic(topic),
    publish: (topic, value) => bus.publish(topic, value),
    ...(options.pollIntervalMs !== undefined && { intervalMs: options.pollIntervalMs }),
    ...(options.fastPollIntervalMs !== undefined && { fastIntervalMs: options.fastPollIntervalMs }),
    ...(options.checkoutPollCapMs !== undefined && { hurryCapMs: options.checkoutPollCapMs }),
    environment: env,
    onFailingChange: () => updateState(),
  });
  const offEnv = [env.on("wake", updateState), env.on("sleep", updateState)];

  const onStreamEvent = (customerType: CustomerType, customerId: string, event: ServerSentEvent) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return;
    }
    // An event of a newer server that we do not understand is skipped, not fatal.
    if (checkShape(liveEventShape, parsed)) return;
    const data = parsed as LiveEvent;
    const topic =
      data.kind === "item" ? itemTopic(customerType, customerId, data.item_id) : productsTopic(customerType, customerId);
    const value = data.kind === "item" ? data.item : data.products;
    // Every tab has its own stream: a relayed copy could only arrive late.
    const publish = () => bus.publish(topic, value);
    if (relay) relay.quietly(publish);
    else publish();
  };

  const reread = (topics: LiveTopic[]) =>
    Promise.all(topics.map(async (topic) => bus.publish(topic, await host.readTopic(topic))));

  const startStream = (customerType: CustomerType, customerId: string, entry: CustomerEntry) => {
    if (!usePush) return;
    entry.stream = createEventStream({
      open: (init) => host.openEventStream!(customerType, customerId, init),
      onEvent: (event) => onStreamEvent(customerType, customerId, event),
      ...(options.streamInitialDelayMs !== undefined && { initialDelayMs: options.streamInitialDelayMs }),
      ...(options.streamMaxDelayMs !== undefined && { maxDelayMs: options.streamMaxDelayMs }),
      idleTimeoutMs: options.streamIdleTimeoutMs ?? 45_000,
      onStateChange: (streamState) => {
        const pushing = streamState === "open";
        // Without Last-Event-ID the stream starts from now: re-read what changed since the topics' first reads.
        if (pushing && entry.stream?.lastEventId === undefined) reread([...entry.topics]).catch(() => {});
        if (pushing !== entry.pushing) {
          entry.pushing = pushing;
          // Topics of a pushing customer need no polling; a dropped stream falls back to it at once.
          for (const topic of entry.topics) {
            if (pushing) poller.remove(topic);
            else poller.add(topic);
          }
        }
        updateState();
      },
    });
  };

  const openTopic = (topic: LiveTopic): (() => void) => {
    const { customerType, customerId } = parseTopic(topic);
    const key = `${customerType}:${customerId}`;
    let entry = customers.get(key);
    if (!entry) {
      customers.set(key, (entry = { topics: new Set(), stream: undefined, pushing: false }));
      startStream(customerType, customerId, entry);
    }
    entry.topics.add(topic);
    if (!entry.pushing) poller.add(topic);
    const offNote = bus.subscribe(topic, (value) => poller.note(topic, value));
    const offRelay = relay?.open(topic);
    return () => {
      offNote();
      offRelay?.();
      poller.remove(topic);
      const current = customers.get(key);
      if (!current) return;
      current.topics.delete(topic);
      if (current.topics.size === 0) {
        current.stream?.close();
        customers.delete(key);
      }
    };
  };

  const offSession = host.onSessionChange?.(() => {
    // New credentials: streams reconnect with them (resuming where they were).
    for (const entry of customers.values()) entry.stream?.reconnect();
  });

  const hurry = (customerType: CustomerType, customerId: string, productId: string | undefined) => {
    poller.hurry(customerType, customerId, {
      ...(productId !== undefined && {
        // A non-stackable product can only be owned once: seeing it listed means the purchase landed.
        landed: (topic: LiveTopic, value: LiveValue<LiveTopic>) =>
          topic.startsWith("products:") &&
          "items" in value &&
          value.items.some((p) => p.id === productId && !p.product.stackable),
      }),
      onDone: () => clearPendingCheckout(host.projectId, customerType, customerId, storage),
    });
  };
  for (const pending of readPendingCheckouts(host.projectId, storage)) {
    hurry(pending.customerType, pending.customerId, pending.productId);
  }

  return {
    subscribe(topic, listener) {
      if (closed) return () => {};
      const off = bus.subscribe(topic, listener);
      let entry = open.get(topic);
      if (entry) entry.count++;
      else open.set(topic, (entry = { count: 1, release: openTopic(topic) }));
      updateState();
      let done = false;
      return () => {
        if (done) return;
        done = true;
        off();
        const current = open.get(topic);
        if (!current || --current.count > 0) return;
        open.delete(topic);
        current.release();
        updateState();
      };
    },
    get state() {
      return state;
    },
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    topics: () => [...open.keys()],
    async refresh() {
      await reread([...open.keys()]);
    },
    expectChange(customerType, customerId, opts = {}) {
      hurry(customerType, customerId, opts.productId);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const entry of open.values()) entry.release();
      open.clear();
      poller.close();
      relay?.close();
      offSession?.();
      for (const off of offEnv) off();
      updateState();
      stateListeners.clear();
    },
  };
}
