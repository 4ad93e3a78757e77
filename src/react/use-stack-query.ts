/**
 * The two forms every read hook comes in, as two internal hooks over react-query's own:
 * - suspending (the default, as in the official SDK): {@link useSuspendingQuery} returns the value
 *   itself and suspends while it loads (`useSuspenseQuery`);
 * - non-suspending (`{ suspense: false }`): {@link useQueryState} returns `{ status, data, error,
 *   isFetching, refetch }` and never suspends (`useQuery`).
 * Both map the cached wire body to SDK objects in `select`, which react-query memoises: a component
 * gets the same object on every render until the cached value changes.
 */
import { isServer, useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { useMemo, useRef } from "react";
import { StackPaymentsError } from "../core/errors.js";
import { useStackContext } from "./provider.js";
import type { StackQueryOptions } from "./query-options.js";

/** Asks a hook for its non-suspending form. */
export interface NoSuspense {
  suspense: false;
}

/** What a non-suspending hook returns. */
export interface QueryState<T> {
  /** `pending` until the first value (or error) arrives. */
  status: "pending" | "error" | "success";
  data: T | undefined;
  error: Error | null;
  /** True while a request for this value is in flight. */
  isFetching: boolean;
  /** Reads the value again. */
  refetch(): Promise<void>;
}

/**
 * During server rendering a value that is not in the cache is not fetched (the server has no
 * browser session, and a server render cannot wait for it): the hook throws, and React renders the
 * nearest Suspense fallback and renders that part in the browser.
 */
export function serverMiss(what: string): StackPaymentsError {
  return new StackPaymentsError({
    code: "CONFIGURATION_ERROR",
    message: `${what} is not prefetched (use its *QueryOptions with HydrationBoundary), so it renders in the browser.`,
  });
}

/** The suspending form: the selected value; suspends until it is there, throws its error. */
export function useSuspendingQuery<W, T>(options: StackQueryOptions<W>, select: (wire: W) => T, what: string): T {
  const { queryClient } = useStackContext();
  if (isServer && queryClient.getQueryData(options.queryKey) === undefined) throw serverMiss(what);
  return useSuspenseQuery({ ...options, select }, queryClient).data;
}

/** The non-suspending form: a {@link QueryState} of the selected value. */
export function useQueryState<W, T>(options: StackQueryOptions<W>, select: (wire: W) => T): QueryState<T> {
  const { queryClient } = useStackContext();
  const { status, data, error, isFetching, refetch } = useQuery({ ...options, select }, queryClient);
  return useMemo(
    () => ({
      status,
      data,
      error,
      isFetching,
      refetch: async () => {
        await refetch();
      },
    }),
    [status, data, error, isFetching, refetch],
  );
}

/**
 * Whether a call site asked for the suspending form. The form decides which hooks run, so it is
 * fixed for the life of the component: a call site that switches gets a clear error instead of
 * React's "rendered more hooks than during the previous render".
 */
export function useSuspenseForm(options: { suspense?: boolean | undefined } | undefined, hook: string): boolean {
  const suspense = options?.suspense !== false;
  const first = useRef(suspense);
  if (first.current !== suspense) {
    throw new StackPaymentsError({
      code: "CONFIGURATION_ERROR",
      message: `${hook} cannot switch to or from { suspense: false } while mounted.`,
    });
  }
  return suspense;
}
