/**
 * Adapts a `StackClientApp` or `StackServerApp` to the {@link LiveChannelHost} the live channel
 * needs, using only the apps' public surface: reads go through `getItem` / `listProducts` (which
 * publish the wire body on `app.live`, where it is captured), push through `openLiveEventStream`
 * when the app offers it.
 */
import type { CustomerSelector } from "../customer.js";
import type { ListOptions } from "../products.js";
import type { CustomerType } from "../schemas/common.js";
import type { LiveBus, LiveTopic, LiveValue } from "./bus.js";
import { createLiveChannel, parseTopic, type LiveChannel, type LiveChannelHost, type LiveChannelOptions } from "./live-channel.js";

/** The part of an app the live channel uses. */
export interface LiveApp {
  readonly live: LiveBus;
  readonly projectId: string;
  getItem(options: { itemId: string } & CustomerSelector): Promise<unknown>;
  listProducts(options: CustomerSelector & ListOptions): Promise<unknown>;
  onSessionChange?(listener: () => void): () => void;
  /**
   * Opens `GET /payments/events/{type}/{id}` with the app's credentials and returns the raw
   * response (no parsing, no retries). Optional: without it the channel polls.
   */
  openLiveEventStream?(
    customer: { type: CustomerType; id: string },
    init: { lastEventId?: string | undefined; signal: AbortSignal },
  ): Promise<Response>;
}

/** `{ userId }`, `{ teamId }` or `{ customCustomerId }` for a customer. */
export function customerSelector(customerType: CustomerType, customerId: string): CustomerSelector {
  if (customerType === "user") return { userId: customerId };
  if (customerType === "team") return { teamId: customerId };
  return { customCustomerId: customerId };
}

/**
 * Reads a topic's current wire value through the app. The app publishes what it reads on its bus;
 * the value is taken from there, so the caller gets the exact wire body (plain JSON).
 */
export async function readTopic(app: LiveApp, topic: LiveTopic): Promise<LiveValue<LiveTopic>> {
  const t = parseTopic(topic);
  const selector = customerSelector(t.customerType, t.customerId);
  let captured: LiveValue<LiveTopic> | undefined;
  const off = app.live.subscribe(topic, (value) => {
    if (value !== undefined) captured = value;
  });
  try {
    if (t.kind === "item") await app.getItem({ itemId: t.itemId, ...selector });
    else await app.listProducts(selector);
  } finally {
    off();
  }
  if (captured === undefined) throw new Error(`The app did not publish the value of ${topic} it read.`);
  return captured;
}

/** The {@link LiveChannelHost} of an app. */
export function createLiveChannelHost(app: LiveApp): LiveChannelHost {
  const host: LiveChannelHost = {
    live: app.live,
    projectId: app.projectId,
    readTopic: (topic) => readTopic(app, topic),
  };
  if (app.onSessionChange) host.onSessionChange = (listener) => app.onSessionChange!(listener);
  if (typeof app.openLiveEventStream === "function") {
    host.openEventStream = (type, id, init) =>
      app.openLiveEventStream!({ type, id }, { lastEventId: init.lastEventId, signal: init.signal });
  }
  return host;
}

const channels = new WeakMap<object, { channel: LiveChannel; users: number }>();

/**
 * The shared live channel of an app (one per app, reference-counted): the first acquire creates
 * it, the last release closes it.
 *
 * @example
 * const { channel, release } = acquireLiveChannel(app);
 * const off = channel.subscribe(itemTopic("user", userId, "credits"), (item) => render(item));
 */
export function acquireLiveChannel(app: LiveApp, options?: LiveChannelOptions): { channel: LiveChannel; release: () => void } {
  let entry = channels.get(app);
  if (!entry) channels.set(app, (entry = { channel: createLiveChannel(createLiveChannelHost(app), options), users: 0 }));
  entry.users++;
  const current = entry;
  let released = false;
  return {
    channel: current.channel,
    release() {
      if (released) return;
      released = true;
      if (--current.users > 0) return;
      current.channel.close();
      if (channels.get(app) === current) channels.delete(app);
    },
  };
}
