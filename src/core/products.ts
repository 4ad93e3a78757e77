/**
 * Owned products, grants, subscriptions, invoices and billing: the wire calls, their options, and
 * the mapping from the snake_case wire shapes to the SDK's types. Customers and apps load this
 * module on first use of one of these (customer.ts): a page that reads items and starts checkouts
 * (checkout.ts) never needs it.
 */
import {
  billingResponseShape,
  clientUserShape,
  invoicesListResponseShape,
  productsListResponseShape,
  setDefaultPaymentMethodResponseShape,
  setupIntentResponseShape,
  successResponseShape,
} from "./wire-shapes.js";
import type {
  CustomerProductWire,
  ProductOutput,
  ProductsListResponse,
} from "./schemas/payments.js";
import { StackPaymentsError, invalidArgument } from "./errors.js";
import { fetchMe, requireSession, type AppCore } from "./app-core.js";
import { publishProductsChanged } from "./checkout.js";
import { keepWireBody } from "./wire-body.js";
import { productsTopic } from "./live/bus.js";
import { apiPath, customerRefFrom, requireCount, requireId, requireOptions, requireText, type ApiContext, type CustomerRef, type CustomerSelector } from "./api-context.js";
import type { CallOptions } from "./transport.js";

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

/** Pagination options of list calls. */
export interface ListOptions {
  cursor?: string | undefined;
  /** Page size, 1..100 (server default 10). */
  limit?: number | undefined;
}

/** A product the customer owns. */
export interface CustomerProduct {
  /** Product id, or null for inline products. */
  id: string | null;
  quantity: number;
  displayName: string;
  customerType: "user" | "team" | "custom";
  isServerOnly: boolean;
  stackable: boolean;
  /** @deprecated as in the hosted API: `subscription` if an active subscription exists. */
  type?: "one_time" | "subscription" | undefined;
  subscription: null | {
    subscriptionId: string | null;
    currentPeriodEnd: Date | null;
    cancelAtPeriodEnd: boolean;
    isCancelable: boolean;
  };
  /** Other products of the same product line this one can be switched to (prices in wire shape). */
  switchOptions?: Array<{ productId: string; displayName: string; prices: ProductOutput["prices"] }> | undefined;
}

/** `CustomerProduct[]` with the cursor of the next page. */
export type CustomerProductsList = CustomerProduct[] & { nextCursor: string | null };

/** An invoice of a subscription. */
export interface CustomerInvoice {
  createdAt: Date;
  status: "draft" | "open" | "paid" | "uncollectible" | "void" | null;
  /** In the smallest currency unit. */
  amountTotal: number;
  hostedInvoiceUrl: string | null;
}

/** `CustomerInvoice[]` with the cursor of the next page. */
export type CustomerInvoicesList = CustomerInvoice[] & { nextCursor: string | null };

/** Billing summary; the payment method keeps the wire's snake_case keys, as the official SDK does. */
export interface CustomerBilling {
  hasCustomer: boolean;
  defaultPaymentMethod: null | { id: string; brand: string | null; last4: string | null; exp_month: number | null; exp_year: number | null };
}

/** What a card form needs to save a card for the customer (Stripe Elements' client secret and account). */
export interface CustomerPaymentMethodSetupIntent {
  clientSecret: string;
  stripeAccountId: string;
}

function listQuery(options: ListOptions | undefined): Record<string, string | undefined> {
  // A cursor travels in the query string (encoded there), so any non-empty string will do.
  if (options?.cursor !== undefined) requireText("cursor", options.cursor);
  if (options?.limit !== undefined) {
    requireCount("limit", options.limit, 1);
    if (options.limit > 100) throw invalidArgument("limit", `expected at most 100, got ${options.limit}`);
  }
  return { cursor: options?.cursor, limit: options?.limit === undefined ? undefined : String(options.limit) };
}

/** Maps one owned-product wire entry to a `CustomerProduct`. */
export function toCustomerProduct(wire: CustomerProductWire): CustomerProduct {
  const sub = wire.subscription;
  const out: CustomerProduct = {
    id: wire.id,
    quantity: wire.quantity,
    displayName: wire.product.display_name,
    customerType: wire.product.customer_type,
    isServerOnly: wire.product.server_only,
    stackable: wire.product.stackable,
    type: wire.type,
    subscription: sub
      ? {
          subscriptionId: sub.subscription_id,
          currentPeriodEnd: sub.current_period_end ? new Date(sub.current_period_end) : null,
          cancelAtPeriodEnd: sub.cancel_at_period_end,
          isCancelable: sub.is_cancelable,
        }
      : null,
  };
  if (wire.switch_options) {
    out.switchOptions = wire.switch_options.map((o) => ({ productId: o.product_id, displayName: o.product.display_name, prices: o.product.prices }));
  }
  return out;
}

/** Maps a products page to a `CustomerProductsList`. */
export function toProductsList(wire: ProductsListResponse): CustomerProductsList {
  return Object.assign(wire.items.map(toCustomerProduct), { nextCursor: wire.pagination.next_cursor });
}

/** GET the owned products; the first page (no cursor, no limit) is published on the live bus. */
export async function listProducts(ctx: ApiContext, ref: CustomerRef, options?: ListOptions, callOptions?: CallOptions): Promise<CustomerProductsList> {
  const wire = await ctx.call({
    method: "GET",
    path: apiPath`/payments/products/${ref.type}/${ref.id}`,
    query: listQuery(options),
    schema: productsListResponseShape,
    options: callOptions,
  });
  if (options?.cursor === undefined && options?.limit === undefined) ctx.live.publish(productsTopic(ref.type, ref.id), wire);
  return keepWireBody(toProductsList(wire), wire);
}

/**
 * An app's `listProducts` / `listInvoices`: the customer (`userId`, `teamId` or `customCustomerId`)
 * and the page (`cursor`, `limit`) from one options object.
 */
export function listCustomerPage(kind: "products", ctx: ApiContext, options: CustomerSelector & ListOptions, callOptions?: CallOptions): Promise<CustomerProductsList>;
export function listCustomerPage(kind: "invoices", ctx: ApiContext, options: CustomerSelector & ListOptions, callOptions?: CallOptions): Promise<CustomerInvoicesList>;
export function listCustomerPage(kind: "products" | "invoices", ctx: ApiContext, options: CustomerSelector & ListOptions, callOptions?: CallOptions) {
  const ref = customerRefFrom(options);
  const page = { cursor: options.cursor, limit: options.limit };
  return kind === "products" ? listProducts(ctx, ref, page, callOptions) : listInvoices(ctx, ref, page, callOptions);
}

/** DELETE a product's subscription(s); with `subscriptionId`, only that subscription. */
export async function cancelSubscription(ctx: ApiContext, ref: CustomerRef, options: CancelSubscriptionOptions, callOptions?: CallOptions): Promise<void> {
  requireOptions(options, "{ productId, subscriptionId? }");
  const productId = requireId("productId", options.productId);
  if (options.subscriptionId !== undefined) requireId("subscriptionId", options.subscriptionId);
  await ctx.call({
    method: "DELETE",
    path: apiPath`/payments/products/${ref.type}/${ref.id}/${productId}`,
    query: { subscription_id: options.subscriptionId },
    schema: successResponseShape,
    options: callOptions,
  });
  publishProductsChanged(ctx, ref);
}

/** Options of `cancelSubscription` for the signed-in user of an app's session, or for one of their teams. */
export interface SessionCancelOptions {
  productId: string;
  subscriptionId?: string | undefined;
  teamId?: string | undefined;
}

/**
 * Cancels the subscription(s) of a product for the signed-in user of the app's session, or for
 * `teamId` (client access, as the official SDK does). Throws `USER_AUTHENTICATION_REQUIRED`
 * when nobody is signed in and no team is given.
 */
export async function cancelSessionSubscription(core: AppCore, options: SessionCancelOptions, callOptions: CallOptions | undefined): Promise<void> {
  requireOptions(options, "{ productId, subscriptionId?, teamId? }");
  // Every argument is checked before the first request (the one for the user included).
  requireId("productId", options.productId);
  if (options.subscriptionId !== undefined) requireId("subscriptionId", options.subscriptionId);
  const session = requireSession(core.session);
  let ref: CustomerRef;
  if (options.teamId !== undefined) ref = { type: "team", id: requireId("teamId", options.teamId) };
  else {
    const user = await fetchMe(core, session, "client", clientUserShape, callOptions);
    if (!user) throw new StackPaymentsError({ code: "USER_AUTHENTICATION_REQUIRED", status: 401, message: "User authentication required for this endpoint." });
    ref = { type: "user", id: user.id };
  }
  await cancelSubscription(core.clientContext, ref, options, callOptions);
}

/** POST switch. */
export async function switchSubscription(ctx: ApiContext, ref: CustomerRef, options: SwitchSubscriptionOptions, callOptions?: CallOptions): Promise<void> {
  requireOptions(options, "{ fromProductId, toProductId }");
  const body: Record<string, unknown> = {
    from_product_id: requireId("fromProductId", options.fromProductId),
    to_product_id: requireId("toProductId", options.toProductId),
  };
  if (options.priceId !== undefined) body.price_id = requireId("priceId", options.priceId);
  if (options.quantity !== undefined) body.quantity = requireCount("quantity", options.quantity, 1);
  await ctx.call({
    method: "POST",
    path: apiPath`/payments/products/${ref.type}/${ref.id}/switch`,
    body,
    schema: successResponseShape,
    options: callOptions,
  });
  publishProductsChanged(ctx, ref);
}

/** GET invoices. */
export async function listInvoices(ctx: ApiContext, ref: CustomerRef, options?: ListOptions, callOptions?: CallOptions): Promise<CustomerInvoicesList> {
  const wire = await ctx.call({
    method: "GET",
    path: apiPath`/payments/invoices/${ref.type}/${ref.id}`,
    query: listQuery(options),
    schema: invoicesListResponseShape,
    options: callOptions,
  });
  const items = wire.items.map((i) => ({
    createdAt: new Date(i.created_at_millis),
    status: i.status,
    amountTotal: i.amount_total,
    hostedInvoiceUrl: i.hosted_invoice_url,
  }));
  return Object.assign(items, { nextCursor: wire.pagination.next_cursor });
}

/** GET billing. */
export async function getBilling(ctx: ApiContext, ref: CustomerRef, callOptions?: CallOptions): Promise<CustomerBilling> {
  const wire = await ctx.call({
    method: "GET",
    path: apiPath`/payments/billing/${ref.type}/${ref.id}`,
    schema: billingResponseShape,
    options: callOptions,
  });
  return { hasCustomer: wire.has_customer, defaultPaymentMethod: wire.default_payment_method };
}

/** POST setup-intent: starts saving a card for the customer. */
export async function createPaymentMethodSetupIntent(ctx: ApiContext, ref: CustomerRef, callOptions?: CallOptions): Promise<CustomerPaymentMethodSetupIntent> {
  const wire = await ctx.call({
    method: "POST",
    path: apiPath`/payments/payment-method/${ref.type}/${ref.id}/setup-intent`,
    body: {},
    schema: setupIntentResponseShape,
    options: callOptions,
  });
  return { clientSecret: wire.client_secret, stripeAccountId: wire.stripe_account_id };
}

/** POST set-default: makes the card saved by a setup intent the customer's default; resolves that card. */
export async function setDefaultPaymentMethodFromSetupIntent(
  ctx: ApiContext,
  ref: CustomerRef,
  setupIntentId: string,
  callOptions?: CallOptions,
): Promise<CustomerBilling["defaultPaymentMethod"]> {
  const wire = await ctx.call({
    method: "POST",
    path: apiPath`/payments/payment-method/${ref.type}/${ref.id}/set-default`,
    body: { setup_intent_id: requireId("setupIntentId", setupIntentId) },
    schema: setDefaultPaymentMethodResponseShape,
    options: callOptions,
  });
  return wire.default_payment_method;
}
