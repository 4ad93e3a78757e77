// @vitest-environment jsdom
import { QueryClient } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { Suspense } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { StackServerApp } from "../../src/apps/server-app.js";
import type { Emulator } from "../../src/emulator/create-emulator.js";
import { StackProvider, useItem, useLiveConnectionState, useProducts, useUser, type ReactUser } from "../../src/react.js";
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
