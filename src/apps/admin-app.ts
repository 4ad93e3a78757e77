/**
 * `StackAdminApp`: the app for your own back office. A server app (everything `StackServerApp`
 * does) that also holds the super secret admin key: the project's transactions and refunds,
 * manual item quantity changes, payments setup and settings, and the project's config. Refuses
 * to run in a browser.
 */
import { createAdminConnection, refuseAdminInBrowser, type AdminChangeListener, type AdminConnection } from "../core/admin/admin-connection.js";
import {
  getAdminProject,
  getProjectConfig,
  updateProjectConfig,
  type AdminProject,
  type AdminProjectConfig,
  type ConfigOverride,
} from "../core/admin/admin-project.js";
import {
  createStripeWidgetAccountSession,
  getPaymentMethodConfigs,
  getStripeAccountInfo,
  setupPayments,
  updatePaymentMethodConfigs,
  type PaymentMethodConfigs,
  type PaymentMethodId,
  type StripeAccountInfo,
} from "../core/admin/payment-settings.js";
import {
  createItemQuantityChange,
  listTransactions,
  refundTransaction,
  type ItemQuantityChangeOptions,
  type ListTransactionsOptions,
  type RefundTransactionOptions,
  type TransactionsPage,
} from "../core/admin/transactions.js";
import { isBrowserLike } from "../core/env.js";
import type { CallOptions } from "../core/transport.js";
import { StackServerApp, type StackServerAppOptions } from "./server-app.js";

/** Constructor options of `StackAdminApp`: the server app's, plus the super secret admin key. */
export interface StackAdminAppOptions extends StackServerAppOptions {
  /** Default: `HEXCLAVE_SUPER_SECRET_ADMIN_KEY`, `STACK_SUPER_SECRET_ADMIN_KEY`. Required. */
  superSecretAdminKey?: string | undefined;
}

/**
 * The admin app (official `@stackframe/js` names and requests). Every admin method takes a last,
 * optional `CallOptions` (signal, timeout), as the other apps' methods do.
 *
 * @example
 * const admin = new StackAdminApp({ projectId, secretServerKey, superSecretAdminKey });
 * const { transactions, nextCursor } = await admin.listTransactions({ type: "purchase", limit: 20 });
 * await admin.createItemQuantityChange({ userId, itemId: "credits", quantity: 100, expiresAt: "2030-01-01T00:00:00Z", description: "Goodwill" });
 * await (await admin.getProject()).updateConfig({ "payments.blockNewPurchases": true });
 */
export class StackAdminApp extends StackServerApp {
  readonly #admin: AdminConnection;

  constructor(options: StackAdminAppOptions = {}) {
    refuseAdminInBrowser(isBrowserLike());
    super(options);
    this.#admin = createAdminConnection(options, this.live);
  }

  /** The project's transactions, newest first, filtered and paged (`GET /internal/payments/transactions`). */
  listTransactions(options: ListTransactionsOptions = {}, callOptions?: CallOptions): Promise<TransactionsPage> {
    return listTransactions(this.#admin, options, callOptions);
  }

  /**
   * Refunds a purchase: a one-time purchase or a subscription (its invoice), by `amountUsd`. The
   * refunded product is taken back from the customer. Test-mode purchases are not refundable
   * (`TEST_MODE_PURCHASE_NON_REFUNDABLE`).
   */
  refundTransaction(options: RefundTransactionOptions, callOptions?: CallOptions): Promise<{ refundTransactionId: string | null }> {
    return refundTransaction(this.#admin, options, callOptions);
  }

  /**
   * Changes a customer's item by `quantity` (negative removes; the quantity may go below zero),
   * optionally expiring at `expiresAt` and with a `description` for the transactions listing.
   */
  createItemQuantityChange(options: ItemQuantityChangeOptions, callOptions?: CallOptions): Promise<void> {
    return createItemQuantityChange(this.#admin, options, callOptions);
  }

  /** Starts (or continues) the Stripe onboarding of the project: the URL to send its owner to. */
  setupPayments(callOptions?: CallOptions): Promise<{ url: string }> {
    return setupPayments(this.#admin, callOptions);
  }

  /** The project's Stripe account, or null before `setupPayments`. */
  getStripeAccountInfo(callOptions?: CallOptions): Promise<StripeAccountInfo | null> {
    return getStripeAccountInfo(this.#admin, callOptions);
  }

  /** The payment methods checkout offers, or null before `setupPayments`. */
  getPaymentMethodConfigs(callOptions?: CallOptions): Promise<PaymentMethodConfigs | null> {
    return getPaymentMethodConfigs(this.#admin, callOptions);
  }

  /** Turns payment methods on or off: `updatePaymentMethodConfigs(configId, { link: "off" })`. */
  updatePaymentMethodConfigs(configId: string, updates: Partial<Record<PaymentMethodId, "on" | "off">>, callOptions?: CallOptions): Promise<void> {
    return updatePaymentMethodConfigs(this.#admin, configId, updates, callOptions);
  }

  /** A client secret for Stripe's embedded (Connect) components. */
  createStripeWidgetAccountSession(callOptions?: CallOptions): Promise<{ client_secret: string }> {
    return createStripeWidgetAccountSession(this.#admin, callOptions);
  }

  /** The project, with `getConfig()` and `updateConfig()`. */
  getProject(callOptions?: CallOptions): Promise<AdminProject> {
    return getAdminProject(this.#admin, callOptions);
  }

  /** The project's rendered config in one request: what `(await getProject()).getConfig()` returns. */
  getProjectConfig(callOptions?: CallOptions): Promise<AdminProjectConfig> {
    return getProjectConfig(this.#admin, callOptions);
  }

  /** What `(await getProject()).updateConfig(override)` does, without reading the project first. */
  updateProjectConfig(override: ConfigOverride, callOptions?: CallOptions): Promise<void> {
    return updateProjectConfig(this.#admin, override, callOptions);
  }

  /**
   * Calls `listener` after each write of this app (refunds, quantity changes, config and payment
   * settings) with what changed; returns the unsubscribe function. The React hooks re-read from it.
   */
  onAdminChange(listener: AdminChangeListener): () => void {
    return this.#admin.onChange(listener);
  }
}
