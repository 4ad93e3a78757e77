/**
 * `stack-payments/react`: `StackProvider`, `useUser` (with `user.useItem`, `user.useProducts`,
 * `user.useTeam`), app-level `useItem` / `useProducts`, query-options factories for server
 * rendering, and the live channel's connection state. Built on @tanstack/react-query.
 */
export { StackProvider, useStackApp, type StackProviderProps } from "./react/provider.js";
export {
  useUser,
  useItem,
  useProducts,
  type UseUserOptions,
  type ReactUser,
  type ReactTeam,
  type CustomerHooks,
  type QueryState,
  type NoSuspense,
} from "./react/hooks.js";
export { useLiveConnectionState } from "./react/use-live-connection-state.js";
export {
  itemQueryOptions,
  productsQueryOptions,
  userQueryOptions,
  teamsQueryOptions,
  itemQueryKey,
  productsQueryKey,
  userQueryKey,
  teamsQueryKey,
  projectQueryKey,
  type StackQueryOptions,
  type UserQueryOptions,
  type UserSnapshot,
  type TeamSnapshot,
} from "./react/query-options.js";
export type { LiveConnectionState, LiveChannelOptions } from "./core/live/live-channel.js";
