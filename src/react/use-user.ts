/**
 * `useUser`: the signed-in user, with hooks as methods.
 */
import { isServer, useQuery, type QueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { StackPaymentsError } from "../core/errors.js";
import { useStackContext } from "./provider.js";
import { createReactUser, type ReactUser } from "./react-customer.js";
import { getUserOptionsOf, userQueryOptions, type QueryApp, type UserQueryOptions } from "./query-options.js";
import { stackQueryKeys } from "./stack-query-keys.js";
import { serverMiss, useQueryState, useSuspendingQuery, useSuspenseForm, type NoSuspense, type QueryState } from "./use-stack-query.js";
import type { UserWire } from "./cached-wire.js";

/** Options of {@link useUser}. */
export type UseUserOptions = UserQueryOptions;

/**
 * The navigation of `or: "redirect"`, as a query: react-query runs it once however many components
 * ask, and keeps its failure (e.g. an app that cannot navigate) until the session changes; it does
 * not settle while the page navigates away.
 */
function redirectQueryOptions(app: QueryApp, queryClient: QueryClient, options: UseUserOptions) {
  return {
    queryKey: [...stackQueryKeys.project(app.projectId), "sign-in-redirect"],
    queryFn: async () => {
      await app.getUser(getUserOptionsOf(options, "redirect"));
      // Someone signed in meanwhile (e.g. in another tab): read the user again instead.
      await queryClient.refetchQueries({ queryKey: stackQueryKeys.currentUser(app.projectId, options) });
      return null;
    },
    retry: false,
    // A failure stays (no new attempt each time a component mounts), so it can be shown.
    retryOnMount: false,
  } as const;
}

/**
 * The signed-in user, with hooks as methods (`user.useItem`, `user.useProducts`, `user.useTeam`).
 * As in the official SDK: `or: "redirect"` navigates to sign-in, `"throw"` throws, `"anonymous"`
 * signs up an anonymous user, and the default returns null when nobody is signed in. Suspends
 * while loading; with `suspense: false` returns a {@link QueryState}. Renders again on sign-in and
 * sign-out. The object stays the same across renders until the user's data changes.
 *
 * @example
 * const user = useUser({ or: "redirect" });
 * const credits = user.useItem("credits");
 */
export function useUser(options: UseUserOptions & { or: "redirect" | "throw" | "anonymous" }): ReactUser;
export function useUser(options?: UseUserOptions): ReactUser | null;
export function useUser(options: UseUserOptions & NoSuspense): QueryState<ReactUser | null>;
export function useUser(options: UseUserOptions & { suspense?: boolean } = {}): ReactUser | null | QueryState<ReactUser | null> {
  const suspense = useSuspenseForm(options, "useUser");
  const { app, queryClient } = useStackContext();
  const { suspense: _, ...rest } = options;
  const query = userQueryOptions(app, rest);
  const select = useCallback((wire: UserWire | null) => wire && createReactUser(app, wire), [app]);
  const result = suspense ? useSuspendingQuery(query, select, "The signed-in user") : useQueryState(query, select);
  const state = suspense ? undefined : (result as QueryState<ReactUser | null>);
  const absent = state ? state.status === "success" && state.data === null : result === null;
  if (absent && rest.or === "throw") {
    throw new StackPaymentsError({ code: "USER_NOT_SIGNED_IN", message: "User is not signed in but useUser was called with { or: 'throw' }." });
  }
  const redirecting = absent && rest.or === "redirect";
  if (redirecting && isServer) throw serverMiss("A signed-in user");
  const redirect = redirectQueryOptions(app, queryClient, rest);
  // Observed in both forms, so that a navigation that fails renders this component again.
  const navigation = useQuery({ ...redirect, enabled: redirecting }, queryClient);
  if (!redirecting) return result as ReactUser | null | QueryState<ReactUser | null>;
  const { error } = navigation;
  // Suspend until the page navigates away (this settles only if it could not, or need not).
  if (!state) throw error ?? queryClient.fetchQuery(redirect);
  return { ...state, data: undefined, ...(error ? { status: "error", error, isFetching: false } : { status: "pending", isFetching: true }) };
}
