// @vitest-environment jsdom
import { HydrationBoundary, QueryClient, QueryClientProvider, dehydrate } from "@tanstack/react-query";
import { act, waitFor } from "@testing-library/react";
import { Suspense, type ReactNode } from "react";
import { hydrateRoot } from "react-dom/client";
import { renderToString } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackServerApp } from "../../src/apps/server-app.js";
import type { Emulator } from "../../src/emulator/create-emulator.js";
import { StackProvider, itemQueryOptions, productsQueryOptions, useUser, userQueryOptions } from "../../src/react.js";
import { createClientApp, createServerApp, newSignedInUser, reads, startEmulator } from "./setup.js";

let emulator: Emulator;
let server: StackServerApp;
beforeAll(async () => {
  emulator = await startEmulator();
  server = createServerApp(emulator);
});
afterAll(async () => {
  await emulator.close();
});

function CreditsPage() {
  const user = useUser({ or: "throw" });
  const credits = user.useItem("credits");
  const products = user.useProducts();
  return (
    <main>
      <p id="who">{user.displayName}</p>
      <p id="credits">{credits.nonNegativeQuantity}</p>
      <p id="products">{products.map((p) => p.displayName).join(",")}</p>
    </main>
  );
}

function Page({ app, queryClient, state }: { app: never; queryClient: QueryClient; state: unknown }): ReactNode {
  return (
    <QueryClientProvider client={queryClient}>
      <HydrationBoundary state={state as never}>
        <StackProvider app={app} queryClient={queryClient}>
          <Suspense fallback={<p id="loading">loading</p>}>
            <CreditsPage />
          </Suspense>
        </StackProvider>
      </HydrationBoundary>
    </QueryClientProvider>
  );
}

describe("server rendering with prefetched queries", () => {
  it("renders balances on the server and hydrates in the browser without a read request", async () => {
    const { user, tokens } = await newSignedInUser(server);
    await (await server.getItem({ itemId: "credits", userId: user.id })).increaseQuantity(42);
    await server.grantProduct({ userId: user.id, productId: "pro" });

    // --- the server component: prefetch with the server app, for the request's user ---
    const serverQueryClient = new QueryClient();
    await serverQueryClient.prefetchQuery(userQueryOptions(server as never, { tokenStore: tokens }));
    await serverQueryClient.prefetchQuery(itemQueryOptions(server as never, { itemId: "credits", userId: user.id }));
    await serverQueryClient.prefetchQuery(productsQueryOptions(server as never, { userId: user.id }));
    // What crosses to the browser must be plain JSON: round-trip it.
    const state = JSON.parse(JSON.stringify(dehydrate(serverQueryClient))) as unknown;
    expect(JSON.stringify(state)).not.toContain("server_metadata\":{");

    // --- server rendering of the client components ---
    const ssrApp = createClientApp(emulator, null);
    const html = renderToString(<Page app={ssrApp.app as never} queryClient={new QueryClient()} state={state} />);
    expect(html).toContain(">142<");
    expect(html).toContain(">Ada<");
    expect(html).toContain(">Pro<");
    expect(html).not.toContain("loading");
    expect(ssrApp.requests).toEqual([]);

    // --- the browser: hydrate the same markup ---
    const container = document.createElement("div");
    container.innerHTML = html;
    document.body.appendChild(container);
    const browser = createClientApp(emulator, tokens);
    const errors: unknown[] = [];
    await act(async () => {
      hydrateRoot(container, <Page app={browser.app as never} queryClient={new QueryClient()} state={state} />, {
        onRecoverableError: (e) => errors.push(e),
      });
    });
    expect(container.querySelector("#credits")!.textContent).toBe("142");
    expect(errors).toEqual([]);
    // No read on first paint; only the live event stream may have been opened.
    expect(reads(browser.requests)).toEqual([]);

    // And the hydrated page is live: a server-side change shows up.
    await (await server.getItem({ itemId: "credits", userId: user.id })).decreaseQuantity(2);
    await act(async () => {
      await browser.app.getItem({ itemId: "credits", userId: user.id });
    });
    await waitFor(() => expect(container.querySelector("#credits")!.textContent).toBe("140"));
  });
});
