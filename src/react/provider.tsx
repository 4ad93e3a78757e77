/**
 * `StackProvider`: makes an app available to the hooks, provides the QueryClient they cache in,
 * scopes that cache to the signed-in session, and runs the live bridge (push, polling, other tabs)
 * for as long as it is mounted in a browser.
 */
import { QueryClient, QueryClientContext, QueryClientProvider } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { StackPaymentsError } from "../core/errors.js";
import type { LiveChannelOptions } from "../core/live/live-channel.js";
import type { QueryApp } from "./query-options.js";
import { stackQueryKeys } from "./stack-query-keys.js";

/** What the hooks read from the provider. */
export interface StackContextValue {
  app: QueryApp;
  queryClient: QueryClient;
  /** Options the app's live channel is opened with (undefined: defaults; false: no live channel). */
  live: LiveChannelOptions | false | undefined;
  /** Changes with the signed-in session, so that every hook renders again when it does. */
  session: string;
}

const StackContext = createContext<StackContextValue | null>(null);

/** Props of {@link StackProvider}. */
export interface StackProviderProps {
  /** A `StackClientApp` (browser) or `StackServerApp` (server rendering). */
  app: QueryApp;
  /**
   * The QueryClient to cache in. Default: the one of an enclosing `QueryClientProvider`, else one of
   * its own. Either way the hooks, your own react-query hooks and `HydrationBoundary` below this
   * provider all use the same client.
   */
  queryClient?: QueryClient | undefined;
  /** Live updates: options of the live channel, or `false` for none (values change only on refetch). */
  live?: LiveChannelOptions | false | undefined;
  children?: ReactNode;
}

const noSession = () => "";

/**
 * Provides the app to the hooks below it. Without a `QueryClientProvider` around it, it creates a
 * QueryClient and provides (and mounts) it itself, so `useQueryClient()` and `HydrationBoundary`
 * work below it too.
 *
 * @example
 * const app = new StackClientApp({ projectId, publishableClientKey, tokenStore: "cookie" });
 * root.render(<StackProvider app={app}><Suspense fallback="…"><CreditsWidget /></Suspense></StackProvider>);
 */
export function StackProvider({ app, queryClient, live, children }: StackProviderProps) {
  const enclosing = useContext(QueryClientContext);
  const own = useRef<QueryClient | null>(null);
  const client = queryClient ?? enclosing ?? (own.current ??= new QueryClient());
  // Options are read when the channel opens; a new object each render must not reopen it.
  const [liveOptions] = useState(() => live);

  // Another session must not see this one's data: on sign-in and sign-out every query of the
  // project is dropped first, then every hook renders again and reads for the new session.
  const subscribeSession = useCallback(
    (rerender: () => void) =>
      app.onSessionChange?.(() => {
        client.removeQueries({ queryKey: stackQueryKeys.project(app.projectId) });
        rerender();
      }) ?? (() => {}),
    [app, client],
  );
  const scope = app as QueryApp & { queryKeyScope?: () => string };
  const session = useSyncExternalStore(subscribeSession, () => scope.queryKeyScope?.() ?? "", noSession);

  useEffect(() => {
    if (liveOptions === false) return;
    // Loaded after the first render: nothing on screen waits for the live channel, so its code
    // (push, polling, other tabs) stays out of the bundle a page needs to show its first values.
    let close: (() => void) | undefined;
    let unmounted = false;
    void import("./query-bridge.js").then(({ openLiveBridge }) => {
      if (!unmounted) close = openLiveBridge(app, client, liveOptions);
    });
    return () => {
      unmounted = true;
      close?.();
    };
  }, [app, client, liveOptions]);

  const value = useMemo(() => ({ app, queryClient: client, live: liveOptions, session }), [app, client, liveOptions, session]);
  const provided = <StackContext.Provider value={value}>{children}</StackContext.Provider>;
  return client === enclosing ? provided : <QueryClientProvider client={client}>{provided}</QueryClientProvider>;
}

/** The provider's app and QueryClient; throws a clear error outside a `StackProvider`. */
export function useStackContext(): StackContextValue {
  const value = useContext(StackContext);
  if (!value) {
    throw new StackPaymentsError({
      code: "CONFIGURATION_ERROR",
      message: "Stack hooks must be used inside <StackProvider app={...}>.",
    });
  }
  return value;
}

/** The app given to the nearest `StackProvider`. */
export function useStackApp<T extends QueryApp = QueryApp>(): T {
  return useStackContext().app as T;
}
