/**
 * Items: a customer's quantity of something (credits, seats). Reads for clients and servers;
 * quantity changes (`ServerItem`) for servers, with the contract's `allow_negative` rules.
 */
import type { ItemResponse } from "./schemas/payments.js";
import { itemResponseShape, updateQuantityResponseShape } from "./wire-shapes.js";
import { isStackPaymentsError } from "./errors.js";
import { itemTopic } from "./live/bus.js";
import type { CustomerRef, PaymentsContext } from "./customer.js";
import { requireCount } from "./customer.js";
import type { CallOptions } from "./transport.js";
import { segment } from "./transport.js";

/** A customer's item. `quantity` may be negative (debt); `nonNegativeQuantity` is `max(0, quantity)`. */
export interface Item {
  readonly displayName: string;
  readonly quantity: number;
  readonly nonNegativeQuantity: number;
}

/**
 * An item read with server access. After a successful change, this object's `quantity` and
 * `nonNegativeQuantity` show the new value (re-read from the server).
 */
export interface ServerItem extends Item {
  /** Adds `amount` (`allow_negative=false`: fails with `ITEM_QUANTITY_INSUFFICIENT_AMOUNT` if the result stays negative). */
  increaseQuantity(amount: number, callOptions?: CallOptions): Promise<void>;
  /** Removes `amount`; the quantity may go negative (`allow_negative=true`). */
  decreaseQuantity(amount: number, callOptions?: CallOptions): Promise<void>;
  /** Removes `amount` only if enough is left: `false` on `ITEM_QUANTITY_INSUFFICIENT_AMOUNT`, atomically on the server. */
  tryDecreaseQuantity(amount: number, callOptions?: CallOptions): Promise<boolean>;
}

/** Wire path of an item (segments encoded). */
function itemPath(ref: CustomerRef, itemId: string): string {
  return `/payments/items/${segment(ref.type)}/${segment(ref.id)}/${segment(itemId)}`;
}

/** GET an item's wire body and publish it on the live bus. */
export async function fetchItem(ctx: PaymentsContext, ref: CustomerRef, itemId: string, callOptions?: CallOptions): Promise<ItemResponse> {
  const wire = await ctx.transport.request({
    method: "GET",
    path: itemPath(ref, itemId),
    accessType: ctx.accessType,
    session: ctx.session,
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
 * POST update-quantity. The contract inserts these path segments raw (no encoding) and always
 * sends `allow_negative`.
 */
export async function updateItemQuantity(
  ctx: PaymentsContext,
  ref: CustomerRef,
  itemId: string,
  body: { delta: number; expires_at?: string; description?: string },
  allowNegative: boolean,
  callOptions?: CallOptions,
): Promise<void> {
  await ctx.transport.request({
    method: "POST",
    path: `/payments/items/${ref.type}/${ref.id}/${itemId}/update-quantity`,
    query: { allow_negative: String(allowNegative) },
    body,
    accessType: ctx.accessType,
    session: ctx.session,
    schema: updateQuantityResponseShape,
    options: callOptions,
  });
}

/** Builds a `ServerItem` over `wire`, whose quantity follows its own successful changes. */
export function createServerItem(ctx: PaymentsContext, ref: CustomerRef, itemId: string, wire: ItemResponse): ServerItem {
  let current = wire;
  const afterChange = async (delta: number, callOptions?: CallOptions) => {
    try {
      current = await fetchItem(ctx, ref, itemId, callOptions);
    } catch {
      // The change succeeded; if the re-read fails, apply the delta locally and tell listeners to re-read.
      current = { ...current, quantity: current.quantity + delta };
      ctx.live.publish(itemTopic(ref.type, ref.id, itemId), undefined);
    }
  };
  const change = async (delta: number, allowNegative: boolean, callOptions?: CallOptions) => {
    await updateItemQuantity(ctx, ref, itemId, { delta }, allowNegative, callOptions);
    await afterChange(delta, callOptions);
  };
  return {
    get displayName() {
      return current.display_name;
    },
    get quantity() {
      return current.quantity;
    },
    get nonNegativeQuantity() {
      return Math.max(0, current.quantity);
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
