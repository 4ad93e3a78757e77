/**
 * `StackProvider`: makes an app available to the hooks, picks the QueryClient they cache in, and
 * runs the live bridge (push, polling, other tabs) for as long as it is mounted in a browser.
 */
import { QueryClient, QueryClientContext } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { StackPaymentsError } from "../core/errors.js";
import type { LiveChannelOptions } from "../core/live/live-channel.js";
import { acquireLiveChannel } from "../core/live/live-host.js";
import { createQueryBridge } from "./query-bridge.js";
import { projectQueryKey, type QueryApp } from "./query-options.js";

/** What the hooks read from the provider. */
export interface StackContextValue {
  app: QueryApp;
  queryClient: QueryClient;
  /** Options the app's live channel is opened with (undefined: defaults; false: no live channel). */
  live: LiveChannelOptions | false | undefined;
}

const StackContext = createContext<StackContextValue | null>(null);

/** Props of {@link StackProvider}. */
export interface StackProviderProps {
  /** A `StackClientApp` (browser) or `StackServerApp` (server rendering). */
  app: QueryApp;
  /**
   * The QueryClient to cache in. Default: the one of an enclosing `QueryClientProvider`, else one
   * of its own. Pass yours (the one `HydrationBoundary` fills) for server-rendered data to be used.
   */
  queryClient?: QueryClient | undefined;
  /** Live updates: options of the live channel, or `false` for none (values change only on refetch). */
  live?: LiveChannelOptions | false | undefined;
  children?: ReactNode;
}

/**
 * Provides the app to the hooks below it.
 *
 * @example
 * const app = new StackClientApp({ projectId, publishableClientKey, tokenStore: "cookie" });
 * root.render(<StackProvider app={app}><Suspense fallback="…"><CreditsWidget /></Suspense></StackProvider>);
 */
export function StackProvider({ app, queryClient, live, children }: StackProviderProps) {
  const outer = useContext(QueryClientContext);
  // Made once even if unused: cheap, and stable if the props change later.
  const [own] = useState(() => new QueryClient());
  const client = queryClient ?? outer ?? own;
  // Options are read when the channel opens; a new object each render must not reopen it.
  const [liveOptions] = useState(() => live);

  useEffect(() => {
    if (liveOptions === false) return;
    const { channel, release } = acquireLiveChannel(app, liveOptions);
    const bridge = createQueryBridge(client, channel, app.projectId);
    return () => {
      bridge.close();
      release();
    };
  }, [app, client, liveOptions]);

  useEffect(
    () =>
      // Another session must not see this one's data: drop every query of the project.
      app.onSessionChange?.(() => client.removeQueries({ queryKey: projectQueryKey(app.projectId) })),
    [app, client],
  );

  const value = useMemo(() => ({ app, queryClient: client, live: liveOptions }), [app, client, liveOptions]);
  return <StackContext.Provider value={value}>{children}</StackContext.Provider>;
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
