// The home page, rendered on the server: it reads the user's credits and products with the server
// app (cookies of this request), prefetches them into a query cache, and hands that cache to the
// client component, which renders at once with the same data and then stays live.
import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import { itemQueryOptions, productsQueryOptions, userQueryOptions } from "stack-payments/server";
import { stackServerApp } from "@/stack/server";
import { hasSessionCookie } from "@/stack/session";
import { AnonymousSignIn } from "./anonymous-sign-in";
import { Dashboard } from "./dashboard";

export default async function Home() {
  if (!(await hasSessionCookie())) return <AnonymousSignIn />;
  // Visitors are anonymous users, which getUser only returns with `or: "anonymous"`.
  const user = await stackServerApp.getUser({ or: "anonymous" });

  const queryClient = new QueryClient();
  await Promise.all([
    queryClient.prefetchQuery(userQueryOptions(stackServerApp, { or: "anonymous" })),
    queryClient.prefetchQuery(itemQueryOptions(stackServerApp, { itemId: "credits", userId: user.id })),
    queryClient.prefetchQuery(productsQueryOptions(stackServerApp, { userId: user.id })),
  ]);
  const credits = await user.getItem("credits");

  return (
    <>
      <h1>stack-payments · Next.js example</h1>
      <nav>
        <a href="/">Credits</a>
        <a href="/teams" data-testid="teams-link">
          Teams
        </a>
      </nav>
      <p className="muted" data-testid="server-credits">
        Rendered on the server with {credits.nonNegativeQuantity} credits.
      </p>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <Dashboard />
      </HydrationBoundary>
    </>
  );
}
