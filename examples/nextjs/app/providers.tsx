"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { StackClientApp } from "stack-payments";
import { StackProvider } from "stack-payments/react";

let browserApp: StackClientApp | undefined;

/** One client app per browser tab; cookies (`nextjs-cookie`) share the session with the server. */
function getClientApp(projectId: string, publishableClientKey: string, apiUrl: string): StackClientApp {
  const app = new StackClientApp({ projectId, publishableClientKey, baseUrl: apiUrl, tokenStore: "nextjs-cookie" });
  if (typeof window === "undefined") return app; // server render: one per request
  browserApp ??= app;
  return browserApp;
}

/** The Stack client app and the query cache the server's prefetched data is hydrated into. */
export function Providers({
  projectId,
  publishableClientKey,
  apiUrl,
  children,
}: {
  projectId: string;
  publishableClientKey: string;
  apiUrl: string;
  children: ReactNode;
}) {
  const [app] = useState(() => getClientApp(projectId, publishableClientKey, apiUrl));
  // Data from the server stays fresh for a while, so hydration does not trigger an immediate refetch.
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 30_000 } } }));
  // QueryClientProvider too: HydrationBoundary (the server's prefetched data) reads the client from it.
  return (
    <QueryClientProvider client={queryClient}>
      <StackProvider app={app} queryClient={queryClient}>
        {children}
      </StackProvider>
    </QueryClientProvider>
  );
}
