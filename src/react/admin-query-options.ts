/**
 * Query keys and query options of the admin app's reads (transactions, the project's config,
 * payment-method settings, the Stripe account), and the link that re-reads them after the admin
 * app's own writes. React-free, like `query-options.ts`: `stack-payments/server` re-exports the
 * keys and options for prefetching on the server.
 *
 * Every key lives under `stackQueryKeys.project(projectId)`, so what removes or invalidates a
 * project's queries covers these too:
 *
 * ```
 * ["stack-payments", projectId, "admin"]
 * ["stack-payments", projectId, "admin", "transactions"]                                         (every page)
 * ["stack-payments", projectId, "admin", "transactions", { cursor, limit, type, customerType, customerId }]
 * ["stack-payments", projectId, "admin", "project-config"]
 * ["stack-payments", projectId, "admin", "payment-method-configs"]
 * ["stack-payments", projectId, "admin", "stripe-account-info"]
 * ```
 */
import type { DataTag, QueryClient, QueryKey } from "@tanstack/react-query";
import type { AdminChange, AdminChangeListener } from "../core/admin/admin-connection.js";
import type { AdminProjectConfig } from "../core/admin/admin-project.js";
import type { PaymentMethodConfigs, StripeAccountInfo } from "../core/admin/payment-settings.js";
import type { ListTransactionsOptions, TransactionsPage } from "../core/admin/transactions.js";
import type { CallOptions } from "../core/transport.js";
import type { StackQueryOptions } from "./query-options.js";
import { stackQueryKeys } from "./stack-query-keys.js";

/** What the admin query options and hooks need of an app: a `StackAdminApp`. */
export interface AdminQueryApp {
  readonly projectId: string;
  listTransactions(options?: ListTransactionsOptions, callOptions?: CallOptions): Promise<TransactionsPage>;
  getProjectConfig(callOptions?: CallOptions): Promise<AdminProjectConfig>;
  getPaymentMethodConfigs(callOptions?: CallOptions): Promise<PaymentMethodConfigs | null>;
  getStripeAccountInfo(callOptions?: CallOptions): Promise<StripeAccountInfo | null>;
  onAdminChange(listener: AdminChangeListener): () => void;
}

/** True for an app with the admin reads (a `StackAdminApp`). */
export function isAdminQueryApp(app: unknown): app is AdminQueryApp {
  const a = app as Partial<AdminQueryApp> | null;
  return typeof a === "object" && a !== null && typeof a.listTransactions === "function" && typeof a.onAdminChange === "function";
}

const tagged = <T>(key: QueryKey) => key as DataTag<QueryKey, T, Error>;

/**
 * The admin keys (see the module comment). Leaf keys are typed with their cached value.
 *
 * @example
 * // the emulator's event stream said a purchase landed: re-read the transactions
 * await queryClient.invalidateQueries({ queryKey: adminQueryKeys.transactions(admin.projectId) });
 */
export const adminQueryKeys = {
  /** Every admin query of a project. */
  admin: (projectId: string): QueryKey => [...stackQueryKeys.project(projectId), "admin"],
  /**
   * Without `options`: every transactions page of every filter (the prefix to invalidate). With
   * `options` (`{}` included): that page.
   */
  transactions: (projectId: string, options?: ListTransactionsOptions) => {
    const base = [...adminQueryKeys.admin(projectId), "transactions"];
    if (options === undefined) return tagged<TransactionsPage>(base);
    const { cursor, limit, type, customerType, customerId } = options;
    return tagged<TransactionsPage>([
      ...base,
      { cursor: cursor ?? null, limit: limit ?? null, type: type ?? null, customerType: customerType ?? null, customerId: customerId ?? null },
    ]);
  },
  /** The project's rendered config. */
  projectConfig: (projectId: string) => tagged<AdminProjectConfig>([...adminQueryKeys.admin(projectId), "project-config"]),
  /** The payment-method configuration (null before payments are set up). */
  paymentMethodConfigs: (projectId: string) => tagged<PaymentMethodConfigs | null>([...adminQueryKeys.admin(projectId), "payment-method-configs"]),
  /** The Stripe account (null before payments are set up). */
  stripeAccountInfo: (projectId: string) => tagged<StripeAccountInfo | null>([...adminQueryKeys.admin(projectId), "stripe-account-info"]),
};

// Admin data has no live topic: it is re-read when this app changes it (see
// `connectAdminQueries`), and otherwise on every mount and window focus, as a back office expects.
const ADMIN_STALE_TIME = 0;

/**
 * Query options of a page of transactions; the cached value is `{ transactions, nextCursor }`
 * (the transactions as the API sends them).
 *
 * @example
 * await queryClient.prefetchQuery(transactionsQueryOptions(admin, { type: "purchase", limit: 20 }));
 */
export function transactionsQueryOptions(app: AdminQueryApp, options: ListTransactionsOptions = {}): StackQueryOptions<TransactionsPage> {
  const { cursor, limit, type, customerType, customerId } = options;
  // Only the filters: a hook's own options (`suspense`) are no filter.
  const filters = { cursor, limit, type, customerType, customerId };
  return {
    queryKey: adminQueryKeys.transactions(app.projectId, filters),
    queryFn: () => app.listTransactions(Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined))),
    retry: false,
    staleTime: ADMIN_STALE_TIME,
  };
}

/** Query options of the project's rendered config. */
export function projectConfigQueryOptions(app: AdminQueryApp): StackQueryOptions<AdminProjectConfig> {
  return { queryKey: adminQueryKeys.projectConfig(app.projectId), queryFn: () => app.getProjectConfig(), retry: false, staleTime: ADMIN_STALE_TIME };
}

/** Query options of the payment-method configuration (null before payments are set up). */
export function paymentMethodConfigsQueryOptions(app: AdminQueryApp): StackQueryOptions<PaymentMethodConfigs | null> {
  return { queryKey: adminQueryKeys.paymentMethodConfigs(app.projectId), queryFn: () => app.getPaymentMethodConfigs(), retry: false, staleTime: ADMIN_STALE_TIME };
}

/** Query options of the project's Stripe account (null before payments are set up). */
export function stripeAccountInfoQueryOptions(app: AdminQueryApp): StackQueryOptions<StripeAccountInfo | null> {
  return { queryKey: adminQueryKeys.stripeAccountInfo(app.projectId), queryFn: () => app.getStripeAccountInfo(), retry: false, staleTime: ADMIN_STALE_TIME };
}

/** The keys a change makes stale. */
function staleKeys(projectId: string, change: AdminChange): QueryKey[] {
  const project = stackQueryKeys.project(projectId);
  switch (change.kind) {
    case "item-quantity": {
      const { type, id } = change.customer;
      const selector = type === "user" ? { userId: id } : type === "team" ? { teamId: id } : { customCustomerId: id };
      return [adminQueryKeys.transactions(projectId), stackQueryKeys.customer(projectId, selector)];
    }
    case "refund":
      // The refunded customer is not named by the call: every customer's products and items.
      return [adminQueryKeys.transactions(projectId), [...project, "customer"]];
    case "config":
      // Products, items and their names may all read differently now.
      return [project];
    case "payment-settings":
      return [adminQueryKeys.paymentMethodConfigs(projectId), adminQueryKeys.stripeAccountInfo(projectId)];
  }
}

const connected = new WeakMap<QueryClient, WeakSet<AdminQueryApp>>();

/**
 * Makes `app`'s writes (refunds, quantity changes, config and payment settings) invalidate the
 * queries of `queryClient` they make stale, mounted or not. Idempotent; the admin hooks call it.
 * The link lasts as long as the app and the client.
 */
export function connectAdminQueries(app: AdminQueryApp, queryClient: QueryClient): void {
  let apps = connected.get(queryClient);
  if (!apps) connected.set(queryClient, (apps = new WeakSet()));
  if (apps.has(app)) return;
  apps.add(app);
  app.onAdminChange((change) => {
    for (const queryKey of staleKeys(app.projectId, change)) void queryClient.invalidateQueries({ queryKey });
  });
}
