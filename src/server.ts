/**
 * `stack-payments/server`: everything of `stack-payments` plus `StackServerApp` (secret server key;
 * server items, grants, inline products, custom customers) and `StackAdminApp` (admin key;
 * transactions, refunds, manual quantity changes, payments settings and config). Never import
 * this in browser code.
 */
export { StackClientApp } from "./apps/client-app.js";
export {
  StackPaymentsError,
  isStackPaymentsError,
  itemTopic,
  productsTopic,
  type CredentialOptions,
  type StackClientAppOptions,
  type GetUserOptions,
  type HandlerUrls,
  type RedirectMethod,
  type Result,
  type Customer,
  type ServerCustomer,
  type CustomerRef,
  type CustomerSelector,
  type CheckoutOptions,
  type ServerCheckoutOptions,
  type GrantProductOptions,
  type SwitchSubscriptionOptions,
  type CancelSubscriptionOptions,
  type Item,
  type ServerItem,
  type CustomerProduct,
  type CustomerProductsList,
  type CustomerInvoice,
  type CustomerInvoicesList,
  type CustomerBilling,
  type CustomerPaymentMethodSetupIntent,
  type InlineProduct,
  type ListOptions,
  type CurrentUser,
  type ServerUser,
  type Team,
  type ServerTeam,
  type CreateTeamOptions,
  type CreateSessionOptions,
  type InvoicesOptions,
  type SessionCancelOptions,
  type TokenStoreInit,
  type RequestLike,
  type CallOptions,
  type RetryOptions,
  type SdkErrorCode,
  type StackErrorCode,
  type LiveBus,
  type LiveTopic,
  type ItemTopic,
  type ProductsTopic,
  type LiveListener,
  type LiveValue,
} from "./client-api.js";
export { StackServerApp, type StackServerAppOptions, type CreateUserOptions } from "./apps/server-app.js";
// Query-options factories are React-free, and a Next.js server component cannot call functions of
// a "use client" module: prefetch on the server with these, render with `stack-payments/react`.
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
export { StackAdminApp, type StackAdminAppOptions } from "./apps/admin-app.js";
export type { ProjectOwnerSession } from "./core/admin/admin-connection.js";
export type {
  Transaction,
  TransactionEntry,
  TransactionType,
  TransactionsPage,
  ListTransactionsOptions,
  RefundTransactionOptions,
  RefundEntry,
  ItemQuantityChangeOptions,
} from "./core/admin/transactions.js";
export type { StripeAccountInfo, PaymentMethodConfig, PaymentMethodConfigs, PaymentMethodId } from "./core/admin/payment-settings.js";
export type { AdminProject, AdminProjectConfig, ConfigOverride, ConfigOverrideLevel } from "./core/admin/admin-project.js";
export type { AdminChange, AdminChangeListener } from "./core/admin/admin-connection.js";
// The admin reads' keys and options, for prefetching on the server (the hooks are in stack-payments/react).
export {
  adminQueryKeys,
  transactionsQueryOptions,
  projectConfigQueryOptions,
  paymentMethodConfigsQueryOptions,
  stripeAccountInfoQueryOptions,
  type AdminQueryApp,
} from "./react/admin-query-options.js";
