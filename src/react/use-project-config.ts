/**
 * The admin app's settings hooks: `useProjectConfig` (the project's rendered config),
 * `usePaymentMethodConfigs` and `useStripeAccountInfo`, each from the provider's `StackAdminApp`.
 */
import type { AdminProjectConfig } from "../core/admin/admin-project.js";
import type { PaymentMethodConfigs, StripeAccountInfo } from "../core/admin/payment-settings.js";
import { paymentMethodConfigsQueryOptions, projectConfigQueryOptions, stripeAccountInfoQueryOptions } from "./admin-query-options.js";
import type { StackQueryOptions } from "./query-options.js";
import { useAdminApp } from "./use-admin-app.js";
import { useQueryState, useSuspendingQuery, useSuspenseForm, type NoSuspense, type QueryState } from "./use-stack-query.js";
import { sameValue } from "./use-transactions.js";

function useAdminRead<T>(options: { suspense?: boolean } | undefined, hook: string, what: string, optionsOf: (app: ReturnType<typeof useAdminApp>) => StackQueryOptions<T>) {
  const suspense = useSuspenseForm(options, hook);
  const query = optionsOf(useAdminApp(hook));
  return suspense ? useSuspendingQuery(query, sameValue, what) : useQueryState(query, sameValue);
}

/**
 * The project's rendered config (`payments` typed), re-read after this app's config updates.
 * Suspends while loading; with `{ suspense: false }` returns a {@link QueryState}.
 *
 * @example
 * const config = useProjectConfig();
 * <Toggle checked={config.payments.testMode} onChange={(on) => admin.updateProjectConfig({ "payments.testMode": on })} />
 */
export function useProjectConfig(): AdminProjectConfig;
export function useProjectConfig(options: NoSuspense): QueryState<AdminProjectConfig>;
export function useProjectConfig(options?: { suspense?: boolean }): AdminProjectConfig | QueryState<AdminProjectConfig> {
  return useAdminRead(options, "useProjectConfig", "The project config", projectConfigQueryOptions);
}

/** The payment-method configuration, or null before payments are set up; re-read after this app changes it. */
export function usePaymentMethodConfigs(): PaymentMethodConfigs | null;
export function usePaymentMethodConfigs(options: NoSuspense): QueryState<PaymentMethodConfigs | null>;
export function usePaymentMethodConfigs(options?: { suspense?: boolean }): PaymentMethodConfigs | null | QueryState<PaymentMethodConfigs | null> {
  return useAdminRead(options, "usePaymentMethodConfigs", "The payment methods", paymentMethodConfigsQueryOptions);
}

/** The project's Stripe account, or null before payments are set up; re-read after `setupPayments`. */
export function useStripeAccountInfo(): StripeAccountInfo | null;
export function useStripeAccountInfo(options: NoSuspense): QueryState<StripeAccountInfo | null>;
export function useStripeAccountInfo(options?: { suspense?: boolean }): StripeAccountInfo | null | QueryState<StripeAccountInfo | null> {
  return useAdminRead(options, "useStripeAccountInfo", "The Stripe account", stripeAccountInfoQueryOptions);
}
