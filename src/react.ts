/**
 * `stack-payments/react`: `StackProvider`, `useUser` (with `user.useItem`, `user.useProducts`,
 * `user.useTeam`), app-level `useItem` / `useProducts`, the query-options factories and the query-key
 * factory, the live channel's connection state, and the admin app's hooks (`useTransactions`,
 * `useProjectConfig`, ...). Built on @tanstack/react-query, which React apps
 * install next to this package: `npm install stack-payments @tanstack/react-query`.
 */
export { StackProvider, useStackApp, type StackProviderProps } from "./react/provider.js";
export { useUser, type UseUserOptions } from "./react/use-user.js";
export { useItem } from "./react/use-item.js";
export { useProducts } from "./react/use-products.js";
export type { ReactUser, ReactTeam, CustomerHooks } from "./react/react-customer.js";
export type { QueryState, NoSuspense } from "./react/use-stack-query.js";
export { useLiveConnectionState } from "./react/use-live-connection-state.js";
export {
  itemQueryOptions,
  productsQueryOptions,
  userQueryOptions,
  teamsQueryOptions,
  type QueryApp,
  type StackQueryOptions,
  type StackQueryMeta,
  type UserQueryOptions,
} from "./react/query-options.js";
export { stackQueryKeys, type CurrentUserKeyOptions } from "./react/stack-query-keys.js";
export type { UserWire, TeamWire, ProductsPageWire } from "./react/cached-wire.js";
export type { LiveConnectionState, LiveChannelOptions } from "./core/live/live-channel.js";
// The admin app's hooks (a StackAdminApp in the provider, rendered on a server).
export { useAdminApp } from "./react/use-admin-app.js";
export { useTransactions } from "./react/use-transactions.js";
export { useProjectConfig, usePaymentMethodConfigs, useStripeAccountInfo } from "./react/use-project-config.js";
export {
  adminQueryKeys,
  transactionsQueryOptions,
  projectConfigQueryOptions,
  paymentMethodConfigsQueryOptions,
  stripeAccountInfoQueryOptions,
  connectAdminQueries,
  type AdminQueryApp,
} from "./react/admin-query-options.js";
