"use client";
import { useEffect, useState, useSyncExternalStore, useTransition } from "react";
import { useUser } from "stack-payments/react";
import { spendCredits } from "./actions";

/** The products this page offers (ids from examples/payments.json). */
const CATALOG = [
  { productId: "credits_pack", label: "Buy 100 credits ($5)" },
  { productId: "pro_monthly", label: "Subscribe to Pro ($20/month, 500 credits)" },
] as const;

const noSubscription = () => () => {};
/**
 * False in the server's HTML and until React has hydrated the page, true after: the buttons stay
 * disabled until their click handlers are attached, so an early click is not silently lost (on a
 * slow machine `next dev` can take seconds to hydrate).
 */
const useHydrated = () => useSyncExternalStore(noSubscription, () => true, () => false);

/** Credits, products, checkout and spending; the data arrives prefetched from the server render. */
export function Dashboard() {
  const user = useUser({ or: "anonymous" });
  // Live: purchases, the server action's spending and other tabs all update these without a reload.
  const credits = user.useItem("credits");
  const products = user.useProducts();
  const [status, setStatus] = useState("");
  const [pending, startTransition] = useTransition();
  const [buying, setBuying] = useState<string | null>(null);
  const hydrated = useHydrated();
  // Back from the checkout page, the browser may show this page from its back-forward cache, as it
  // was when it left: buttons disabled "while buying". Such a return enables them again.
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => event.persisted && setBuying(null);
    window.addEventListener("pageshow", onPageShow);
    return () => window.removeEventListener("pageshow", onPageShow);
  }, []);

  const buy = async (productId: string) => {
    setBuying(productId);
    try {
      window.location.href = await user.createCheckoutUrl({ productId, returnUrl: window.location.href });
    } catch (e) {
      setStatus(`Checkout failed: ${e instanceof Error ? e.message : String(e)}`);
      setBuying(null);
    }
  };

  const spend = () =>
    startTransition(async () => {
      const result = await spendCredits(10);
      setStatus(result.ok ? `Spent 10 credits; the server saw ${result.remaining} left.` : `Not spent: ${result.error}`);
    });

  return (
    <>
      <p className="muted">
        Signed in as <code data-testid="user-id">{user.id}</code>
      </p>
      <section>
        <h2>{credits.displayName}</h2>
        <div className="balance" data-testid="credits-balance">
          {credits.nonNegativeQuantity}
        </div>
      </section>
      <section>
        <h2>Your products</h2>
        <ul data-testid="products-list">
          {products.length === 0 ? (
            <li className="muted">No products purchased yet.</li>
          ) : (
            products.map((product) => (
              <li key={product.id ?? product.displayName}>
                {product.displayName} (x{product.quantity})
              </li>
            ))
          )}
        </ul>
      </section>
      <section>
        <h2>Buy</h2>
        {CATALOG.map(({ productId, label }) => (
          <button key={productId} data-testid={`buy-${productId}`} disabled={!hydrated || buying !== null} onClick={() => void buy(productId)}>
            {label}
          </button>
        ))}
      </section>
      <section>
        <h2>Spend</h2>
        <button className="secondary" data-testid="spend-credits" disabled={!hydrated || pending} onClick={spend}>
          Spend 10 credits
        </button>
        <p className="muted" data-testid="spend-status">
          {status}
        </p>
      </section>
    </>
  );
}
