/**
 * The bridge from the live channel into a react-query cache: when a query of ours that follows a
 * live topic enters the cache (a hook mounted, a prefetch, a hydration), the topic is opened;
 * every pushed value is written straight into the query (`setQueryData`), a "changed" hint
 * invalidates it; when the query is garbage-collected, the topic is closed.
 */
import type { Query, QueryClient } from "@tanstack/react-query";
import type { LiveChannel } from "../core/live/live-channel.js";
import { QUERY_NAMESPACE, topicOfQueryKey } from "./query-options.js";

/** A running bridge; `close()` releases every topic it opened. */
export interface QueryBridge {
  close(): void;
}

/** Connects `channel` to `queryClient`'s cache for the queries of `projectId`; see the module comment. */
export function createQueryBridge(queryClient: QueryClient, channel: LiveChannel, projectId: string): QueryBridge {
  const cache = queryClient.getQueryCache();
  const open = new Map<string, () => void>();

  const add = (query: Query) => {
    if (open.has(query.queryHash) || query.queryKey[1] !== projectId) return;
    const topic = topicOfQueryKey(query.queryKey);
    if (!topic) return;
    const key = query.queryKey;
    open.set(
      query.queryHash,
      channel.subscribe(topic, (value) => {
        if (value === undefined) {
          void queryClient.invalidateQueries({ queryKey: key, exact: true });
        } else {
          const current = queryClient.getQueryData(key);
          // Reads made by the query itself come back through the channel too: skip equal values.
          if (current === undefined || JSON.stringify(current) !== JSON.stringify(value)) queryClient.setQueryData(key, value);
        }
        if (topic.startsWith("products:")) {
          // Other pages of the same list have no topic of their own: they follow the first page.
          void queryClient.invalidateQueries({
            predicate: (q) =>
              q.queryKey[0] === QUERY_NAMESPACE && q.queryKey.length === 6 && q.queryKey.slice(0, 5).every((k, i) => k === key[i]),
          });
        }
      }),
    );
  };

  const remove = (query: Query) => {
    const off = open.get(query.queryHash);
    if (!off) return;
    open.delete(query.queryHash);
    off();
  };

  // Queries already in the cache (rendered or hydrated before the bridge started) are live too.
  for (const query of cache.getAll()) add(query);
  const unsubscribe = cache.subscribe((event) => {
    if (event.type === "added") add(event.query);
    else if (event.type === "removed") remove(event.query);
  });

  return {
    close() {
      unsubscribe();
      for (const off of open.values()) off();
      open.clear();
    },
  };
}
