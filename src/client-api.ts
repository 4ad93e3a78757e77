/**
 * What `stack-payments` exports besides `StackClientApp` (the customer, item and product types, the
 * error family): `stack-payments/server` re-exports these too, and its own `StackClientApp` (the
 * same class) without ky in its import graph.
 */
export type { CredentialOptions } from "./apps/client-app.js";
export type { StackClientAppOptions, GetUserOptions, HandlerUrls, RedirectMethod, Result } from "./core/app-core.js";
export type { Customer, ServerCustomer } from "./core/customer.js";
export type { CustomerRef, CustomerSelector } from "./core/api-context.js";
export type { Item, ServerItem } from "./core/item.js";
export type { InlineProduct, CheckoutOptions, ServerCheckoutOptions, GrantProductOptions } from "./core/checkout.js";
export type {
  CustomerProduct,
  CustomerProductsList,
  CustomerInvoice,
  CustomerInvoicesList,
  CustomerBilling,
  CustomerPaymentMethodSetupIntent,
  ListOptions,
  SwitchSubscriptionOptions,
  CancelSubscriptionOptions,
} from "./core/products.js";
export type { CurrentUser, ServerUser, Team, ServerTeam, CreateTeamOptions, CreateSessionOptions } from "./core/users.js";
export type { InvoicesOptions, SessionCancelOptions } from "./apps/stack-app-base.js";
export type { TokenStoreInit, RequestLike } from "./core/token-store.js";
export type { CallOptions, RetryOptions, TransportHooks } from "./core/transport.js";
export { StackPaymentsError, isStackPaymentsError, type SdkErrorCode, type StackErrorCode } from "./core/errors.js";
export type { LiveBus, LiveTopic, ItemTopic, ProductsTopic, LiveListener, LiveValue } from "./core/live/bus.js";
export { itemTopic, productsTopic } from "./core/live/bus.js";
