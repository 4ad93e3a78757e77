/**
 * Starting a checkout (`createCheckoutUrl`) and granting a product without one (`grantProduct`,
 * server only), with their options. Kept apart from the other product operations (products.ts),
 * which a page loads on first use: starting a checkout is what a page does from its first render.
 */
import type { InlineProductInput } from "./schemas/payments.js";
import { createPurchaseUrlResponseShape, grantProductResponseShape } from "./wire-shapes.js";
import { productsTopic } from "./live/bus.js";
import { invalidArgument } from "./errors.js";
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

/** The product part of a checkout or grant body: `product_id`, or `product_inline` (server apps only). */
export function productBody(options: { productId?: string | undefined; product?: InlineProduct | undefined }, allowInline: boolean): Record<string, unknown> {
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

/** Options of `grantProduct`: a configured product id or an inline product, and a quantity (default 1). */
export type GrantProductOptions =
  | { productId: string; product?: undefined; quantity?: number | undefined }
  | { product: InlineProduct; productId?: undefined; quantity?: number | undefined };

/** Tells live readers that this customer's products (and so possibly any of its items) changed. */
export function publishProductsChanged(ctx: ApiContext, ref: CustomerRef): void {
  ctx.live.publish(productsTopic(ref.type, ref.id), undefined);
  const prefix = `item:${ref.type}:${ref.id}:`;
  for (const topic of ctx.live.topics()) if (topic.startsWith(prefix)) ctx.live.publish(topic, undefined);
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
