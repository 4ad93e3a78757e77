// @vitest-environment jsdom
import { HydrationBoundary, QueryClient, QueryClientProvider, dehydrate, useQueryClient } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { Component, Suspense, useState, type ReactNode } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { StackClientApp } from "../../src/apps/client-app.js";
import type { StackServerApp } from "../../src/apps/server-app.js";
import type { GetUserOptions } from "../../src/core/app-core.js";
import type { Item } from "../../src/core/item.js";
import type { CustomerProductsList } from "../../src/core/products.js";
import type { Emulator } from "../../src/emulator/create-emulator.js";
import {
  StackProvider,
  itemQueryOptions,
  productsQueryOptions,
  stackQueryKeys,
  useItem,
  useLiveConnectionState,
  useProducts,
  useUser,
  type ReactTeam,
  type ReactUser,
} from "../../src/react.js";
import { BASE_URL, countingFetch, createClientApp, createServerApp, newSignedInUser, reads, startEmulator } from "./setup.js";

let emulator: Emulator;
let server: StackServerApp;
beforeAll(async () => {
  emulator = await startEmulator();
  server = createServerApp(emulator);
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => cleanup());

/** A signed-in user holding `credits` credits, and a client app acting for them. */
async function setup(credits: number, options: { noEvents?: boolean } = {}) {
  const { user, tokens } = await newSignedInUser(server);
  if (credits) await (await server.getItem({ itemId: "credits", userId: user.id })).increaseQuantity(credits);
  const { app, requests } = createClientApp(emulator, tokens, options);
  return { user, app, requests, tokens };
}

function CreditsWidget() {
  const user = useUser({ or: "throw" });
  const credits = user.useItem("credits");
  return (
    <div data-testid="credits">
      {credits.nonNegativeQuantity} {credits.displayName}
    </div>
  );
}

describe("suspending hooks", () => {
  it("suspend while loading, then return the value (user.useItem, user.useProducts)", async () => {
    const { app } = await setup(5);
    function Products() {
      const user = useUser({ or: "throw" });
      const products = user.useProducts();
      return <div data-testid="products">{products.length === 0 ? "none" : products.map((p) => p.displayName).join(",")}</div>;
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Suspense fallback={<div data-testid="loading">loading</div>}>
          <CreditsWidget />
          <Products />
        </Suspense>
      </StackProvider>,
    );
    expect(screen.getByTestId("loading")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("5 Credits"));
    expect(screen.getByTestId("products").textContent).toBe("none");
  });
});

describe("non-suspending hooks", () => {
  it("return { status, data, error, refetch } without suspending, errors included", async () => {
    const { app, user } = await setup(3);
    const seen: string[] = [];
    function Widget() {
      const state = useItem({ itemId: "credits", userId: user.id, suspense: false });
      const missing = useItem({ itemId: "nope", userId: user.id, suspense: false });
      seen.push(state.status);
      return (
        <div>
          <span data-testid="state">{state.status === "success" ? state.data!.quantity : state.status}</span>
          <span data-testid="missing">{missing.status === "error" ? (missing.error as { code?: string }).code : missing.status}</span>
          <button onClick={() => void state.refetch()}>refetch</button>
        </div>
      );
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Widget />
      </StackProvider>,
    );
    // Rendered at once, without a Suspense boundary.
    expect(screen.getByTestId("state").textContent).toBe("pending");
    await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("3"));
    await waitFor(() => expect(screen.getByTestId("missing").textContent).toBe("ITEM_NOT_FOUND"));
    expect(seen[0]).toBe("pending");
    await (await server.getItem({ itemId: "credits", userId: user.id })).increaseQuantity(4);
    await act(async () => screen.getByText("refetch").click());
    await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("7"));
  });

  it("never retries a failed read itself (the transport decides)", async () => {
    const { app, user, requests } = await setup(0);
    function Widget() {
      const missing = useProducts({ userId: user.id, limit: 0 as number, suspense: false });
      return <span data-testid="p">{missing.status}</span>;
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Widget />
      </StackProvider>,
    );
    // limit 0 is refused before any request: an error state, and no request at all.
    await waitFor(() => expect(screen.getByTestId("p").textContent).toBe("error"));
    expect(requests.filter((r) => r.includes("/payments/products/"))).toEqual([]);
    const before = requests.length;
    function Missing() {
      const m = useItem({ itemId: "nope", userId: user.id, suspense: false });
      return <span data-testid="m">{m.status}</span>;
    }
    cleanup();
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Missing />
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("m").textContent).toBe("error"));
    await new Promise((r) => setTimeout(r, 100));
    expect(requests.slice(before).filter((r) => r.includes("/items/"))).toHaveLength(1);
  });
});

describe("deduplication", () => {
  /** Renders 50 components reading the same item (live channel as given) and waits until all show it. */
  async function renderFifty(live: false | undefined) {
    const { app, user, requests } = await setup(9);
    function One({ n }: { n: number }) {
      const item = useItem({ itemId: "credits", userId: user.id });
      return <li data-testid={`i${n}`}>{item.quantity}</li>;
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={live}>
        <Suspense fallback="loading">
          <ul>
            {Array.from({ length: 50 }, (_, n) => (
              <One key={n} n={n} />
            ))}
          </ul>
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("i49").textContent).toBe("9"));
    expect(screen.getAllByText("9")).toHaveLength(50);
    return () => reads(requests).filter((r) => r.includes("/payments/items/"));
  }

  it("50 components reading the same item cause one request", async () => {
    // Live channel off: only the hooks' own reads are counted here.
    const itemReads = await renderFifty(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(itemReads()).toHaveLength(1);
  });

  it("with the live channel on, 50 components share one topic: one read and one re-read on connect", async () => {
    const itemReads = await renderFifty(undefined);
    // One read for the 50 components, plus one re-read when the user's event stream first connects.
    await waitFor(() => expect(itemReads()).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 100));
    expect(itemReads()).toHaveLength(2);
  });
});

describe("live updates into a mounted hook", () => {
  it("a server-side tryDecreaseQuantity reaches user.useItem through the event stream", async () => {
    const { app, user, requests } = await setup(10);
    function Connection() {
      return <p data-testid="connection">{useLiveConnectionState()}</p>;
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={{ pollIntervalMs: 60_000 }}>
        <Connection />
        <Suspense fallback="loading">
          <CreditsWidget />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("10 Credits"));
    await waitFor(() => expect(screen.getByTestId("connection").textContent).toBe("push"));
    await waitFor(() => expect(requests.some((r) => r.includes("/payments/events/user/"))).toBe(true));
    const itemReads = () => requests.filter((r) => r.includes("/payments/items/")).length;
    const readsBefore = itemReads();
    await new Promise((r) => setTimeout(r, 200));
    const serverItem = await server.getItem({ itemId: "credits", userId: user.id });
    expect(await serverItem.tryDecreaseQuantity(4)).toBe(true);
    await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("6 Credits"), { timeout: 3000 });
    // Pushed into the cache: the browser did not read the item again.
    expect(itemReads()).toBe(readsBefore);
  });

  it("and through polling when the server has no event stream", async () => {
    const { app, user, requests } = await setup(10, { noEvents: true });
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={{ pollIntervalMs: 150 }}>
        <Suspense fallback="loading">
          <CreditsWidget />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("10 Credits"));
    const serverItem = await server.getItem({ itemId: "credits", userId: user.id });
    expect(await serverItem.tryDecreaseQuantity(3)).toBe(true);
    await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("7 Credits"), { timeout: 3000 });
    // At most the one refused attempt at the stream: a 404 is not retried.
    expect(requests.filter((r) => r.includes("/payments/events/")).length).toBeLessThanOrEqual(1);
  });

  it("keeps two tabs in step through BroadcastChannel", async () => {
    const { app: tabA, user, tokens } = await setup(1);
    const { app: tabB, requests: requestsB } = createClientApp(emulator, tokens);
    const live = { push: false, pollIntervalMs: 60_000 };
    render(
      <div>
        <StackProvider app={tabA} queryClient={new QueryClient()} live={live}>
          <Suspense fallback="loading">
            <div data-testid="a">
              <CreditsWidget />
            </div>
          </Suspense>
        </StackProvider>
        <StackProvider app={tabB} queryClient={new QueryClient()} live={live}>
          <Suspense fallback="loading">
            <div data-testid="b">
              <CreditsWidget />
            </div>
          </Suspense>
        </StackProvider>
      </div>,
    );
    await waitFor(() => expect(screen.getByTestId("b").textContent).toBe("1 Credits"));
    await waitFor(() => expect(screen.getByTestId("a").textContent).toBe("1 Credits"));
    const readsB = reads(requestsB).length;
    await (await server.getItem({ itemId: "credits", userId: user.id })).increaseQuantity(20);
    // Tab A reads the item (say, after an action of its own); tab B is told over the channel.
    expect((await tabA.getItem({ itemId: "credits", userId: user.id })).quantity).toBe(21);
    await waitFor(() => expect(screen.getByTestId("b").textContent).toBe("21 Credits"));
    await waitFor(() => expect(screen.getByTestId("a").textContent).toBe("21 Credits"));
    expect(reads(requestsB).length).toBe(readsB);
  });
});

describe("sessions", () => {
  it("sign-out clears the cached data and useUser re-renders signed out", async () => {
    const { app, user } = await setup(2);
    const queryClient = new QueryClient();
    function Page() {
      const me = useUser();
      return me ? <CreditsWidget /> : <div data-testid="out">signed out</div>;
    }
    render(
      <StackProvider app={app} queryClient={queryClient} live={false}>
        <Suspense fallback="loading">
          <Page />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("2 Credits"));
    const cachedFor = () =>
      queryClient
        .getQueryCache()
        .getAll()
        .filter((q) => JSON.stringify(q.queryKey).includes(user.id) || q.state.data !== null && JSON.stringify(q.state.data ?? null).includes(user.id));
    expect(cachedFor().length).toBeGreaterThan(0);
    await act(async () => {
      await app.signOut();
    });
    await waitFor(() => expect(screen.getByTestId("out").textContent).toBe("signed out"));
    expect(cachedFor()).toEqual([]);
  });
});

describe("teams and app-level hooks", () => {
  it("user.useTeam, team.useItem and team.useProducts read the team as a customer", async () => {
    const { app, user } = await setup(0);
    const team = await user.createTeam({ displayName: "Crew" });
    await (await server.getItem({ itemId: "seats", teamId: team.id })).increaseQuantity(3);
    function TeamSeats() {
      const me = useUser({ or: "throw" });
      const t = me.useTeam(team.id);
      if (!t) return <p data-testid="team">no team</p>;
      const seats = t.useItem("seats");
      const products = t.useProducts();
      return <p data-testid="team">{`${t.displayName}: ${seats.quantity} seats, ${products.length} products`}</p>;
    }
    function Missing() {
      const me = useUser({ or: "throw" });
      const t = me.useTeam("00000000-0000-4000-8000-000000000000", { suspense: false });
      return <p data-testid="missing">{t.status === "success" ? String(t.data) : t.status}</p>;
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Suspense fallback="loading">
          <TeamSeats />
          <Missing />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("team").textContent).toBe("Crew: 3 seats, 0 products"));
    await waitFor(() => expect(screen.getByTestId("missing").textContent).toBe("null"));
  });

  it("app-level useProducts reads a page (cursor/limit) and follows live changes of the list", async () => {
    const { app, user } = await setup(0);
    function Products() {
      const first = useProducts({ userId: user.id });
      const page = useProducts({ userId: user.id, limit: 5 });
      return <p data-testid="p">{`${first.map((p) => p.id).join(",")}|${page.map((p) => p.id).join(",")}|${page.nextCursor}`}</p>;
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={{ pollIntervalMs: 60_000 }}>
        <Suspense fallback="loading">
          <Products />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("p").textContent).toBe("||null"));
    await server.grantProduct({ userId: user.id, productId: "pro" });
    // The first page is pushed (or re-read on the hint); the other page follows it.
    await act(async () => {
      await app.listProducts({ userId: user.id });
    });
    await waitFor(() => expect(screen.getByTestId("p").textContent).toBe("pro|pro|null"));
  });
});

describe("the bridge", () => {
  it("opens a topic when a query enters the cache and closes it when the query is garbage-collected", async () => {
    const { app, user } = await setup(1);
    const { acquireLiveChannel } = await import("../../src/core/live/live-host.js");
    const { channel, release } = acquireLiveChannel(app as never);
    const queryClient = new QueryClient({ defaultOptions: { queries: { gcTime: 100 } } });
    function One() {
      return <p data-testid="one">{useItem({ itemId: "credits", userId: user.id }).quantity}</p>;
    }
    const view = render(
      <StackProvider app={app} queryClient={queryClient}>
        <Suspense fallback="loading">
          <One />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("one").textContent).toBe("1"));
    expect(channel.topics()).toEqual([`item:user:${user.id}:credits`]);
    // Pushed values land in the cache even with nobody rendering them yet.
    app.live.publish(`item:user:${user.id}:credits`, { id: "credits", display_name: "Credits", quantity: 77 });
    await waitFor(() => expect(screen.getByTestId("one").textContent).toBe("77"));
    view.rerender(<StackProvider app={app} queryClient={queryClient} />);
    // Inactive, the query still follows its topic until it is garbage-collected (gcTime 100 ms).
    expect(channel.topics()).toHaveLength(1);
    await waitFor(() => expect(channel.topics()).toEqual([]), { timeout: 2000 });
    expect(queryClient.getQueryCache().getAll()).toEqual([]);
    release();
  });
});

describe("return from checkout", () => {
  it("createCheckoutUrl notes the pending purchase; the page it returns to polls fast until it lands", async () => {
    const { app, user, tokens } = await setup(0);
    let me: ReactUser | null = null;
    function Capture() {
      me = useUser({ or: "throw" });
      return null;
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Suspense fallback="loading">
          <Capture />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(me).not.toBeNull());
    const key = `stack-payments:pending-checkout:${emulator.project.id}`;
    const setItem = vi.spyOn(Storage.prototype, "setItem");
    const url = await me!.createCheckoutUrl({ productId: "pro" });
    // Recorded once, by the core customer the hook's user forwards to (the hooks add no second write).
    expect(setItem.mock.calls.filter(([k]) => k === key)).toHaveLength(1);
    setItem.mockRestore();
    expect(url).toMatch(/^http/);
    expect(JSON.parse(sessionStorage.getItem(key)!)).toEqual([
      { customerType: "user", customerId: user.id, productId: "pro", at: expect.any(Number) },
    ]);
    cleanup();

    // The buyer comes back: a new page load (new app), no event stream, a long normal interval.
    const { app: back } = createClientApp(emulator, tokens, { noEvents: true });
    function Products() {
      const u = useUser({ or: "throw" });
      return <p data-testid="owned">{u.useProducts().map((p) => p.id).join(",") || "none"}</p>;
    }
    render(
      <StackProvider app={back} queryClient={new QueryClient()} live={{ pollIntervalMs: 60_000, fastPollIntervalMs: 50 }}>
        <Suspense fallback="loading">
          <Products />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("owned").textContent).toBe("none"));
    // The payment provider's webhook lands a moment later.
    await server.grantProduct({ userId: user.id, productId: "pro" });
    await waitFor(() => expect(screen.getByTestId("owned").textContent).toBe("pro"), { timeout: 2000 });
    await waitFor(() => expect(sessionStorage.getItem(`stack-payments:pending-checkout:${emulator.project.id}`)).toBeNull());
  });
});

/** Shows the code (or message) of what its children throw. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    const { error } = this.state;
    return error ? <p data-testid="error">{(error as { code?: string }).code ?? error.message}</p> : this.props.children;
  }
}

describe("objects made in select", () => {
  it("are the same on every render until their data changes, then new ones (still SDK customers)", async () => {
    const { app, user } = await setup(4);
    const queryClient = new QueryClient();
    const seen: Array<{ user: ReactUser; item: Item; products: CustomerProductsList; teams: ReactTeam[] }> = [];
    let renderAgain = () => {};
    function Probe() {
      const [, setCount] = useState(0);
      renderAgain = () => setCount((n) => n + 1);
      const me = useUser({ or: "throw" });
      const entry = { user: me, item: me.useItem("credits"), products: me.useProducts(), teams: me.useTeams() };
      seen.push(entry);
      return <p data-testid="probe">{`${entry.user.displayName}:${entry.item.quantity}`}</p>;
    }
    render(
      <StackProvider app={app} queryClient={queryClient} live={{ push: false, broadcast: false, pollIntervalMs: 60_000 }}>
        <Suspense fallback="loading">
          <Probe />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("probe").textContent).toBe("Ada:4"));
    const first = seen.at(-1)!;
    const rendered = seen.length;
    act(() => renderAgain());
    act(() => renderAgain());
    expect(seen.length).toBeGreaterThanOrEqual(rendered + 2);
    const again = seen.at(-1)!;
    for (const key of ["user", "item", "products", "teams"] as const) expect(again[key]).toBe(first[key]);

    // The item changes: a new item, the rest as it was.
    act(() => app.live.publish(`item:user:${user.id}:credits`, { id: "credits", display_name: "Credits", quantity: 9 }));
    await waitFor(() => expect(screen.getByTestId("probe").textContent).toBe("Ada:9"));
    const changed = seen.at(-1)!;
    expect(changed.item).not.toBe(first.item);
    expect(changed.item).toEqual({ displayName: "Credits", quantity: 9, nonNegativeQuantity: 9 });
    expect(changed.user).toBe(first.user);
    expect(changed.products).toBe(first.products);

    // The user changes: a new user object, with the SDK customer's hidden reference and app.
    act(() => queryClient.setQueryData(stackQueryKeys.currentUser(app.projectId), (wire) => wire && { ...wire, display_name: "Grace" }));
    await waitFor(() => expect(screen.getByTestId("probe").textContent).toBe("Grace:9"));
    const renamed = seen.at(-1)!.user;
    expect(renamed).not.toBe(first.user);
    expect(renamed.customerRef).toEqual({ type: "user", id: user.id });
    expect((renamed as unknown as { app: unknown }).app).toBe(app);
    expect(Object.keys(renamed)).not.toContain("customerRef");
    expect(renamed.signedUpAt).toBeInstanceOf(Date);
  });

  it("forward SDK methods to the object the query read, without reading the user again", async () => {
    const { app, requests } = await setup(0);
    let me: ReactUser | null = null;
    function Capture() {
      me = useUser({ or: "throw" });
      return null;
    }
    render(
      <StackProvider app={app} live={false}>
        <Suspense fallback="loading">
          <Capture />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(me).not.toBeNull());
    const before = requests.length;
    expect(await me!.listTeams()).toEqual([]);
    expect([...(await me!.listInvoices())]).toEqual([]);
    const sent = requests.slice(before);
    expect(sent.some((r) => r.includes("/teams"))).toBe(true);
    expect(sent.filter((r) => r.endsWith("/users/me"))).toEqual([]);
  });
});

describe("react-query's own mechanisms", () => {
  it("a QueryClient whose defaults retry still reads a failing value once (the transport decides)", async () => {
    const { app, user, requests } = await setup(0);
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 3, retryDelay: 1 } } });
    function Missing() {
      const state = useItem({ itemId: "nope", userId: user.id, suspense: false });
      return <p data-testid="m">{state.status}</p>;
    }
    render(
      <StackProvider app={app} queryClient={queryClient} live={false}>
        <Missing />
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("m").textContent).toBe("error"));
    await new Promise((r) => setTimeout(r, 100));
    expect(requests.filter((r) => r.includes("/items/"))).toHaveLength(1);
  });

  it("a call site that switches between the two forms gets a clear error", async () => {
    const { app, user } = await setup(1);
    let toggle = () => {};
    function Switching() {
      const [suspense, setSuspense] = useState(false);
      toggle = () => setSuspense(true);
      const value = suspense ? useItem({ itemId: "credits", userId: user.id }) : useItem({ itemId: "credits", userId: user.id, suspense: false });
      return <p data-testid="v">{"status" in value ? value.status : value.quantity}</p>;
    }
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      render(
        <StackProvider app={app} live={false}>
          <ErrorBoundary>
            <Suspense fallback="loading">
              <Switching />
            </Suspense>
          </ErrorBoundary>
        </StackProvider>,
      );
      await waitFor(() => expect(screen.getByTestId("v").textContent).toBe("success"));
      act(() => toggle());
      await waitFor(() => expect(screen.getByTestId("error").textContent).toBe("CONFIGURATION_ERROR"));
    } finally {
      spy.mockRestore();
    }
  });
});

describe("the provider's QueryClient", () => {
  function ClientProbe({ onClient }: { onClient: (client: QueryClient) => void }) {
    onClient(useQueryClient());
    return null;
  }

  it("without a QueryClientProvider around it, provides and mounts the one it creates", async () => {
    const { app, user } = await setup(6);
    const mount = vi.spyOn(QueryClient.prototype, "mount");
    const unmount = vi.spyOn(QueryClient.prototype, "unmount");
    let client: QueryClient | undefined;
    try {
      const view = render(
        <StackProvider app={app} live={false}>
          <ClientProbe onClient={(c) => (client = c)} />
          <Suspense fallback="loading">
            <CreditsWidget />
          </Suspense>
        </StackProvider>,
      );
      await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("6 Credits"));
      expect(client).toBeInstanceOf(QueryClient);
      // The hooks cache in the client that useQueryClient() sees, and that client was mounted.
      expect(client!.getQueryData(stackQueryKeys.item(app.projectId, { itemId: "credits", userId: user.id }))).toEqual({ id: "credits", display_name: "Credits", quantity: 6 });
      expect(mount.mock.contexts).toContain(client);
      view.unmount();
      expect(unmount.mock.contexts).toContain(client);
    } finally {
      mount.mockRestore();
      unmount.mockRestore();
    }
  });

  it("inside a QueryClientProvider, caches in that client and creates none", async () => {
    const { app, user } = await setup(8);
    const outer = new QueryClient();
    const mount = vi.spyOn(QueryClient.prototype, "mount");
    let client: QueryClient | undefined;
    try {
      render(
        <QueryClientProvider client={outer}>
          <StackProvider app={app} live={false}>
            <ClientProbe onClient={(c) => (client = c)} />
            <Suspense fallback="loading">
              <CreditsWidget />
            </Suspense>
          </StackProvider>
        </QueryClientProvider>,
      );
      await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("8 Credits"));
      expect(client).toBe(outer);
      expect(outer.getQueryData(stackQueryKeys.item(app.projectId, { itemId: "credits", userId: user.id }))?.quantity).toBe(8);
      expect(new Set(mount.mock.contexts)).toEqual(new Set([outer]));
    } finally {
      mount.mockRestore();
    }
  });

  it("so HydrationBoundary works right below it: server-read data renders with no read in the browser", async () => {
    const { app, user, requests } = await setup(42);
    const serverClient = new QueryClient();
    await serverClient.prefetchQuery(itemQueryOptions(server, { itemId: "credits", userId: user.id }));
    const state = JSON.parse(JSON.stringify(dehydrate(serverClient))) as unknown;
    function Credits() {
      return <p data-testid="h">{useItem({ itemId: "credits", userId: user.id }).quantity}</p>;
    }
    render(
      <StackProvider app={app} live={false}>
        <HydrationBoundary state={state as never}>
          <Suspense fallback="loading">
            <Credits />
          </Suspense>
        </HydrationBoundary>
      </StackProvider>,
    );
    expect(screen.getByTestId("h").textContent).toBe("42");
    expect(reads(requests)).toEqual([]);
  });
});

describe("useUser", () => {
  it("{ or: \"anonymous\" } leaves includeRestricted to getUser (the official SDK throws for anonymous with false)", async () => {
    const { fetch } = countingFetch(emulator);
    const app = new StackClientApp({ baseUrl: BASE_URL, projectId: emulator.project.id, publishableClientKey: emulator.project.publishableClientKey, fetch });
    const calls: GetUserOptions[] = [];
    const getUser = app.getUser.bind(app);
    // The official SDK's rule, which our core may enforce too.
    app.getUser = ((options: GetUserOptions = {}) => {
      calls.push(options);
      if (options.or === "anonymous" && options.includeRestricted === false) {
        throw new Error("Cannot use { or: 'anonymous' } with { includeRestricted: false }.");
      }
      return getUser(options);
    }) as typeof app.getUser;
    function Visitor() {
      const me = useUser({ or: "anonymous" });
      return <p data-testid="visitor">{me.isAnonymous ? "anonymous" : "signed in"}</p>;
    }
    render(
      <StackProvider app={app} live={false}>
        <ErrorBoundary>
          <Suspense fallback="loading">
            <Visitor />
          </Suspense>
        </ErrorBoundary>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("visitor").textContent).toBe("anonymous"));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((o) => o.or === "anonymous" && o.includeRestricted === undefined)).toBe(true);
  });

  it("{ or: \"redirect\" } navigates once however many components ask, in both forms", async () => {
    const navigate = vi.fn();
    const { fetch } = countingFetch(emulator);
    const app = new StackClientApp({ baseUrl: BASE_URL, projectId: emulator.project.id, fetch, redirectMethod: { navigate } });
    const states: string[] = [];
    function Guarded() {
      useUser({ or: "redirect" });
      return <p data-testid="guarded">rendered</p>;
    }
    function Quiet() {
      states.push(useUser({ or: "redirect", suspense: false }).status);
      return null;
    }
    render(
      <StackProvider app={app} live={false}>
        <Quiet />
        <Suspense fallback={<p data-testid="fallback">waiting</p>}>
          <Guarded />
          <Guarded />
          <Guarded />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(navigate).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(navigate.mock.calls).toEqual([["/handler/sign-in"]]);
    expect(screen.getByTestId("fallback")).toBeTruthy();
    expect(new Set(states)).toEqual(new Set(["pending"]));
  });

  it("{ or: \"redirect\" } in an app that cannot navigate shows getUser's error, in both forms", async () => {
    const { app, requests } = createClientApp(emulator, null);
    function Guarded() {
      useUser({ or: "redirect" });
      return <p>rendered</p>;
    }
    function Quiet() {
      const state = useUser({ or: "redirect", suspense: false });
      return <p data-testid="quiet">{state.status === "error" ? `error ${(state.error as { code?: string }).code}` : state.status}</p>;
    }
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      render(
        <StackProvider app={app} live={false}>
          <Quiet />
          <ErrorBoundary>
            <Suspense fallback="loading">
              <Guarded />
            </Suspense>
          </ErrorBoundary>
        </StackProvider>,
      );
      await waitFor(() => expect(screen.getByTestId("error").textContent).toBe("USER_NOT_SIGNED_IN"));
      await waitFor(() => expect(screen.getByTestId("quiet").textContent).toBe("error USER_NOT_SIGNED_IN"));
      // The failed navigation is kept, not tried again on every render.
      const settled = requests.length;
      await new Promise((r) => setTimeout(r, 200));
      expect(requests.length).toBe(settled);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("server apps", () => {
  it("leave server-only products out of what they cache (decided by the app's kind), first page and other pages", async () => {
    const { user } = await newSignedInUser(server);
    await server.grantProduct({ userId: user.id, productId: "pro" });
    await server.grantProduct({
      userId: user.id,
      product: { display_name: "Hidden", customer_type: "user", server_only: true, stackable: false, prices: { manual: { USD: "0" } }, included_items: {} },
    });
    const all = await server.listProducts({ userId: user.id });
    expect(all.map((p) => p.displayName).sort()).toEqual(["Hidden", "Pro"]);
    for (const options of [{ userId: user.id }, { userId: user.id, limit: 10 }]) {
      const page = await productsQueryOptions(server, options).queryFn();
      expect(page.items.map((p) => p.product.display_name)).toEqual(["Pro"]);
    }
  });
});
