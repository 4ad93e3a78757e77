/**
 * Items: a customer's quantity of something (credits, seats). Reads for clients and servers;
 * quantity changes (`ServerItem`) for servers, one request per change.
 */
import type { ItemResponse } from "./schemas/payments.js";
import { itemResponseShape, updateQuantityResponseShape } from "./wire-shapes.js";
import { isStackPaymentsError } from "./errors.js";
import { itemTopic } from "./live/bus.js";
import { apiPath, requireCount, type ApiContext, type CustomerRef } from "./api-context.js";
import type { CallOptions } from "./transport.js";

/** A customer's item. `quantity` may be negative (debt); `nonNegativeQuantity` is `max(0, quantity)`. */
export interface Item {
  readonly displayName: string;
  readonly quantity: number;
  readonly nonNegativeQuantity: number;
}

/**
 * An item read with server access, which can change the quantity. Each change is one request.
 *
 * What `quantity` shows: the quantity this object was read with, plus the deltas of this
 * object's own successful changes. Changes made elsewhere (another object, another server, a
 * purchase, an expiry) show only in a fresh `getItem`. A change that fails leaves `quantity` as it
 * was.
 *
 * @example
 * const credits = await user.getItem("credits"); // quantity 10
 * if (await credits.tryDecreaseQuantity(3)) console.log(credits.quantity); // 7
 */
export interface ServerItem extends Item {
  /** Adds `amount` (`allow_negative=false`: fails with `ITEM_QUANTITY_INSUFFICIENT_AMOUNT` if the result stays negative). */
  increaseQuantity(amount: number, callOptions?: CallOptions): Promise<void>;
  /** Removes `amount`; the quantity may go negative (`allow_negative=true`). */
  decreaseQuantity(amount: number, callOptions?: CallOptions): Promise<void>;
  /** Removes `amount` only if enough is left: `false` on `ITEM_QUANTITY_INSUFFICIENT_AMOUNT`, atomically on the server. */
  tryDecreaseQuantity(amount: number, callOptions?: CallOptions): Promise<boolean>;
}

/** GET an item's wire body and publish it on the live bus. `itemId` must have been checked by name. */
export async function fetchItem(ctx: ApiContext, ref: CustomerRef, itemId: string, callOptions?: CallOptions): Promise<ItemResponse> {
  const wire = await ctx.call({
    method: "GET",
    path: apiPath`/payments/items/${ref.type}/${ref.id}/${itemId}`,
    schema: itemResponseShape,
    options: callOptions,
  });
  ctx.live.publish(itemTopic(ref.type, ref.id, itemId), wire);
  return wire;
}

/** Maps the wire item to the SDK's `Item`. */
export function toItem(wire: ItemResponse): Item {
  return { displayName: wire.display_name, quantity: wire.quantity, nonNegativeQuantity: Math.max(0, wire.quantity) };
}

/**
 * Builds a `ServerItem` over `wire` (read for `ref` and `itemId`, both already checked). Its
 * quantity follows its own successful changes; see {@link ServerItem}.
 */
export function createServerItem(ctx: ApiContext, ref: CustomerRef, itemId: string, wire: ItemResponse): ServerItem {
  let quantity = wire.quantity;
  const topic = itemTopic(ref.type, ref.id, itemId);
  const change = async (delta: number, allowNegative: boolean, callOptions?: CallOptions) => {
    await ctx.call({
      method: "POST",
      path: apiPath`/payments/items/${ref.type}/${ref.id}/${itemId}/update-quantity`,
      // Always sent, `false` included, as the official SDK does.
      query: { allow_negative: String(allowNegative) },
      body: { delta },
      schema: updateQuantityResponseShape,
      options: callOptions,
    });
    quantity += delta;
    ctx.live.publish(topic, { id: wire.id, display_name: wire.display_name, quantity });
    // Someone shows this item live: give them the server's value too, which also counts changes
    // made elsewhere. Nobody listening: no request, as with the official SDK's caches.
    if (ctx.live.topics().includes(topic)) {
      try {
        await fetchItem(ctx, ref, itemId, callOptions);
      } catch {
        // The change itself succeeded, so this call must not fail (a caller would retry it and
        // apply it twice); listeners are told the value is stale and re-read it themselves.
        ctx.live.publish(topic, undefined);
      }
    }
  };
  return {
    get displayName() {
      return wire.display_name;
    },
    get quantity() {
      return quantity;
    },
    get nonNegativeQuantity() {
      return Math.max(0, quantity);
    },
    increaseQuantity: async (amount, c) => change(requireCount("amount", amount, 0), false, c),
    decreaseQuantity: async (amount, c) => change(-requireCount("amount", amount, 0), true, c),
    tryDecreaseQuantity: async (amount, c) => {
      try {
        await change(-requireCount("amount", amount, 0), false, c);
        return true;
      } catch (error) {
        if (isStackPaymentsError(error, "ITEM_QUANTITY_INSUFFICIENT_AMOUNT")) return false;
        throw error;
      }
    },
  };
}
