import { Suspense, useState } from "react";
import type { StackClientApp } from "stack-payments";
import { useUser } from "stack-payments/react";

/** The products this page offers (ids from examples/payments.json). */
const CATALOG = [
  { productId: "credits_pack", label: "Buy 100 credits ($5)" },
  { productId: "pro_monthly", label: "Subscribe to Pro ($20/month, 500 credits)" },
] as const;

/** The example page: the signed-in user's credits and products, checkout, and spending. */
export function App({ app }: { app: StackClientApp }) {
  return (
    <main>
      <h1>stack-payments · React example</h1>
      <Suspense fallback={<p data-testid="loading">Signing in…</p>}>
        <Account app={app} />
      </Suspense>
    </main>
  );
}

function Account({ app }: { app: StackClientApp }) {
  // Signs up an anonymous user on the first visit; the session lives in cookies afterwards.
  const user = useUser({ or: "anonymous" });
  return (
    <>
      <p className="muted">
        Signed in as <code data-testid="user-id">{user.id}</code>
      </p>
      <Credits />
      <Products />
      <Buy />
      <Spend app={app} />
    </>
  );
}

function Credits() {
  const user = useUser({ or: "anonymous" });
  // Live: purchases, the server route's spending and other tabs all update this without a reload.
  const credits = user.useItem("credits");
  return (
    <section>
      <h2>{credits.displayName}</h2>
      <div className="balance" data-testid="credits-balance">
        {credits.nonNegativeQuantity}
      </div>
    </section>
  );
}

function Products() {
  const user = useUser({ or: "anonymous" });
  const products = user.useProducts();
  return (
    <section>
      <h2>Your products</h2>
      <ul data-testid="products-list">
        {products.length === 0 ? (
          <li className="muted">No products purchased yet.</li>
        ) : (
          products.map((product) => (
            <li key={product.id ?? product.displayName} data-testid={`product-${product.id ?? "inline"}`}>
              {product.displayName} (x{product.quantity})
            </li>
          ))
        )}
      </ul>
    </section>
  );
}

function Buy() {
  const user = useUser({ or: "anonymous" });
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const buy = async (productId: string) => {
    setBusy(productId);
    setError(null);
    try {
      const checkoutUrl = await user.createCheckoutUrl({ productId, returnUrl: window.location.href });
      window.location.href = checkoutUrl;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(null);
    }
  };
  return (
    <section>
      <h2>Buy</h2>
      {CATALOG.map(({ productId, label }) => (
        <button key={productId} data-testid={`buy-${productId}`} disabled={busy !== null} onClick={() => void buy(productId)}>
          {label}
        </button>
      ))}
      {error && (
        <p className="error" data-testid="buy-error">
          {error}
        </p>
      )}
    </section>
  );
}

function Spend({ app }: { app: StackClientApp }) {
  const [status, setStatus] = useState<string>("");
  const [busy, setBusy] = useState(false);
  const spend = async () => {
    setBusy(true);
    try {
      // The server authenticates the user from these headers (`getUser({ tokenStore: req })`).
      const res = await fetch("/api/spend-credits", {
        method: "POST",
        headers: { ...(await app.getAuthHeaders()), "content-type": "application/json" },
        body: JSON.stringify({ amount: 10 }),
      });
      const body = (await res.json()) as { remaining?: number; error?: string };
      setStatus(res.ok ? `Spent 10 credits; the server saw ${body.remaining} left.` : `Not spent: ${body.error}`);
    } catch (e) {
      setStatus(`Not spent: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h2>Spend</h2>
      <button className="secondary" data-testid="spend-credits" disabled={busy} onClick={() => void spend()}>
        Spend 10 credits
      </button>
      <p className="muted" data-testid="spend-status">
        {status}
      </p>
    </section>
  );
}
