// @vitest-environment jsdom
/**
 * The admin hooks against the emulator: `useTransactions` (suspending and not), keyed under the
 * project, re-read after the admin app's own writes (mounted or not); `useProjectConfig`,
 * `usePaymentMethodConfigs`, `useStripeAccountInfo`; and a clear error without an admin app.
 */
import { QueryClient } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { Component, Suspense, type ReactNode } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { StackAdminApp } from "../../src/apps/admin-app.js";
import type { StackServerApp } from "../../src/apps/server-app.js";
import type { Emulator } from "../../src/emulator/create-emulator.js";
import {
  StackProvider,
  adminQueryKeys,
  connectAdminQueries,
  stackQueryKeys,
  transactionsQueryOptions,
  useAdminApp,
  usePaymentMethodConfigs,
  useProjectConfig,
  useStripeAccountInfo,
  useTransactions,
} from "../../src/react.js";
import { BASE_URL, countingFetch, createClientApp, createServerApp, startEmulator } from "./setup.js";

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

/**
 * An admin app on the emulator, counting its requests. It stands for a server rendering the
 * page, so (as `createServerApp` does) it is built with `window` hidden: in a real browser it
 * refuses to be built at all.
 */
function createAdminApp(options: { refundAnswer?: boolean } = {}) {
  const counted = countingFetch(emulator);
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    // The refund route is another module's: this stands in for its answer to see what the hooks do after.
    if (options.refundAnswer && new URL(request.url).pathname.endsWith("/internal/payments/transactions/refund")) {
      counted.requests.push(`POST ${new URL(request.url).pathname}`);
      return Response.json({ success: true, refund_transaction_id: "refund_1" });
    }
    return counted.fetch(request);
  }) as typeof globalThis.fetch;
  const g = globalThis as { window?: unknown };
  const saved = g.window;
  delete g.window;
  try {
    const p = emulator.project;
    const app = new StackAdminApp({
      baseUrl: BASE_URL,
      projectId: p.id,
      publishableClientKey: p.publishableClientKey,
      secretServerKey: p.secretServerKey,
      superSecretAdminKey: p.superSecretAdminKey,
      fetch,
      tokenStore: null,
      retry: false,
    });
    return { app, requests: counted.requests };
  } finally {
    if (saved !== undefined) g.window = saved;
  }
}

const transactionReads = (requests: string[]) => requests.filter((r) => r === "GET /api/v1/internal/payments/transactions").length;

class Boundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <div data-testid="error">{(this.state.error as { code?: string }).code}: {this.state.error.message}</div> : this.props.children;
  }
}

/** The user's manual changes as the list shows them. */
function MyChanges({ userId }: { userId: string }) {
  const { transactions } = useTransactions({ type: "manual-item-quantity-change", customerType: "user", limit: 200 });
  const mine = transactions.flatMap((t) => t.entries).filter((e) => e.type === "item_quantity_change" && e.customer_id === userId);
  return <div data-testid="changes">{mine.map((e) => (e.type === "item_quantity_change" ? e.quantity : "")).join(",") || "none"}</div>;
}

describe("useTransactions", () => {
  it("suspends, then lists; cached under the project's key; re-read after the app's own quantity change", async () => {
    const { app, requests } = createAdminApp();
    const user = await server.createUser({});
    await app.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 4 });
    const queryClient = new QueryClient();
    render(
      <StackProvider app={app} queryClient={queryClient} live={false}>
        <Suspense fallback={<div data-testid="loading">loading</div>}>
          <MyChanges userId={user.id} />
        </Suspense>
      </StackProvider>,
    );
    expect(screen.getByTestId("loading")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("changes").textContent).toBe("4"));
    const key = adminQueryKeys.transactions(app.projectId, { type: "manual-item-quantity-change", customerType: "user", limit: 200 });
    expect(key.slice(0, 2)).toEqual(stackQueryKeys.project(app.projectId));
    expect(queryClient.getQueryData(key)?.transactions.length).toBeGreaterThan(0);
    const before = transactionReads(requests);
    await act(async () => {
      await app.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 6 });
    });
    await waitFor(() => expect(screen.getByTestId("changes").textContent).toBe("6,4"));
    expect(transactionReads(requests)).toBe(before + 1);
  });

  it("{ suspense: false }: pending, then the page; re-read after a refund", async () => {
    const { app, requests } = createAdminApp({ refundAnswer: true });
    function Count() {
      const state = useTransactions({ limit: 5, suspense: false });
      return <div data-testid="state">{state.status === "success" ? `${state.data!.transactions.length}` : state.status}</div>;
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Count />
      </StackProvider>,
    );
    expect(screen.getByTestId("state").textContent).toBe("pending");
    await waitFor(() => expect(screen.getByTestId("state").textContent).toMatch(/^\d+$/));
    const before = transactionReads(requests);
    await act(async () => {
      await app.refundTransaction({ type: "one-time-purchase", id: "otp_1", amountUsd: "1" });
    });
    await waitFor(() => expect(transactionReads(requests)).toBe(before + 1));
  });

  it("a write while no hook shows the transactions still makes the cached pages stale", async () => {
    const { app } = createAdminApp();
    const queryClient = new QueryClient();
    connectAdminQueries(app, queryClient);
    connectAdminQueries(app, queryClient); // idempotent: one link per app and client
    const options = transactionsQueryOptions(app, { limit: 1 });
    await queryClient.prefetchQuery(options);
    const config = adminQueryKeys.projectConfig(app.projectId);
    queryClient.setQueryData(config, { payments: { testMode: true, blockNewPurchases: false } });
    expect(queryClient.getQueryState(options.queryKey)?.isInvalidated).toBe(false);
    const user = await server.createUser({});
    await app.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 1 });
    expect(queryClient.getQueryState(options.queryKey)?.isInvalidated).toBe(true);
    // A quantity change leaves the config alone.
    expect(queryClient.getQueryState(config)?.isInvalidated).toBe(false);
  });

  it("without an admin app in the provider: a clear error", async () => {
    const { app: client } = createClientApp(emulator, null);
    render(
      <StackProvider app={client} queryClient={new QueryClient()} live={false}>
        <Boundary>
          <Suspense fallback="…">
            <MyChanges userId="u" />
          </Suspense>
        </Boundary>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("error").textContent).toContain("CONFIGURATION_ERROR: useTransactions needs a StackAdminApp"));
  });
});

describe("settings hooks", () => {
  it("useProjectConfig follows the app's config updates; payment methods and the Stripe account read", async () => {
    const { app } = createAdminApp();
    function Settings() {
      const config = useProjectConfig();
      const methods = usePaymentMethodConfigs();
      const account = useStripeAccountInfo({ suspense: false });
      const admin = useAdminApp();
      return (
        <div>
          <span data-testid="blocked">{String(config.payments.blockNewPurchases)}</span>
          <span data-testid="card">{String(methods?.methods.find((m) => m.id === "card")?.enabled)}</span>
          <span data-testid="account">{account.status === "success" ? String(account.data?.charges_enabled) : account.status}</span>
          <button onClick={() => void admin.updateProjectConfig({ "payments.blockNewPurchases": !config.payments.blockNewPurchases })}>toggle</button>
        </div>
      );
    }
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Suspense fallback="…">
          <Settings />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("blocked").textContent).toBe("false"));
    expect(screen.getByTestId("card").textContent).toBe("true");
    await waitFor(() => expect(screen.getByTestId("account").textContent).toBe("true"));
    await act(async () => screen.getByText("toggle").click());
    await waitFor(() => expect(screen.getByTestId("blocked").textContent).toBe("true"));
    await app.updateProjectConfig({ "payments.blockNewPurchases": false });
    await waitFor(() => expect(screen.getByTestId("blocked").textContent).toBe("false"));
  });
});
