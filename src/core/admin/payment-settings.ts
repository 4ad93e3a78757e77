/**
 * The admin app's payments-setup calls: Stripe onboarding, the connected account's status, its
 * payment-method settings and the session of Stripe's embedded components.
 */
import { apiPath, requireOptions, requireText } from "../api-context.js";
import { invalidArgument, isStackPaymentsError } from "../errors.js";
import { PAYMENT_METHOD_IDS, type PaymentMethodId } from "../wire-constants.js";
import type { CallOptions } from "../transport.js";
import {
  paymentMethodConfigsResponseShape,
  paymentsSetupResponseShape,
  stripeAccountInfoShape,
  stripeWidgetAccountSessionResponseShape,
  successResponseShape,
} from "../wire-shapes.js";
import type { AdminConnection } from "./admin-connection.js";

/** The project's Stripe (connected) account, as the API sends it (official: snake_case). */
export interface StripeAccountInfo {
  account_id: string;
  charges_enabled: boolean;
  details_submitted: boolean;
  payouts_enabled: boolean;
}

/** One payment method of the account's configuration. */
export interface PaymentMethodConfig {
  /** Stripe's id: `card`, `link`, `apple_pay`, ... */
  id: string;
  /** Its display name: `Credit/Debit Card`, ... */
  name: string;
  /** Offered at checkout. */
  enabled: boolean;
  /** The account can offer it (country, currency, capabilities). */
  available: boolean;
  /** Turning it on or off takes effect (otherwise the platform's default holds). */
  overridable: boolean;
}

/** The account's payment-method configuration. */
export interface PaymentMethodConfigs {
  /** Pass to `updatePaymentMethodConfigs`. */
  configId: string;
  methods: PaymentMethodConfig[];
}

export type { PaymentMethodId };

/** `POST /internal/payments/setup` (body `{}`): creates the Stripe account on the first call; the onboarding link. */
export async function setupPayments(admin: AdminConnection, callOptions?: CallOptions): Promise<{ url: string }> {
  const wire = await admin.ctx.call({ method: "POST", path: apiPath`/internal/payments/setup`, body: {}, schema: paymentsSetupResponseShape, options: callOptions });
  admin.changed({ kind: "payment-settings" });
  return { url: wire.url };
}

/** `GET /internal/payments/stripe/account-info`; null when the project has no Stripe account yet. */
export async function getStripeAccountInfo(admin: AdminConnection, callOptions?: CallOptions): Promise<StripeAccountInfo | null> {
  try {
    const wire = await admin.ctx.call({ method: "GET", path: apiPath`/internal/payments/stripe/account-info`, schema: stripeAccountInfoShape, options: callOptions });
    return { account_id: wire.account_id, charges_enabled: wire.charges_enabled, details_submitted: wire.details_submitted, payouts_enabled: wire.payouts_enabled };
  } catch (error) {
    if (isStackPaymentsError(error, "STRIPE_ACCOUNT_INFO_NOT_FOUND")) return null;
    throw error;
  }
}

/** `GET /internal/payments/method-configs`; null when the project has no Stripe account yet. */
export async function getPaymentMethodConfigs(admin: AdminConnection, callOptions?: CallOptions): Promise<PaymentMethodConfigs | null> {
  try {
    const wire = await admin.ctx.call({ method: "GET", path: apiPath`/internal/payments/method-configs`, schema: paymentMethodConfigsResponseShape, options: callOptions });
    return {
      configId: wire.config_id,
      methods: wire.methods.map((m) => ({ id: m.id, name: m.name, enabled: m.enabled, available: m.available, overridable: m.overridable })),
    };
  } catch (error) {
    if (isStackPaymentsError(error, "STRIPE_ACCOUNT_INFO_NOT_FOUND")) return null;
    throw error;
  }
}

/**
 * `PATCH /internal/payments/method-configs` with `{ config_id, updates }`: turns payment methods
 * on or off. Every method id and value is checked before anything is sent.
 */
export async function updatePaymentMethodConfigs(
  admin: AdminConnection,
  configId: string,
  updates: Partial<Record<PaymentMethodId, "on" | "off">>,
  callOptions?: CallOptions,
): Promise<void> {
  requireText("configId", configId);
  requireOptions(updates, "{ <payment method id>: \"on\" | \"off\" }");
  for (const [method, value] of Object.entries(updates)) {
    if (!(PAYMENT_METHOD_IDS as readonly string[]).includes(method)) {
      throw invalidArgument(`updates.${method}`, `unknown payment method (expected one of ${PAYMENT_METHOD_IDS.join(", ")}); nothing was sent`);
    }
    if (value !== "on" && value !== "off") throw invalidArgument(`updates.${method}`, `expected "on" or "off", got ${JSON.stringify(value) ?? "undefined"}; nothing was sent`);
  }
  await admin.ctx.call({
    method: "PATCH",
    path: apiPath`/internal/payments/method-configs`,
    body: { config_id: configId, updates },
    schema: successResponseShape,
    options: callOptions,
  });
  admin.changed({ kind: "payment-settings" });
}

/** `POST /internal/payments/stripe-widgets/account-session` (body `{}`): the client secret of Stripe's embedded components. */
export async function createStripeWidgetAccountSession(admin: AdminConnection, callOptions?: CallOptions): Promise<{ client_secret: string }> {
  const wire = await admin.ctx.call({
    method: "POST",
    path: apiPath`/internal/payments/stripe-widgets/account-session`,
    body: {},
    schema: stripeWidgetAccountSessionResponseShape,
    options: callOptions,
  });
  return { client_secret: wire.client_secret };
}
