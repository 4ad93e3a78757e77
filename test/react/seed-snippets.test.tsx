// @vitest-environment jsdom
// The React snippets of shared/seed/payments.mdx, verbatim but for the import line, rendered
// against the emulator: they must type-check and work with stack-payments/react.
import { QueryClient } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { Suspense, useEffect, useState } from "react";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { StackServerApp } from "../../src/apps/server-app.js";
import type { Emulator } from "../../src/emulator/create-emulator.js";
import { StackProvider, useUser } from "../../src/react.js";
import { createClientApp, createServerApp, newSignedInUser, startEmulator } from "./setup.js";

function PurchaseButton({ productId }: { productId: string }) {
  const user = useUser({ or: 'redirect' });

  const handlePurchase = async () => {
    const checkoutUrl = await user.createCheckoutUrl({
      productId,
    });

    window.location.href = checkoutUrl;
  };

  return <button onClick={handlePurchase}>Purchase</button>;
}

function TeamPurchaseButton({
  teamId,
  productId
}: {
  teamId: string;
  productId: string;
}) {
  const user = useUser({ or: 'redirect' });
  const team = user.useTeam(teamId);

  const handlePurchase = async () => {
    if (!team) return;

    const checkoutUrl = await team.createCheckoutUrl({
      productId,
    });

    window.location.href = checkoutUrl;
  };

  return (
    <button onClick={handlePurchase} disabled={!team}>
      Purchase for Team
    </button>
  );
}

function CreditsDisplay() {
  const user = useUser({ or: 'redirect' });
  const [credits, setCredits] = useState<number | null>(null);

  useEffect(() => {
    async function loadCredits() {
      const item = await user.getItem("credits");
      setCredits(item.nonNegativeQuantity);
    }
    loadCredits();
  }, [user]);

  if (credits === null) {
    return <div>Loading...</div>;
  }

  return <div>Available Credits: {credits}</div>;
}

function CreditsWidget() {
  const user = useUser({ or: 'redirect' });
  // useItem provides real-time updates when quantity changes
  const credits = user.useItem("credits");

  return (
    <div className="credits-widget">
      <h3>Available Credits</h3>
      <div className="credits-count">
        {credits.nonNegativeQuantity}
      </div>
      <small>{credits.displayName}</small>
    </div>
  );
}

function MyProducts() {
  const user = useUser({ or: 'redirect' });
  const products = user.useProducts();

  return (
    <div>
      <h2>Your Products</h2>
      {products.length === 0 ? (
        <p>No products purchased yet.</p>
      ) : (
        <ul>
          {products.map((product) => (
            <li key={product.id ?? product.displayName}>
              {product.displayName} (x{product.quantity})
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

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

it("the seed's React snippets render and act against the emulator", async () => {
  const { user, tokens } = await newSignedInUser(server);
  await (await server.getItem({ itemId: "credits", userId: user.id })).increaseQuantity(12);
  await server.grantProduct({ userId: user.id, productId: "pro" });
  const team = await user.createTeam({ displayName: "Crew" });
  const { app } = createClientApp(emulator, tokens);
  const assigned: string[] = [];
  // jsdom cannot navigate; record where the snippets send the browser.
  const location = window.location;
  Object.defineProperty(window, "location", { configurable: true, value: { set href(v: string) { assigned.push(v); }, get href() { return location.href; } } });
  try {
    render(
      <StackProvider app={app} queryClient={new QueryClient()} live={false}>
        <Suspense fallback="loading">
          <CreditsWidget />
          <CreditsDisplay />
          <MyProducts />
          <PurchaseButton productId="boost" />
          <TeamPurchaseButton teamId={team.id} productId="pro" />
        </Suspense>
      </StackProvider>,
    );
    await waitFor(() => expect(screen.getByText("Available Credits: 112")).toBeTruthy());
    expect(document.querySelector(".credits-count")!.textContent).toBe("112");
    expect(screen.getByText("Pro (x1)")).toBeTruthy();
    await act(async () => screen.getByText("Purchase").click());
    await waitFor(() => expect(assigned).toHaveLength(1));
    expect(assigned[0]).toMatch(/\/purchase\//);
    await waitFor(() => expect((screen.getByText("Purchase for Team") as HTMLButtonElement).disabled).toBe(false));
  } finally {
    Object.defineProperty(window, "location", { configurable: true, value: location });
  }
});
