/**
 * Reading a live topic's current value through an app's public surface: `getItem` / `listProducts`
 * publish the wire body they read on `app.live`, where it is captured. What the query functions of
 * the React layer and the live channel's polling both read with; kept apart from the live channel
 * itself so that reads do not pull the channel's sources (push, polling, other tabs) into a bundle.
 */
import type { CustomerSelector } from "../customer.js";
import type { ListOptions } from "../products.js";
import type { CustomerType } from "../schemas/common.js";
import { parseTopic, type LiveBus, type LiveTopic, type LiveValue } from "./bus.js";

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
