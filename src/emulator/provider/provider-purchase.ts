/**
 * The start of a paid purchase, as the hosted `purchase-session` route starts one with Stripe: a
 * one-time price becomes a payment intent of USD × 100 × quantity cents; a recurring price a
 * subscription created `incomplete`, whose first invoice's payment the buyer confirms. Nothing is
 * granted here: the purchase is recorded when the payment succeeds (see the webhook handling).
 */
import type { CustomerType } from "../../core/schemas/index.js";
import type { SqlExecutor } from "../db.js";
import { ApiError } from "../http.js";
import type { ResolvedProduct } from "../payments/products.js";
import { validatePurchase } from "../payments/purchase.js";
import { loadPurchases } from "../payments/store.js";
import { formatUsd, MAX_CHARGE_CENTS, toCents } from "./money.js";
import { newEventOutbox } from "./provider-events.js";
import { createOneTimePaymentIntent } from "./payment-intents.js";
import { ensureProviderCustomer, type ProviderPaymentIntent, type ProviderSubscription } from "./provider-store.js";
import { createSubscription } from "./subscriptions.js";
import { deliverEvents } from "./webhook-handler.js";

/** Stripe's smallest card charge in USD. */
const MIN_CHARGE_CENTS = 50;

/** What to buy, for whom. */
export interface ProviderPurchaseRequest {
  projectId: string;
  customerType: CustomerType;
  customerId: string;
  productId: string | null;
  product: ResolvedProduct;
  priceId: string | null;
  quantity: number;
  now: number;
}

/** The payment the buyer confirms (and, for a recurring price, the subscription it starts). */
export interface ProviderPurchase {
  paymentIntent: ProviderPaymentIntent;
  subscription: ProviderSubscription | null;
  priceId: string;
  amountCents: number;
}

/**
 * Checks a purchase with the purchase rules and the card-payment limits, then creates its payment
 * (and subscription). `beforeCreate` runs after every check, inside the caller's transaction (the
 * purchase-session route uses up the purchase code there).
 */
export async function startProviderPurchase(tx: SqlExecutor, request: ProviderPurchaseRequest, beforeCreate?: () => Promise<void>): Promise<ProviderPurchase> {
  const c = { projectId: request.projectId, customerType: request.customerType, customerId: request.customerId };
  const purchases = await loadPurchases(tx, c);
  const plan = validatePurchase(
    { productId: request.productId, product: request.product },
    purchases,
    { priceId: request.priceId, quantity: request.quantity, customerId: request.customerId },
    request.now,
  );
  const priceId = plan.priceId;
  const price = priceId === null || request.product.prices === "include-by-default" ? undefined : request.product.prices[priceId];
  if (!price || priceId === null) throw ApiError.text(400, "This product has no price that can be paid for.");
  if (price.interval && price.interval[0] < 1) throw ApiError.text(400, "This price renews every 0 periods, so it cannot be paid as a subscription.");
  const usd = price.amounts.USD;
  const unitCents = usd === undefined ? null : toCents(usd);
  if (unitCents === null) throw ApiError.text(400, "This price has no USD amount; only USD prices can be paid by card.");
  const amountCents = unitCents * request.quantity;
  if (!Number.isSafeInteger(amountCents) || amountCents > MAX_CHARGE_CENTS)
    throw ApiError.text(
      400,
      `The total of ${request.quantity} × ${formatUsd(unitCents)} is more than the largest amount a card payment can take (${formatUsd(MAX_CHARGE_CENTS)}).`,
    );
  if (amountCents < MIN_CHARGE_CENTS) throw ApiError.text(400, `Card payments must be at least ${formatUsd(MIN_CHARGE_CENTS)}; this one would be ${formatUsd(amountCents)}.`);
  await beforeCreate?.();
  const customer = await ensureProviderCustomer(tx, request.projectId, request.customerType, request.customerId, request.now);
  if (!price.interval) {
    const paymentIntent = await createOneTimePaymentIntent(tx, customer, {
      amountCents,
      purchase: { customerType: request.customerType, customerId: request.customerId, productId: request.productId, product: request.product, priceId, quantity: request.quantity },
      now: request.now,
    });
    return { paymentIntent, subscription: null, priceId, amountCents };
  }
  const outbox = newEventOutbox(request.projectId);
  const created = await createSubscription(tx, outbox, customer, {
    metadata: { productId: request.productId, priceId, product: request.product },
    unitAmountCents: unitCents,
    quantity: request.quantity,
    interval: price.interval,
    now: request.now,
  });
  await deliverEvents(tx, outbox);
  return { paymentIntent: created.paymentIntent, subscription: created.subscription, priceId, amountCents };
}
