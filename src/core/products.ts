/**
 * Products, checkout, grants, subscriptions, invoices and billing: the wire calls, their options,
 * and the mapping from the snake_case wire shapes to the SDK's types.
 */
import {
  billingResponseShape,
  createPurchaseUrlResponseShape,
  grantProductResponseShape,
  invoicesListResponseShape,
  productsListResponseShape,
  setDefaultPaymentMethodResponseShape,
  setupIntentResponseShape,
  successResponseShape,
} from "./wire-shapes.js";
import type {
  CustomerProductWire,
  InlineProductInput,
  ProductOutput,
  ProductsListResponse,
} from "./schemas/payments.js";
import { invalidArgument } from "./errors.js";
import { productsTopic } from "./live/bus.js";
import { apiPath, requireCount, requireId, requireOptions, requireText, type ApiContext, type CustomerRef } from "./api-context.js";
import type { CallOptions } from "./transport.js";

/** An inline product definition (snake_case, exactly as the REST API takes it). Server only. */
export type InlineProduct = InlineProductInput;

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
  return toProductsList(wire);
}

/** Tells live readers that this customer's products (and so possibly any of its items) changed. */
function publishProductsChanged(ctx: ApiContext, ref: CustomerRef): void {
  ctx.live.publish(productsTopic(ref.type, ref.id), undefined);
  const prefix = `item:${ref.type}:${ref.id}:`;
  for (const topic of ctx.live.topics()) if (topic.startsWith(prefix)) ctx.live.publish(topic, undefined);
}

function productBody(options: { productId?: string | undefined; product?: InlineProduct | undefined }, allowInline: boolean): Record<string, unknown> {
  const hasId = options.productId !== undefined;
  const hasInline = options.product !== undefined;
  if (hasId === hasInline) throw invalidArgument("productId", "give exactly one of productId or product");
  if (hasId) return { product_id: requireId("productId", options.productId) };
  if (!allowInline) throw invalidArgument("product", "inline products need a server app (secret server key)");
  if (typeof options.product !== "object" || options.product === null) throw invalidArgument("product", "expected an inline product object");
  return { product_inline: options.product };
}

/** POST create-purchase-url; resolves the hosted-checkout URL. Inline products only from server apps. */
export async function createCheckoutUrl(ctx: ApiContext, ref: CustomerRef, options: ServerCheckoutOptions, callOptions?: CallOptions): Promise<string> {
  requireOptions(options, "{ productId } or { product }");
  const o = options as { productId?: string; product?: InlineProduct; returnUrl?: string };
  const body = { customer_type: ref.type, customer_id: ref.id, ...productBody(o, ctx.accessType === "server") };
  if (o.returnUrl !== undefined) Object.assign(body, { return_url: requireText("returnUrl", o.returnUrl) });
  const wire = await ctx.call({
    method: "POST",
    path: apiPath`/payments/purchases/create-purchase-url`,
    body,
    schema: createPurchaseUrlResponseShape,
    options: callOptions,
  });
  return wire.url;
}

/** POST grant (server only). */
export async function grantProduct(ctx: ApiContext, ref: CustomerRef, options: GrantProductOptions, callOptions?: CallOptions): Promise<void> {
  requireOptions(options, "{ productId } or { product }");
  const body = productBody(options, true);
  if (options.quantity !== undefined) body.quantity = requireCount("quantity", options.quantity, 1);
  await ctx.call({
    method: "POST",
    path: apiPath`/payments/products/${ref.type}/${ref.id}`,
    body,
    schema: grantProductResponseShape,
    options: callOptions,
  });
  publishProductsChanged(ctx, ref);
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
