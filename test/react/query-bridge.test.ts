// @vitest-environment node
// The live bridge against a bare channel (the app's in-process bus, no network): it follows the
// QueryCache's own events and each query's `meta.liveTopic`, never the shape of keys.
import { QueryClient, type QueryKey } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { createLiveBus, type LiveTopic } from "../../src/core/live/bus.js";
import type { LiveChannel } from "../../src/core/live/live-channel.js";
import type { ItemResponse, ProductsListResponse } from "../../src/core/schemas/payments.js";
import { createQueryBridge, type QueryBridge } from "../../src/react/query-bridge.js";
import { stackQueryKeys } from "../../src/react.js";

const P = "00000000-0000-4000-8000-000000000001";
const A = { userId: "user-a" };
const itemTopicA = "item:user:user-a:credits" as const;
const productsTopicA = "products:user:user-a" as const;

function fakeChannel() {
  const bus = createLiveBus();
  const channel: LiveChannel = {
    subscribe: (topic, listener) => bus.subscribe(topic, listener),
    state: "idle",
    onStateChange: () => () => {},
    topics: () => bus.topics(),
    refresh: async () => {},
    expectChange: () => {},
    close: () => {},
  };
  return { channel, publish: bus.publish };
}

const item = (quantity: number): ItemResponse => ({ id: "credits", display_name: "Credits", quantity });
const page = (ids: string[]): ProductsListResponse => ({
  items: ids.map((id) => ({
    id,
    quantity: 1,
    product: {
      display_name: id,
      customer_type: "user",
      stackable: false,
      server_only: false,
      included_items: {},
      client_metadata: null,
      client_read_only_metadata: null,
      server_metadata: null,
      prices: {},
    },
  })),
  is_paginated: false,
  pagination: { next_cursor: null },
});

/** Puts a query in the cache the way a hook or a prefetch does (options with their meta). */
function add(client: QueryClient, queryKey: QueryKey, data: unknown, liveTopic?: LiveTopic) {
  return client.prefetchQuery({ queryKey, queryFn: async () => data, staleTime: Infinity, ...(liveTopic && { meta: { liveTopic } }) });
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

let bridge: QueryBridge | undefined;
afterEach(() => bridge?.close());

describe("createQueryBridge", () => {
  it("opens a query's topic when it enters the cache and closes it when it leaves", async () => {
    const client = new QueryClient();
    const { channel } = fakeChannel();
    bridge = createQueryBridge(client, channel, P);
    const key = stackQueryKeys.item(P, { itemId: "credits", ...A });
    await add(client, key, item(1), itemTopicA);
    await tick();
    expect(channel.topics()).toEqual([itemTopicA]);
    client.removeQueries({ queryKey: key });
    expect(channel.topics()).toEqual([]);
  });

  it("follows meta, not keys: a key shaped like ours without a topic, another project's query, a query gone before it settles", async () => {
    const client = new QueryClient();
    const { channel } = fakeChannel();
    bridge = createQueryBridge(client, channel, P);
    await add(client, stackQueryKeys.item(P, { itemId: "credits", ...A }), item(1));
    await add(client, stackQueryKeys.item("00000000-0000-4000-8000-000000000002", { itemId: "credits", ...A }), item(1), itemTopicA);
    const brief = stackQueryKeys.item(P, { itemId: "seats", ...A });
    client.getQueryCache().build(client, { queryKey: brief, meta: { liveTopic: "item:user:user-a:seats" } });
    client.removeQueries({ queryKey: brief });
    await tick();
    expect(channel.topics()).toEqual([]);
  });

  it("follows queries that were in the cache before it started (hydrated or prefetched)", async () => {
    const client = new QueryClient();
    await add(client, stackQueryKeys.item(P, { itemId: "credits", ...A }), item(1), itemTopicA);
    const { channel } = fakeChannel();
    bridge = createQueryBridge(client, channel, P);
    expect(channel.topics()).toEqual([itemTopicA]);
    bridge.close();
    expect(channel.topics()).toEqual([]);
  });

  it("writes pushed values into the query; an equal value keeps the cached object as it was", async () => {
    const client = new QueryClient();
    const { channel, publish } = fakeChannel();
    bridge = createQueryBridge(client, channel, P);
    const key = stackQueryKeys.item(P, { itemId: "credits", ...A });
    await add(client, key, item(1), itemTopicA);
    await tick();
    publish(itemTopicA, item(5));
    const five = client.getQueryData(key);
    expect(five).toEqual(item(5));
    publish(itemTopicA, item(5));
    expect(client.getQueryData(key)).toBe(five);
    publish(itemTopicA, item(6));
    expect(client.getQueryData(key)).toEqual(item(6));
  });

  it("a pushed first page re-reads the other pages under its key, and no one else's", async () => {
    const client = new QueryClient();
    const { channel, publish } = fakeChannel();
    bridge = createQueryBridge(client, channel, P);
    const first = stackQueryKeys.products(P, A);
    const other = stackQueryKeys.products(P, { ...A, limit: 5 });
    const otherCustomer = stackQueryKeys.products(P, { userId: "user-b", limit: 5 });
    await add(client, first, page([]), productsTopicA);
    await add(client, other, page([]));
    await add(client, otherCustomer, page([]));
    await tick();
    publish(productsTopicA, page(["pro"]));
    expect(client.getQueryData(first)).toEqual(page(["pro"]));
    expect([first, other, otherCustomer].map((k) => client.getQueryState(k)!.isInvalidated)).toEqual([false, true, false]);
  });

  it("a hint without a value (\"it changed\") marks the query and its pages for a re-read", async () => {
    const client = new QueryClient();
    const { channel, publish } = fakeChannel();
    bridge = createQueryBridge(client, channel, P);
    const first = stackQueryKeys.products(P, A);
    const other = stackQueryKeys.products(P, { ...A, cursor: "c" });
    await add(client, first, page([]), productsTopicA);
    await add(client, other, page([]));
    await tick();
    publish(productsTopicA, undefined);
    expect([first, other].map((k) => client.getQueryState(k)!.isInvalidated)).toEqual([true, true]);
    expect(client.getQueryData(first)).toEqual(page([]));
  });
});
