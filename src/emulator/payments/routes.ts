/**
 * The payments routes the hosted API serves (docs/wire-contract.md, "Routes the SDK calls"),
 * each with its checks in the hosted API's order and its exact errors, plus the checkout page and the live event stream. Where the hosted
 * API calls Stripe (purchase sessions, billing, invoices, payment methods, switches and
 * cancellations of billed subscriptions) the emulator's payment provider stands in for it (see
 * `../provider/`); in test mode the checkout page still completes purchases free and at once.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import {
  billingResponseSchema,
  createPurchaseUrlBodySchema,
  createPurchaseUrlResponseSchema,
  customerTypeSchema,
  grantProductBodySchema,
  grantProductResponseSchema,
  invoicesListResponseSchema,
  itemResponseSchema,
  productsListResponseSchema,
  purchaseSessionBodySchema,
  purchaseSessionResponseSchema,
  setDefaultPaymentMethodResponseSchema,
  setupIntentResponseSchema,
  successResponseSchema,
  switchSubscriptionBodySchema,
  updateQuantityBodySchema,
  updateQuantityQuerySchema,
  validateCodeBodySchema,
  validateCodeResponseSchema,
  type CustomerType,
  type ValidateCodeResponse,
} from "../../core/schemas/index.js";
import { checkoutPage, MAX_CHECKOUT_QUANTITY } from "../checkout-page.js";
import { ensureClientCanAccessCustomer, ensureCustomerExists } from "../customer-access.js";
import type { SqlExecutor } from "../db.js";
import { ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { computeOwnedProducts, inexactGrantProblem, isExactQuantity, MAX_QUANTITY } from "../ledger.js";
import { liveEventRoutes } from "../live-event-routes.js";
import { appendCustomerEvents } from "../live-events.js";
import { getProjectConfig, isTrustedReturnUrl, type ProjectConfig } from "../project-config.js";
import { findProject } from "../projects/store.js";
import { computeCustomerItem, currentPeriodEnd, isActiveSubscription, listCustomerProducts, readItem } from "./customer-state.js";
import { findConfigProduct, hasRecurringPrice, productOutput, resolveItem } from "./products.js";
import {
  isAlreadyOwnedNonStackable,
  ownedProductsInLine,
  purchaseProduct,
  resolveRequestedProduct,
  type ChosenProduct,
} from "./purchase.js";
import {
  endSubscription,
  findValidPurchaseCode,
  insertItemChange,
  insertPurchaseCode,
  loadPurchases,
  lockCustomer,
  usePurchaseCode,
  type CustomerRef,
  type PurchaseCodeRecord,
} from "./store.js";
import { transactionsRoute } from "./transactions.js";
import { catchUpProject } from "../provider/catch-up.js";
import { newEventOutbox } from "../provider/provider-events.js";
import { startProviderPurchase } from "../provider/provider-purchase.js";
import { providerRoutes } from "../provider/provider-routes.js";
import {
  ensureProviderCustomer,
  findProviderCustomer,
  findSetupIntent,
  getPaymentMethod,
  getSubscription,
  newestSavedPaymentMethod,
  setDefaultPaymentMethod,
} from "../provider/provider-store.js";
import { refundRoute } from "../provider/refunds.js";
import { cardSummary, createSetupIntent } from "../provider/setup-intents.js";
import { cancelAtPeriodEnd, PlanChangePaymentError, switchPlan } from "../provider/subscriptions.js";
import { formatUsd, MAX_CHARGE_CENTS, toCents } from "../provider/money.js";
import { deliverEvents } from "../provider/webhook-handler.js";
import { honoContextOf } from "../middleware/authenticate.js";

const PAYMENTS_NOT_SET_UP =
  "Payments are not set up in this Stack Auth project. Please go to the Stack Auth dashboard and complete the Payments onboarding.";
const CODE_LIFETIME_MILLIS = 24 * 60 * 60 * 1000;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

const customerParamsSchema = z.strictObject({ customer_type: customerTypeSchema, customer_id: z.string() });
const billingParamsSchema = z.strictObject({ customer_type: z.enum(["user", "team"]), customer_id: z.string() });
const itemParamsSchema = z.strictObject({ customer_type: customerTypeSchema, customer_id: z.string(), item_id: z.string() });
const cancelParamsSchema = z.strictObject({ customer_type: customerTypeSchema, customer_id: z.string(), product_id: z.string() });
/** `limit` as the hosted API reads it: a string cast to a number ("05" and "1e1" count), here also an integer. */
function parseLimit(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value.replace(/\s/g, ""));
}
const limitSchema = z.optional(
  z.string().check(
    z.refine((v) => {
      const n = parseLimit(v);
      return Number.isInteger(n) && n >= 1 && n <= 100;
    }, "must be an integer from 1 to 100"),
  ),
);
const productsQuerySchema = z.strictObject({ cursor: z.optional(z.string()), limit: limitSchema });
const cancelQuerySchema = z.strictObject({ subscription_id: z.optional(z.string()) });
const validateCodeQuerySchema = z.strictObject({ full_code: z.string(), return_url: z.optional(z.url()) });
const emptyBodySchema = z.optional(z.strictObject({}));
const setDefaultBodySchema = z.strictObject({ setup_intent_id: z.string() });

async function configOf(ctx: RequestContext, projectId = ctx.projectId!): Promise<ProjectConfig> {
  return getProjectConfig(ctx.db, projectId);
}

function customerRef(ctx: RequestContext, customerType: CustomerType, customerId: string): CustomerRef {
  return { projectId: ctx.projectId!, customerType, customerId };
}

function newFullCode(projectId: string): string {
  const bytes = randomBytes(45);
  let code = "";
  for (const b of bytes) code += BASE32[b % 32];
  return `${projectId}_${code}`;
}

/**
 * The purchase code of a code-based request, or `VERIFICATION_CODE_NOT_FOUND`. A code names its
 * project (`{project id}_{code}`), whose clock decides whether it has expired.
 */
async function requireCode(ctx: RequestContext, fullCode: string): Promise<PurchaseCodeRecord> {
  const parts = fullCode.split("_");
  if (parts.length !== 2 || parts[0] === "") throw ApiError.known("VERIFICATION_CODE_NOT_FOUND");
  const code = await findValidPurchaseCode(ctx.db, fullCode, await ctx.nowFor(parts[0]!));
  if (!code) throw ApiError.known("VERIFICATION_CODE_NOT_FOUND");
  return code;
}

function codeCustomer(code: PurchaseCodeRecord): CustomerRef {
  return { projectId: code.projectId, customerType: code.customerType, customerId: code.customerId };
}

/** The provider subscription a subscription record stands for, or null (granted, test mode). */
async function providerSubscriptionIdOf(db: SqlExecutor, purchaseId: string): Promise<string | null> {
  const rows = await db.query<{ stripe_subscription_id: string | null }>("SELECT stripe_subscription_id FROM payments_purchases WHERE id = $1", [purchaseId]);
  return rows[0]?.stripe_subscription_id ?? null;
}

function assertTrustedReturnUrl(config: ProjectConfig, returnUrl: string | undefined): void {
  if (returnUrl !== undefined && !isTrustedReturnUrl(config, returnUrl)) throw ApiError.known("REDIRECT_URL_NOT_WHITELISTED");
}

// ---- items ----

function requireItem(config: ProjectConfig, params: { customer_type: CustomerType; customer_id: string; item_id: string }) {
  const item = resolveItem(config.payments, params.item_id);
  if (!item) throw ApiError.known("ITEM_NOT_FOUND", { item_id: params.item_id });
  if (item.customerType !== params.customer_type)
    throw ApiError.known("ITEM_CUSTOMER_TYPE_DOES_NOT_MATCH", {
      item_id: params.item_id,
      customer_id: params.customer_id,
      item_customer_type: item.customerType,
      actual_customer_type: params.customer_type,
    });
  return item;
}

const getItemRoute = defineRoute({
  method: "GET",
  path: "/payments/items/:customer_type/:customer_id/:item_id",
  access: "client",
  // No query schema: like the hosted route, query keys are not validated (A.4).
  params: itemParamsSchema,
  response: itemResponseSchema,
  async handler(ctx, { params }) {
    await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only access their own user or team items.");
    const config = await configOf(ctx);
    const item = requireItem(config, params);
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    return readItem(ctx.db, customerRef(ctx, params.customer_type, params.customer_id), item, await ctx.now());
  },
});

const updateQuantityRoute = defineRoute({
  method: "POST",
  path: "/payments/items/:customer_type/:customer_id/:item_id/update-quantity",
  access: "server",
  params: itemParamsSchema,
  query: updateQuantityQuerySchema,
  body: updateQuantityBodySchema,
  async handler(ctx, { params, query: q, body }) {
    const config = await configOf(ctx);
    const item = requireItem(config, params);
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    const c = customerRef(ctx, params.customer_type, params.customer_id);
    const expiresAt = body.expires_at === undefined ? null : Date.parse(body.expires_at);
    await ctx.db.transaction(
      async (tx) => {
        await lockCustomer(tx, c);
        const { quantity: current, at: now } = await computeCustomerItem(tx, c, item.id, await ctx.now());
        if (q.allow_negative === "false" && current + body.delta < 0)
          throw ApiError.known("ITEM_QUANTITY_INSUFFICIENT_AMOUNT", { item_id: item.id, customer_id: c.customerId, quantity: body.delta });
        // A double holds integers exactly only up to 2^53 - 1: past it, +1 could move the balance
        // by 2. Such a change is refused rather than stored inexactly.
        if (!isExactQuantity(current + body.delta))
          throw ApiError.text(
            400,
            `Changing the quantity of item "${item.id}" by ${body.delta} would make it ${current + body.delta}, beyond the ±${MAX_QUANTITY} a quantity can hold exactly. Nothing was changed.`,
          );
        await insertItemChange(tx, c, { itemId: item.id, delta: body.delta, expiresAt, description: body.description ?? null, createdAt: now });
        // The new value is known without another ledger pass: the change is not expiring yet, or
        // (a grant expiring at once) it counts as zero.
        const quantity = expiresAt !== null && body.delta > 0 && expiresAt <= now ? current : current + body.delta;
        await appendCustomerEvents(tx, c, config.payments, {
          itemIds: [item.id],
          products: false,
          known: [{ id: item.id, display_name: item.displayName, quantity }],
        }, now);
      },
      { isolation: "read committed" },
    );
    return {};
  },
});

// ---- products ----

const listProductsRoute = defineRoute({
  method: "GET",
  path: "/payments/products/:customer_type/:customer_id",
  access: "client",
  params: customerParamsSchema,
  query: productsQuerySchema,
  response: productsListResponseSchema,
  async handler(ctx, { params, query: q }) {
    await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only access their own user or team products.");
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    const config = await configOf(ctx);
    return listCustomerProducts(ctx.db, customerRef(ctx, params.customer_type, params.customer_id), config.payments, await ctx.now(), {
      isClient: ctx.accessType === "client",
      cursor: q.cursor,
      limit: q.limit === undefined ? undefined : parseLimit(q.limit),
    });
  },
});

const grantProductRoute = defineRoute({
  method: "POST",
  path: "/payments/products/:customer_type/:customer_id",
  access: "server",
  params: customerParamsSchema,
  body: grantProductBodySchema,
  response: grantProductResponseSchema,
  async handler(ctx, { params, body }) {
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    const config = await configOf(ctx);
    const chosen = resolveRequestedProduct(
      config.payments,
      { productId: body.product_id, productInline: body.product_inline, isClient: false },
      { customerType: params.customer_type, customerId: params.customer_id },
    );
    const inexact = inexactGrantProblem(chosen.product.includedItems, body.quantity ?? 1);
    if (inexact !== null) throw ApiError.text(400, inexact);
    const c = customerRef(ctx, params.customer_type, params.customer_id);
    const now = await ctx.now();
    const result = await ctx.db.transaction(
      (tx) => purchaseProduct(tx, c, config.payments, chosen, { priceId: null, quantity: body.quantity ?? 1, source: "API_GRANT", now }),
      { isolation: "read committed" },
    );
    return result.subscriptionId === undefined ? { success: true as const } : { success: true as const, subscription_id: result.subscriptionId };
  },
});

const cancelSubscriptionRoute = defineRoute({
  method: "DELETE",
  path: "/payments/products/:customer_type/:customer_id/:product_id",
  access: "client",
  params: cancelParamsSchema,
  query: cancelQuerySchema,
  response: successResponseSchema,
  async handler(ctx, { params, query: q }) {
    if (ctx.accessType === "client") {
      if (!ctx.user) throw ApiError.known("USER_AUTHENTICATION_REQUIRED");
      if (params.customer_type === "custom") throw ApiError.text(403, "Clients can only cancel user or team subscriptions they control.");
      await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only cancel their own subscriptions.");
    }
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    const config = await configOf(ctx);
    const c = customerRef(ctx, params.customer_type, params.customer_id);
    await ctx.db.transaction(
      async (tx) => {
        await lockCustomer(tx, c);
        const now = await ctx.now();
        const purchases = await loadPurchases(tx, c);
        let toCancel = purchases.filter((p) => isActiveSubscription(p, now));
        if (q.subscription_id !== undefined) {
          toCancel = toCancel.filter((p) => p.id === q.subscription_id);
          if (toCancel.length === 0) throw ApiError.text(400, "No active subscription found with this ID for the given customer.");
        } else {
          const product = findConfigProduct(config.payments, params.product_id);
          if (!product) throw ApiError.known("PRODUCT_DOES_NOT_EXIST", { product_id: params.product_id, context: null });
          if (product.customerType !== params.customer_type)
            throw ApiError.known("PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH", {
              product_id: params.product_id,
              customer_id: params.customer_id,
              product_customer_type: product.customerType,
              actual_customer_type: params.customer_type,
            });
          if (!computeOwnedProducts(purchases, now).has(params.product_id)) throw ApiError.text(400, "Customer does not have this product.");
          toCancel = toCancel.filter((p) => p.productId === params.product_id);
          if (toCancel.length === 0) throw ApiError.text(400, "This product is a one time purchase and cannot be canceled.");
        }
        for (const sub of toCancel) {
          // A subscription the provider bills is set to cancel at its period end there; the
          // change comes back through the webhook handling (the product stays until then).
          const providerSub = await getSubscription(tx, await providerSubscriptionIdOf(tx, sub.id), true);
          if (providerSub) {
            const outbox = newEventOutbox(c.projectId);
            await cancelAtPeriodEnd(tx, outbox, providerSub, now);
            await deliverEvents(tx, outbox);
            continue;
          }
          await endSubscription(tx, c, sub.id, currentPeriodEnd(sub, now) ?? now, true);
          await tx.query("UPDATE payments_purchases SET canceled_at = $2 WHERE id = $1", [sub.id, now]);
        }
        await appendCustomerEvents(tx, c, config.payments, { itemIds: [], products: true }, now);
      },
      { isolation: "read committed" },
    );
    return { success: true as const };
  },
});

const switchSubscriptionRoute = defineRoute({
  method: "POST",
  path: "/payments/products/:customer_type/:customer_id/switch",
  access: "client",
  params: billingParamsSchema,
  body: switchSubscriptionBodySchema,
  response: successResponseSchema,
  async handler(ctx, { params, body }) {
    const config = await configOf(ctx);
    if (config.payments.blockNewPurchases) throw ApiError.known("NEW_PURCHASES_BLOCKED");
    await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only manage their own subscriptions.");
    const from = findConfigProduct(config.payments, body.from_product_id);
    const to = findConfigProduct(config.payments, body.to_product_id);
    if (!from || !to) throw ApiError.text(400, "Product not found.");
    if (from.customerType !== params.customer_type || to.customerType !== params.customer_type)
      throw ApiError.text(400, "Product customer type does not match.");
    if (to.productLineId === null || to.productLineId !== from.productLineId)
      throw ApiError.text(400, "Products must be in the same product line to switch.");
    if (body.from_product_id === body.to_product_id) throw ApiError.text(400, "Product is already active.");
    if (to.addOnTo !== null) throw ApiError.text(400, "Add-on products cannot be selected for plan switching.");
    if (to.prices === "include-by-default") throw ApiError.text(400, "Include-by-default products cannot be selected for plan switching.");
    if (!hasRecurringPrice(from)) throw ApiError.text(400, "This subscription cannot be switched.");
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    const c = customerRef(ctx, params.customer_type, params.customer_id);
    const now = await ctx.now();
    const purchases = await loadPurchases(ctx.db, c);
    const inLine = ownedProductsInLine({ productId: body.to_product_id, product: to }, purchases, now);
    if (inLine.some((o) => !o.purchases.some((p) => isActiveSubscription(p, now))))
      throw ApiError.text(400, "Customer already has a one-time purchase in this product line");
    const existing = purchases.filter((p) => p.productId === body.from_product_id && isActiveSubscription(p, now)).at(-1);
    const providerSubId = existing ? await providerSubscriptionIdOf(ctx.db, existing.id) : null;
    // Granted and test-mode subscriptions have no provider subscription to update in place, which
    // the hosted API refuses to switch.
    if (!existing || providerSubId === null) throw ApiError.text(400, "This subscription cannot be switched.");
    const prices = Object.entries(to.prices).filter(([, price]) => price.interval !== null);
    const priceId = body.price_id ?? prices[0]?.[0];
    const price = prices.find(([id]) => id === priceId)?.[1];
    if (!price || priceId === undefined || !price.interval) throw ApiError.text(400, "Price not found for target product.");
    const unitCents = price.amounts.USD === undefined ? null : toCents(price.amounts.USD);
    if (unitCents === null) throw ApiError.text(400, "Target price must include a USD amount.");
    const quantity = body.quantity ?? existing.quantity;
    if (body.quantity !== undefined && quantity !== 1 && !to.stackable) throw ApiError.text(400, "This product is not stackable; quantity must be 1");
    const customer = await findProviderCustomer(ctx.db, c.projectId, c.customerType, c.customerId);
    const card = customer && ((await getPaymentMethod(ctx.db, customer.defaultPaymentMethodId)) ?? (await newestSavedPaymentMethod(ctx.db, customer.id)));
    if (!customer || !card) throw ApiError.known("DEFAULT_PAYMENT_METHOD_REQUIRED", { customer_type: params.customer_type, customer_id: params.customer_id });
    try {
      await ctx.db.transaction(
        async (tx) => {
          await lockCustomer(tx, c);
          if (customer.defaultPaymentMethodId === null) await setDefaultPaymentMethod(tx, customer.id, card.id);
          const sub = await getSubscription(tx, providerSubId, true);
          if (!sub || (sub.status !== "active" && sub.status !== "past_due")) throw ApiError.text(400, "This subscription cannot be switched.");
          const outbox = newEventOutbox(c.projectId);
          await switchPlan(tx, outbox, sub, { metadata: { productId: body.to_product_id, priceId, product: to }, unitAmountCents: unitCents, quantity, interval: price.interval! }, now);
          await deliverEvents(tx, outbox);
        },
        { isolation: "read committed" },
      );
    } catch (error) {
      if (error instanceof PlanChangePaymentError) throw ApiError.text(400, `The plan was not changed because the card on file was not charged: ${error.message}`);
      throw error;
    }
    return { success: true as const };
  },
});

// ---- billing, invoices, payment methods ----

const billingRoute = defineRoute({
  method: "GET",
  path: "/payments/billing/:customer_type/:customer_id",
  access: "client",
  // No query schema: like the hosted route, query keys are not validated (A.4).
  params: billingParamsSchema,
  response: billingResponseSchema,
  async handler(ctx, { params }) {
    await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only manage their own billing.");
    if (!ctx.project!.stripeAccount) return { has_customer: false, default_payment_method: null };
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    const customer = await findProviderCustomer(ctx.db, ctx.projectId!, params.customer_type, params.customer_id);
    if (!customer) return { has_customer: false, default_payment_method: null };
    // The card on file: the default one, else the newest saved.
    const card = (await getPaymentMethod(ctx.db, customer.defaultPaymentMethodId)) ?? (await newestSavedPaymentMethod(ctx.db, customer.id));
    return { has_customer: true, default_payment_method: card ? cardSummary(card) : null };
  },
});

const INVOICE_STATUSES = new Set(["draft", "open", "paid", "uncollectible", "void"]);

const invoicesRoute = defineRoute({
  method: "GET",
  path: "/payments/invoices/:customer_type/:customer_id",
  access: "client",
  params: billingParamsSchema,
  query: productsQuerySchema,
  response: invoicesListResponseSchema,
  async handler(ctx, { params, query: q }) {
    await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only manage their own billing.");
    const limit = q.limit === undefined ? 10 : parseLimit(q.limit);
    const sql: unknown[] = [ctx.projectId, params.customer_type, params.customer_id];
    let after = "";
    if (q.cursor !== undefined) {
      const pivot = await ctx.db.query<{ created_at: number }>("SELECT created_at FROM payments_subscription_invoices WHERE project_id = $1 AND id = $2", [ctx.projectId, q.cursor]);
      if (!pivot[0]) throw ApiError.text(400, "Invalid cursor");
      sql.push(Number(pivot[0].created_at), q.cursor);
      after = " AND (i.created_at < $4 OR (i.created_at = $4 AND i.id < $5))";
    }
    sql.push(limit);
    // Invoices of the customer's subscriptions (a subscription never paid for is no purchase, so
    // its unpaid first invoice is not listed), newest first.
    const rows = await ctx.db.query<{ id: string; created_at: number; status: string | null; amount_total: number; hosted_invoice_url: string | null }>(
      `SELECT i.id, i.created_at, i.status, i.amount_total, i.hosted_invoice_url FROM payments_subscription_invoices i
       WHERE i.project_id = $1${after} AND EXISTS (SELECT 1 FROM payments_purchases p WHERE p.project_id = $1 AND p.stripe_subscription_id = i.stripe_subscription_id
         AND p.customer_type = $2 AND p.customer_id = $3)
       ORDER BY i.created_at DESC, i.id DESC LIMIT $${sql.length}`,
      sql,
    );
    return {
      items: rows.map((r) => ({
        created_at_millis: Number(r.created_at),
        status: r.status !== null && INVOICE_STATUSES.has(r.status) ? (r.status as "draft" | "open" | "paid" | "uncollectible" | "void") : null,
        amount_total: Number(r.amount_total),
        hosted_invoice_url: r.hosted_invoice_url,
      })),
      is_paginated: true,
      pagination: { next_cursor: rows.length === limit ? rows.at(-1)!.id : null },
    };
  },
});

const setupIntentRoute = defineRoute({
  method: "POST",
  path: "/payments/payment-method/:customer_type/:customer_id/setup-intent",
  access: "client",
  params: billingParamsSchema,
  body: emptyBodySchema,
  response: setupIntentResponseSchema,
  async handler(ctx, { params }) {
    await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only manage their own payment method.");
    const account = ctx.project!.stripeAccount;
    if (!account) throw ApiError.text(400, PAYMENTS_NOT_SET_UP);
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    const now = await ctx.now();
    const si = await ctx.db.transaction(async (tx) => {
      const customer = await ensureProviderCustomer(tx, ctx.projectId!, params.customer_type, params.customer_id, now);
      return createSetupIntent(tx, customer, now);
    });
    return { client_secret: si.clientSecret, stripe_account_id: account.id };
  },
});

const setDefaultRoute = defineRoute({
  method: "POST",
  path: "/payments/payment-method/:customer_type/:customer_id/set-default",
  access: "client",
  params: billingParamsSchema,
  body: setDefaultBodySchema,
  response: setDefaultPaymentMethodResponseSchema,
  async handler(ctx, { params, body }) {
    await ensureClientCanAccessCustomer(ctx, params.customer_type, params.customer_id, "Clients can only manage their own payment method.");
    if (!ctx.project!.stripeAccount) throw ApiError.text(400, PAYMENTS_NOT_SET_UP);
    await ensureCustomerExists(ctx, params.customer_type, params.customer_id);
    const si = await findSetupIntent(ctx.db, ctx.projectId!, body.setup_intent_id);
    if (!si) throw ApiError.text(400, `No such setupintent: '${body.setup_intent_id}'`);
    // Found, not created: a customer that owns the setup intent has one already, and a refused
    // call must not give the caller a provider customer (billing's `has_customer`).
    const customer = await findProviderCustomer(ctx.db, ctx.projectId!, params.customer_type, params.customer_id);
    if (!customer || si.providerCustomerId !== customer.id) throw ApiError.text(403, "Setup intent does not belong to this customer.");
    if (si.status !== "succeeded") throw ApiError.text(400, "Setup intent has not succeeded.");
    const card = await getPaymentMethod(ctx.db, si.paymentMethodId);
    if (!card) throw ApiError.text(500, "Setup intent missing payment method.");
    await setDefaultPaymentMethod(ctx.db, customer.id, card.id);
    return { success: true as const, default_payment_method: cardSummary(card) };
  },
});

// ---- purchases ----

const createPurchaseUrlRoute = defineRoute({
  method: "POST",
  path: "/payments/purchases/create-purchase-url",
  access: "client",
  body: createPurchaseUrlBodySchema,
  response: createPurchaseUrlResponseSchema,
  async handler(ctx, { body }) {
    if (ctx.apiVersion === "latest") {
      // The offer_* aliases exist only before v2beta5; on /api/latest they are unknown keys.
      const unknown = (["offer_id", "offer_inline"] as const).filter((k) => body[k] !== undefined);
      if (unknown.length > 0) throw ApiError.schema(ctx.method, ctx.url.pathname, [`body contains unknown properties: ${unknown.join(", ")}`]);
    }
    const config = await configOf(ctx);
    if (config.payments.blockNewPurchases) throw ApiError.known("NEW_PURCHASES_BLOCKED");
    await ensureClientCanAccessCustomer(
      ctx,
      body.customer_type,
      body.customer_id,
      "Clients can only create purchase URLs for their own user or teams they have admin access to.",
    );
    // Payments are set up once the project has a Stripe account (test mode or not).
    const stripeAccount = ctx.project!.stripeAccount;
    if (!stripeAccount) throw ApiError.text(400, PAYMENTS_NOT_SET_UP);
    const chosen = resolveRequestedProduct(
      config.payments,
      {
        productId: body.product_id ?? body.offer_id,
        productInline: body.product_inline ?? body.offer_inline,
        isClient: ctx.accessType === "client",
      },
      { customerType: body.customer_type, customerId: body.customer_id },
    );
    const c = customerRef(ctx, body.customer_type, body.customer_id);
    const now = await ctx.now();
    if (isAlreadyOwnedNonStackable(chosen, await loadPurchases(ctx.db, c), now))
      throw ApiError.known("PRODUCT_ALREADY_GRANTED", { product_id: chosen.productId, customer_id: body.customer_id });
    assertTrustedReturnUrl(config, body.return_url);
    const fullCode = newFullCode(c.projectId);
    await insertPurchaseCode(ctx.db, {
      ...c,
      fullCode,
      productId: chosen.productId,
      product: chosen.product,
      createdAt: now,
      expiresAt: now + CODE_LIFETIME_MILLIS,
      usedAt: null,
      stripeAccountId: stripeAccount.id,
      chargesEnabled: stripeAccount.chargesEnabled,
    });
    const url = `${ctx.baseUrl}/purchase/${fullCode}${body.return_url === undefined ? "" : `?return_url=${encodeURIComponent(body.return_url)}`}`;
    return { url };
  },
});

/** The validate-code answer for a code, also used by the checkout page. */
export async function describePurchaseCode(
  ctx: RequestContext,
  code: PurchaseCodeRecord,
  config: ProjectConfig,
): Promise<ValidateCodeResponse> {
  const now = await ctx.nowFor(code.projectId);
  const purchases = await loadPurchases(ctx.db, codeCustomer(code));
  const chosen: ChosenProduct = { productId: code.productId, product: code.product };
  const conflicting =
    code.product.productLineId !== null && hasRecurringPrice(code.product)
      ? ownedProductsInLine(chosen, purchases, now).map((o) => ({ product_id: o.productId, display_name: o.displayName }))
      : [];
  return {
    product: productOutput(code.product),
    stripe_account_id: code.stripeAccountId,
    project_id: code.projectId,
    project_logo_url: null,
    already_bought_non_stackable: isAlreadyOwnedNonStackable(chosen, purchases, now),
    conflicting_products: conflicting,
    test_mode: config.payments.testMode,
    charges_enabled: code.chargesEnabled,
  };
}

const validateCodeRoute = defineRoute({
  method: "POST",
  path: "/payments/purchases/validate-code",
  access: "none",
  body: validateCodeBodySchema,
  response: validateCodeResponseSchema,
  async handler(ctx, { body }) {
    const code = await requireCode(ctx, body.full_code);
    const config = await configOf(ctx, code.projectId);
    assertTrustedReturnUrl(config, body.return_url);
    return describePurchaseCode(ctx, code, config);
  },
});

const validateCodeGetRoute = defineRoute({
  method: "GET",
  path: "/payments/purchases/validate-code",
  access: "none",
  query: validateCodeQuerySchema,
  async handler(ctx, { query: q }) {
    // Like the hosted route, only the tenancy prefix is checked here, not the code itself.
    const parts = q.full_code.split("_");
    const projectId = parts.length === 2 ? parts[0]! : "";
    if (projectId === "" || !(await findProject(ctx.db, projectId))) throw ApiError.known("VERIFICATION_CODE_NOT_FOUND");
    assertTrustedReturnUrl(await configOf(ctx, projectId), q.return_url);
    return { valid: true };
  },
});

const purchaseSessionRoute = defineRoute({
  method: "POST",
  path: "/payments/purchases/purchase-session",
  access: "none",
  body: purchaseSessionBodySchema,
  response: purchaseSessionResponseSchema,
  async handler(ctx, { body }) {
    const code = await requireCode(ctx, body.full_code);
    const config = await configOf(ctx, code.projectId);
    if (config.payments.blockNewPurchases) throw ApiError.known("NEW_PURCHASES_BLOCKED");
    await catchUpProject(ctx.db, code.projectId, honoContextOf(ctx).var.services.realNow);
    const now = await ctx.nowFor(code.projectId);
    // The payment (or subscription) the buyer confirms with a card; nothing is granted until it
    // succeeds. The code is used up once every check passed, as the hosted route revokes it.
    const started = await ctx.db.transaction(
      (tx) =>
        startProviderPurchase(
          tx,
          { ...codeCustomer(code), productId: code.productId, product: code.product, priceId: body.price_id, quantity: body.quantity ?? 1, now },
          async () => {
            if (!code.chargesEnabled) throw ApiError.text(400, "The project's Stripe account cannot take payments yet: its payments onboarding is not finished.");
            if (!(await usePurchaseCode(tx, code.fullCode, now))) throw ApiError.known("VERIFICATION_CODE_NOT_FOUND");
          },
        ),
      { isolation: "read committed" },
    );
    return { client_secret: started.paymentIntent.clientSecret };
  },
});

/**
 * A test purchase is free, but its quantity is bounded as a paid one would be (the largest card
 * charge for a USD price, {@link MAX_CHECKOUT_QUANTITY} otherwise), so a typo of a few extra
 * digits is refused with a message rather than granting absurd quantities.
 */
function assertCheckoutQuantity(product: PurchaseCodeRecord["product"], priceId: string, quantity: number): void {
  if (quantity > MAX_CHECKOUT_QUANTITY)
    throw ApiError.text(400, `Quantity ${quantity} is too large: one purchase can be at most ${MAX_CHECKOUT_QUANTITY.toLocaleString("en-US")}.`);
  const price = product.prices === "include-by-default" ? undefined : product.prices[priceId];
  const usd = price?.amounts.USD;
  const unitCents = usd === undefined ? null : toCents(usd);
  if (unitCents !== null && unitCents * quantity > MAX_CHARGE_CENTS)
    throw ApiError.text(400, `The total of ${quantity} × ${formatUsd(unitCents)} is more than the largest amount a payment can take (${formatUsd(MAX_CHARGE_CENTS)}).`);
}

const testModePurchaseSessionRoute = defineRoute({
  method: "POST",
  path: "/internal/payments/test-mode-purchase-session",
  access: "none",
  body: purchaseSessionBodySchema,
  response: successResponseSchema,
  async handler(ctx, { body }) {
    const code = await requireCode(ctx, body.full_code);
    const config = await configOf(ctx, code.projectId);
    if (config.payments.blockNewPurchases) throw ApiError.known("NEW_PURCHASES_BLOCKED");
    if (!config.payments.testMode) throw ApiError.text(403, "Test mode is not enabled for this project");
    assertCheckoutQuantity(code.product, body.price_id, body.quantity ?? 1);
    const inexact = inexactGrantProblem(code.product.includedItems, body.quantity ?? 1);
    if (inexact !== null) throw ApiError.text(400, inexact);
    const now = await ctx.nowFor(code.projectId);
    await ctx.db.transaction(
      (tx) =>
        purchaseProduct(
          tx,
          codeCustomer(code),
          config.payments,
          { productId: code.productId, product: code.product },
          { priceId: body.price_id, quantity: body.quantity ?? 1, source: "TEST_MODE", now },
          async () => {
            // Single use: a concurrent completion of the same code loses here.
            if (!(await usePurchaseCode(tx, code.fullCode, now))) throw ApiError.known("VERIFICATION_CODE_NOT_FOUND");
          },
        ),
      { isolation: "read committed" },
    );
    return { success: true as const };
  },
});

/** Every payments route below `/api/{v1,latest}`, including the live event stream. */
export const paymentsRoutes: Route[] = [
  createPurchaseUrlRoute,
  validateCodeRoute,
  validateCodeGetRoute,
  purchaseSessionRoute,
  testModePurchaseSessionRoute,
  getItemRoute,
  updateQuantityRoute,
  listProductsRoute,
  grantProductRoute,
  cancelSubscriptionRoute,
  switchSubscriptionRoute,
  billingRoute,
  invoicesRoute,
  setupIntentRoute,
  setDefaultRoute,
  transactionsRoute,
  refundRoute,
  ...providerRoutes,
  ...liveEventRoutes,
];

/** Routes served at the root (not below `/api/v1`): the checkout page (test and live mode). */
export const checkoutPageRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/purchase/:full_code",
    access: "none",
    async handler(ctx) {
      return checkoutPage(ctx, async (fullCode) => {
        const prefix = fullCode.split("_")[0] ?? "";
        const code = await findValidPurchaseCode(ctx.db, fullCode, await ctx.nowFor(prefix));
        if (!code) return null;
        const config = await configOf(ctx, code.projectId);
        return { code, config, description: await describePurchaseCode(ctx, code, config), now: await ctx.nowFor(code.projectId) };
      }, (fullCode) => ctx.nowFor(fullCode.split("_")[0] ?? ""));
    },
  }),
];
