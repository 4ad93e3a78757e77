/**
 * Payments customers: users, teams and custom customers. This file holds the customer reference,
 * the context every payments call runs in, argument checks, and the `Customer` methods shared by
 * user and team objects.
 *
 * Extension point for the React layer: every customer object carries two non-enumerable
 * properties, `customerRef` ({ type, id }) and `app` (the app that created it), so hooks can be
 * attached from `src/react` (e.g. `user.useItem`) without the core importing React.
 */
import type { CustomerType } from "./schemas/common.js";
import type { LiveBus } from "./live/bus.js";
import { recordPendingCheckout } from "./live/pending-checkout.js";
import type { AccessType, CallOptions, Transport, TransportSession } from "./transport.js";
import { invalidArgument } from "./errors.js";
import type { Item, ServerItem } from "./item.js";
import { createServerItem, fetchItem, toItem } from "./item.js";
import type { CustomerBilling, CustomerInvoicesList, CustomerProductsList, InlineProduct, ListOptions } from "./products.js";
import {
  cancelSubscription,
  createCheckoutUrl,
  getBilling,
  grantProduct,
  listInvoices,
  listProducts,
  switchSubscription,
} from "./products.js";

/** Identifies a payments customer on the wire: `{ type: "user" | "team" | "custom", id }`. */
export interface CustomerRef {
  readonly type: CustomerType;
  readonly id: string;
}

/** Everything a payments call needs: how to send, as whom, and where to publish what it learns. */
export interface PaymentsContext {
  transport: Transport;
  accessType: AccessType;
  /** The user session for client requests; null for server requests (they act as the project). */
  session: TransportSession | null;
  live: LiveBus;
}

/** App-level customer selector: exactly one of `userId`, `teamId`, `customCustomerId`. */
export type CustomerSelector =
  | { userId: string; teamId?: undefined; customCustomerId?: undefined }
  | { teamId: string; userId?: undefined; customCustomerId?: undefined }
  | { customCustomerId: string; userId?: undefined; teamId?: undefined };

/** Fails with `INVALID_ARGUMENT` unless `value` is a non-empty string. */
export function requireId(name: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw invalidArgument(name, `expected a non-empty string, got ${describe(value)}`);
  return value;
}

/** Fails with `INVALID_ARGUMENT` unless `value` is a finite integer ≥ `min`. */
export function requireCount(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || !Number.isInteger(value) || value < min) {
    throw invalidArgument(name, `expected an integer ≥ ${min}, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return String(value);
  return value === null ? "null" : typeof value;
}

/** Turns an app-level selector into a {@link CustomerRef}, refusing zero, several, or unknown keys. */
export function customerRefFrom(selector: unknown): CustomerRef {
  if (typeof selector !== "object" || selector === null) throw invalidArgument("options", "expected an object with userId, teamId or customCustomerId");
  const s = selector as Record<string, unknown>;
  const given = (["userId", "teamId", "customCustomerId"] as const).filter((k) => s[k] !== undefined);
  if (given.length !== 1) {
    const customerType = s.customerType ?? s.customer_type;
    const extra = customerType !== undefined ? ` (unknown customer type ${describe(customerType)})` : "";
    throw invalidArgument("customer", `give exactly one of userId, teamId or customCustomerId, got ${given.length ? given.join(", ") : "none"}${extra}`);
  }
  const key = given[0]!;
  const id = requireId(key, s[key]);
  return { type: key === "userId" ? "user" : key === "teamId" ? "team" : "custom", id };
}

/** A wire customer type guard that refuses anything but user/team/custom. */
export function requireCustomerType(value: unknown): CustomerType {
  if (value === "user" || value === "team" || value === "custom") return value;
  throw invalidArgument("customerType", `expected "user", "team" or "custom", got ${describe(value)}`);
}

/** Options of `createCheckoutUrl` on a client customer. */
export interface CheckoutOptions {
  productId: string;
  /** Where checkout sends the buyer back; must be a trusted domain of the project. */
  returnUrl?: string | undefined;
}

/** Options of `createCheckoutUrl` on a server customer: a configured product or an inline one. */
export type ServerCheckoutOptions = CheckoutOptions | { product: InlineProduct; returnUrl?: string | undefined };

/** Options of `grantProduct`: a configured product id or an inline product, and a quantity (default 1). */
export type GrantProductOptions =
  | { productId: string; product?: undefined; quantity?: number | undefined }
  | { product: InlineProduct; productId?: undefined; quantity?: number | undefined };

/** Options of `switchSubscription`. */
export interface SwitchSubscriptionOptions {
  fromProductId: string;
  toProductId: string;
  priceId?: string | undefined;
  quantity?: number | undefined;
}

/** Options of `cancelSubscription` on a customer. */
export interface CancelSubscriptionOptions {
  productId: string;
  subscriptionId?: string | undefined;
}

/** A payments customer as a client sees it (the signed-in user, or a team it administers). */
export interface Customer {
  /** User id or team id. */
  readonly id: string;
  /** Wire identity `{ type, id }` (non-enumerable). */
  readonly customerRef: CustomerRef;
  /** Creates a hosted-checkout URL for a configured product. */
  createCheckoutUrl(options: CheckoutOptions, callOptions?: CallOptions): Promise<string>;
  /** Reads an item's current quantity. */
  getItem(itemId: string, callOptions?: CallOptions): Promise<Item>;
  /** Lists owned products; the array carries `nextCursor`. */
  listProducts(options?: ListOptions, callOptions?: CallOptions): Promise<CustomerProductsList>;
  /** Lists subscription invoices, newest first. */
  listInvoices(options?: ListOptions, callOptions?: CallOptions): Promise<CustomerInvoicesList>;
  /** Stripe customer and default card summary. */
  getBilling(callOptions?: CallOptions): Promise<CustomerBilling>;
  /** Switches a subscription to another product of the same product line. */
  switchSubscription(options: SwitchSubscriptionOptions, callOptions?: CallOptions): Promise<void>;
  /** Cancels the subscription(s) of a product (at period end). */
  cancelSubscription(options: CancelSubscriptionOptions, callOptions?: CallOptions): Promise<void>;
}

/** A payments customer as a server sees it: server items, inline products, grants. */
export interface ServerCustomer extends Omit<Customer, "getItem" | "createCheckoutUrl"> {
  createCheckoutUrl(options: ServerCheckoutOptions, callOptions?: CallOptions): Promise<string>;
  /** Reads an item; the returned object can change the quantity and shows the new value afterwards. */
  getItem(itemId: string, callOptions?: CallOptions): Promise<ServerItem>;
  /** Grants a product without payment. */
  grantProduct(options: GrantProductOptions, callOptions?: CallOptions): Promise<void>;
}

/** Defines the non-enumerable `customerRef` and `app` properties on a customer object. */
export function attachCustomerRef<T extends object>(target: T, ref: CustomerRef, app: unknown): T {
  Object.defineProperty(target, "customerRef", { value: ref, enumerable: false });
  Object.defineProperty(target, "app", { value: app, enumerable: false });
  return target;
}

/**
 * The `Customer` methods for `ref`, bound to `ctx` (client variant). With `projectId`,
 * `createCheckoutUrl` also notes the pending checkout in the tab's `sessionStorage` (a no-op
 * outside a browser), so the page the buyer returns to polls this customer fast.
 */
export function clientCustomerMethods(ctx: PaymentsContext, ref: CustomerRef, projectId?: string): Omit<Customer, "id" | "customerRef"> {
  return {
    createCheckoutUrl: async (o, c) => {
      const url = await createCheckoutUrl(ctx, ref, o, c);
      if (projectId) recordPendingCheckout(projectId, { customerType: ref.type, customerId: ref.id, productId: o.productId });
      return url;
    },
    getItem: async (itemId, c) => toItem(await fetchItem(ctx, ref, requireId("itemId", itemId), c)),
    listProducts: (o, c) => listProducts(ctx, ref, o, c),
    listInvoices: (o, c) => listInvoices(ctx, ref, o, c),
    getBilling: (c) => getBilling(ctx, ref, c),
    switchSubscription: (o, c) => switchSubscription(ctx, ref, o, c),
    cancelSubscription: (o, c) => cancelSubscription(ctx, ref, o, c),
  };
}

/** The `ServerCustomer` methods for `ref`, bound to a server `ctx`. */
export function serverCustomerMethods(ctx: PaymentsContext, ref: CustomerRef): Omit<ServerCustomer, "id" | "customerRef"> {
  return {
    ...clientCustomerMethods(ctx, ref),
    createCheckoutUrl: (o, c) => createCheckoutUrl(ctx, ref, o, c),
    getItem: async (itemId, c) => {
      requireId("itemId", itemId);
      return createServerItem(ctx, ref, itemId, await fetchItem(ctx, ref, itemId, c));
    },
    grantProduct: (o, c) => grantProduct(ctx, ref, o, c),
  };
}
