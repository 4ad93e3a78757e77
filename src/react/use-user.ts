/**
 * `useUser`: the signed-in user, with hooks as methods.
 */
import { isServer, type QueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { StackPaymentsError } from "../core/errors.js";
import { useStackContext } from "./provider.js";
import { createReactUser, type ReactUser } from "./react-customer.js";
import { getUserOptionsOf, userQueryOptions, type QueryApp, type UserQueryOptions } from "./query-options.js";
import { stackQueryKeys } from "./stack-query-keys.js";
import { serverMiss, useQueryState, useSuspendingQuery, useSuspenseForm, type NoSuspense, type QueryState } from "./use-stack-query.js";
import type { UserWire } from "./wire-of.js";

/** Options of {@link useUser}. */
export type UseUserOptions = UserQueryOptions;

/**
 * The navigation of `or: "redirect"`, as a query: react-query runs it once however many components
 * ask (and keeps its failure, e.g. an app that cannot navigate); it does not settle while the page
 * navigates away, and it goes with the project's other queries when the session changes.
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
    gcTime: 0,
  } as const;
}

/** Nobody is signed in: what `or` asks for (throw, navigate), or null. */
function absent(app: QueryApp, queryClient: QueryClient, options: UseUserOptions, suspense: boolean): null | QueryState<null> {
  if (options.or === "throw") {
    throw new StackPaymentsError({ code: "USER_NOT_SIGNED_IN", message: "User is not signed in but useUser was called with { or: 'throw' }." });
  }
  if (options.or !== "redirect") return null;
  if (isServer) throw serverMiss("A signed-in user");
  const redirect = redirectQueryOptions(app, queryClient, options);
  const failed = queryClient.getQueryState(redirect.queryKey)?.error;
  if (failed) throw failed;
  const navigation = queryClient.fetchQuery(redirect);
  // Suspend until the page navigates away (the promise settles only if it could not, or need not).
  if (suspense) throw navigation;
  navigation.catch(() => {});
  return { status: "pending", data: undefined, error: null, isFetching: true, refetch: async () => {} };
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
  if (suspense) {
    return useSuspendingQuery(query, select, "The signed-in user") ?? absent(app, queryClient, rest, true);
  }
  const state = useQueryState(query, select);
  return state.status === "success" && state.data === null ? (absent(app, queryClient, rest, false) ?? state) : state;
}
