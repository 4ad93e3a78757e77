/**
 * The in-process half of the live channel: named topics carrying the latest wire value of a
 * customer's item or product list. Every source (this app's own writes, other tabs, the server's
 * event stream, polling) publishes here; readers (the React bridge, plain code) subscribe here.
 */
import type { CustomerType } from "../schemas/common.js";
import type { ItemResponse, ProductsListResponse } from "../schemas/payments.js";

/** Topic of one customer's item: `item:<type>:<customerId>:<itemId>`. */
export type ItemTopic = `item:${CustomerType}:${string}:${string}`;
/** Topic of one customer's product list (first page, default limit): `products:<type>:<customerId>`. */
export type ProductsTopic = `products:${CustomerType}:${string}`;
export type LiveTopic = ItemTopic | ProductsTopic;

/** The value carried by a topic: the wire body a GET of that resource would return. */
export type LiveValue<T extends LiveTopic> = T extends ItemTopic ? ItemResponse : ProductsListResponse;

/** Builds the topic name of a customer's item. */
export function itemTopic(customerType: CustomerType, customerId: string, itemId: string): ItemTopic {
  return `item:${customerType}:${customerId}:${itemId}`;
}

/** Builds the topic name of a customer's product list. */
export function productsTopic(customerType: CustomerType, customerId: string): ProductsTopic {
  return `products:${customerType}:${customerId}`;
}

/** Splits a topic into its customer and (for items) item id; customer ids may hold `:`, item ids may not. */
export function parseTopic(
  topic: LiveTopic,
): { kind: "item"; customerType: CustomerType; customerId: string; itemId: string } | {
  kind: "products";
  customerType: CustomerType;
  customerId: string;
} {
  const [kind, customerType] = topic.split(":", 2) as ["item" | "products", CustomerType];
  const rest = topic.slice(kind.length + customerType.length + 2);
  if (kind === "products") return { kind, customerType, customerId: rest };
  const cut = rest.lastIndexOf(":");
  return { kind, customerType, customerId: rest.slice(0, cut), itemId: rest.slice(cut + 1) };
}

/** Listener of a topic. `value` is undefined when a source only knows the value changed (then re-read it). */
export type LiveListener<T extends LiveTopic = LiveTopic> = (value: LiveValue<T> | undefined) => void;

/** A set of topics with subscribe/publish. */
export interface LiveBus {
  subscribe<T extends LiveTopic>(topic: T, listener: LiveListener<T>): () => void;
  publish<T extends LiveTopic>(topic: T, value: LiveValue<T> | undefined): void;
  /** Topics with at least one subscriber. */
  topics(): LiveTopic[];
}

/** Creates an empty bus. */
export function createLiveBus(): LiveBus {
  const listeners = new Map<LiveTopic, Set<LiveListener>>();
  return {
    subscribe(topic, listener) {
      let set = listeners.get(topic);
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(listener as LiveListener);
      return () => {
        set.delete(listener as LiveListener);
        if (set.size === 0) listeners.delete(topic);
      };
    },
    publish(topic, value) {
      // Copy first: a listener may unsubscribe while we iterate.
      for (const l of [...(listeners.get(topic) ?? [])]) l(value as never);
    },
    topics: () => [...listeners.keys()],
  };
}
