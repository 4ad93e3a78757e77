/**
 * The bridge from the live channel into a react-query cache. It listens to the QueryCache's own
 * events: when a query of the project whose `meta.liveTopic` names a topic enters the cache (a hook
 * mounted, a prefetch, a hydration), the topic is opened; when the query leaves the cache (garbage
 * collection, removal), it is closed. Pushed values are written straight into the query with
 * `setQueryData` (react-query's structural sharing keeps equal values as they were, so a value read
 * by the query itself and echoed by the channel changes nothing); a "changed" hint invalidates it.
 * Queries under a live query's key (the other pages of a product list) are re-read when it changes.
 */
import { matchQuery, type Query, type QueryClient } from "@tanstack/react-query";
import type { LiveChannel, LiveChannelOptions } from "../core/live/live-channel.js";
import { acquireLiveChannel } from "../core/live/live-host.js";
import type { QueryApp, StackQueryMeta } from "./query-options.js";
import { stackQueryKeys } from "./stack-query-keys.js";

/** A running bridge; `close()` releases every topic it opened. */
export interface QueryBridge {
  close(): void;
}

/** Connects `channel` to `queryClient`'s cache for the queries of `projectId`; see the module comment. */
export function createQueryBridge(queryClient: QueryClient, channel: LiveChannel, projectId: string): QueryBridge {
  const cache = queryClient.getQueryCache();
  const project = { queryKey: stackQueryKeys.project(projectId) };
  // What this bridge opened, to close it again: subscriptions, not cached values.
  const open = new Map<Query, () => void>();

  const follow = (query: Query) => {
    const topic = (query.meta as StackQueryMeta | undefined)?.liveTopic;
    if (!topic || open.has(query) || !matchQuery(project, query)) return;
    open.set(
      query,
      channel.subscribe(topic, (value) => {
        if (value === undefined) {
          void queryClient.invalidateQueries({ queryKey: query.queryKey });
          return;
        }
        queryClient.setQueryData(query.queryKey, value);
        void queryClient.invalidateQueries({ queryKey: query.queryKey, predicate: (q) => q !== query });
      }),
    );
  };

  const unfollow = (query: Query) => {
    open.get(query)?.();
    open.delete(query);
  };

  // Queries already in the cache (rendered or hydrated before the bridge started) are live too.
  for (const query of cache.getAll()) follow(query);
  let closed = false;
  const unsubscribe = cache.subscribe((event) => {
    const { query } = event;
    if (event.type === "removed") unfollow(query);
    else if (event.type === "added") {
      // Queries enter the cache while a component renders; opening a topic starts connections and
      // changes the channel's state (which other components show), so it waits until the render is over.
      queueMicrotask(() => {
        if (!closed && cache.get(query.queryHash) === query) follow(query);
      });
    }
  });

  return {
    close() {
      closed = true;
      unsubscribe();
      for (const off of open.values()) off();
      open.clear();
    },
  };
}

/**
 * Opens `app`'s shared live channel and bridges it into `queryClient`'s cache; returns what closes
 * both. `StackProvider` loads this module only once it has rendered, so the channel's sources
 * (push, polling, other tabs) are not part of what a page needs for its first render.
 */
export function openLiveBridge(app: QueryApp, queryClient: QueryClient, options: LiveChannelOptions | undefined): () => void {
  const { channel, release } = acquireLiveChannel(app, options);
  const bridge = createQueryBridge(queryClient, channel, app.projectId);
  return () => {
    bridge.close();
    release();
  };
}
