/**
 * Payments customers: the `Customer` methods users and teams share, bound to an API context and a
 * customer reference.
 *
 * Extension point for the React layer: every customer object carries two non-enumerable
 * properties, `customerRef` ({ type, id }) and `app` (the app that created it), so hooks can be
 * attached from `src/react` (e.g. `user.useItem`) without the core importing React.
 */
import type { CallOptions } from "./transport.js";
import { requireId, type ApiContext, type CustomerRef } from "./api-context.js";
import type { Item, ServerItem } from "./item.js";
import { createServerItem, fetchItem, toItem } from "./item.js";
import { createCheckoutUrl, grantProduct, type CheckoutOptions, type GrantProductOptions, type ServerCheckoutOptions } from "./checkout.js";
import { loadOnFirstUse } from "./load-on-first-use.js";
import type {
  CancelSubscriptionOptions,
  CustomerBilling,
  CustomerInvoicesList,
  CustomerPaymentMethodSetupIntent,
  CustomerProductsList,
  ListOptions,
  SwitchSubscriptionOptions,
} from "./products.js";

/**
 * The product operations other than checkout, loaded on first use: a page that reads items and
 * starts checkouts never downloads them (a bundler puts products.ts in a chunk of its own).
 */
export const loadProducts = loadOnFirstUse(() => import("./products.js"), "product operations");

/** The note a checkout leaves for the page the buyer returns to (live/pending-checkout.ts), loaded when a checkout starts. */
const loadPendingCheckout = loadOnFirstUse(() => import("./live/pending-checkout.js"), "checkout note");

// The customer reference and selector live in api-context.ts (the module every call builds on);
// they are re-exported here, where readers of customers look for them.
export { customerRefFrom, type CustomerRef, type CustomerSelector } from "./api-context.js";

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
  /** Starts saving a card: the client secret a card form confirms. */
  createPaymentMethodSetupIntent(callOptions?: CallOptions): Promise<CustomerPaymentMethodSetupIntent>;
  /** Makes the card a confirmed setup intent saved the default one; resolves that card. */
  setDefaultPaymentMethodFromSetupIntent(setupIntentId: string, callOptions?: CallOptions): Promise<CustomerBilling["defaultPaymentMethod"]>;
  /** Switches a subscription to another product of the same product line. */
  switchSubscription(options: SwitchSubscriptionOptions, callOptions?: CallOptions): Promise<void>;
  /** Cancels the subscription(s) of a product (at period end). */
  cancelSubscription(options: CancelSubscriptionOptions, callOptions?: CallOptions): Promise<void>;
}

/** A payments customer as a server sees it: server items, inline products, grants. */
export interface ServerCustomer extends Omit<Customer, "getItem" | "createCheckoutUrl"> {
  createCheckoutUrl(options: ServerCheckoutOptions, callOptions?: CallOptions): Promise<string>;
  /** Reads an item; the returned object can change the quantity (one request per change). */
  getItem(itemId: string, callOptions?: CallOptions): Promise<ServerItem>;
  /** Grants a product without payment. */
  grantProduct(options: GrantProductOptions, callOptions?: CallOptions): Promise<void>;
}

/** Defines the non-enumerable `customerRef` and `app` properties on a customer object. */
export function attachCustomerRef<T extends object>(target: T, ref: CustomerRef, app: unknown): T {
  // Properties defined this way are non-enumerable, read-only and fixed.
  return Object.defineProperties(target, { customerRef: { value: ref }, app: { value: app } });
}

/**
 * The `Customer` methods for `ref`, bound to `ctx` (client variant). With `projectId`,
 * `createCheckoutUrl` also notes the pending checkout in the tab's `sessionStorage` (a no-op
 * outside a browser), so the page the buyer returns to polls this customer fast.
 */
export function clientCustomerMethods(ctx: ApiContext, ref: CustomerRef, projectId?: string): Omit<Customer, "id" | "customerRef"> {
  return {
    createCheckoutUrl: async (o, c) => {
      const url = await createCheckoutUrl(ctx, ref, o, c);
      // Best effort, as writing the note itself is: a checkout never fails for want of its note.
      if (projectId) {
        await loadPendingCheckout().then(
          (m) => m.recordPendingCheckout(projectId, { customerType: ref.type, customerId: ref.id, productId: o.productId }),
          () => {},
        );
      }
      return url;
    },
    getItem: async (itemId, c) => toItem(await fetchItem(ctx, ref, requireId("itemId", itemId), c)),
    listProducts: async (o, c) => (await loadProducts()).listProducts(ctx, ref, o, c),
    listInvoices: async (o, c) => (await loadProducts()).listInvoices(ctx, ref, o, c),
    getBilling: async (c) => (await loadProducts()).getBilling(ctx, ref, c),
    createPaymentMethodSetupIntent: async (c) => (await loadProducts()).createPaymentMethodSetupIntent(ctx, ref, c),
    setDefaultPaymentMethodFromSetupIntent: async (id, c) => (await loadProducts()).setDefaultPaymentMethodFromSetupIntent(ctx, ref, id, c),
    switchSubscription: async (o, c) => (await loadProducts()).switchSubscription(ctx, ref, o, c),
    cancelSubscription: async (o, c) => (await loadProducts()).cancelSubscription(ctx, ref, o, c),
  };
}

/** The `ServerCustomer` methods for `ref`, bound to a server `ctx`. */
export function serverCustomerMethods(ctx: ApiContext, ref: CustomerRef): Omit<ServerCustomer, "id" | "customerRef"> {
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
