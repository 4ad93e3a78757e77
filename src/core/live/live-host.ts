/**
 * Adapts a `StackClientApp` or `StackServerApp` to the {@link LiveChannelHost} the live channel
 * needs, using only the apps' public surface: reads go through `readTopic` (read-topic.ts), push
 * through `openLiveEventStream` when the app offers it; and keeps one shared channel per app.
 */
import { readTopic, type LiveApp } from "./read-topic.js";
import { createLiveChannel, type LiveChannel, type LiveChannelHost, type LiveChannelOptions } from "./live-channel.js";

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
