import { Suspense, useEffect, useState } from "react";
import type { StackClientApp } from "stack-payments";
import { useUser } from "stack-payments/react";

/** The products this page offers (ids from examples/payments.json). */
const CATALOG = [
  { productId: "credits_pack", name: "100 credits", label: "Buy 100 credits ($5)", stackable: true },
  { productId: "pro_monthly", name: "Pro (monthly)", label: "Subscribe to Pro ($20/month, 500 credits)", stackable: false },
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
      <CheckoutNotice />
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

/** What this tab noted before leaving for checkout, to tell on the way back whether it paid off. */
interface StartedCheckout {
  productId: string;
  /** The product's owned quantity when the buyer left (stackable products can be bought again). */
  quantityBefore: number;
  at: number;
}

const CHECKOUT_NOTE = "react-example:checkout";
/** How long a return keeps watching for the purchase (hosted webhooks land a few seconds after the payment). */
const CHECKOUT_WATCH_MS = 30_000;

function readCheckoutNote(): StartedCheckout | null {
  try {
    const note = JSON.parse(sessionStorage.getItem(CHECKOUT_NOTE) ?? "null") as StartedCheckout | null;
    return note && typeof note.productId === "string" && Date.now() - note.at < 60 * 60 * 1000 ? note : null;
  } catch {
    return null;
  }
}

/**
 * After a return from checkout: "Purchase complete" once the product shows up (the products list
 * is live, so a purchase that lands a moment later still flips it), or a note that nothing was
 * bought when the buyer came back without paying (the checkout page's back link).
 */
function CheckoutNotice() {
  const user = useUser({ or: "anonymous" });
  const products = user.useProducts();
  const [note, setNote] = useState(readCheckoutNote);
  const [watching, setWatching] = useState(true);
  const owned = note ? (products.find((p) => p.id === note.productId)?.quantity ?? 0) : 0;
  const landed = note !== null && owned > note.quantityBefore;
  useEffect(() => {
    if (!note) return;
    // The note is used once: a reload of this page does not announce the purchase again.
    if (landed) sessionStorage.removeItem(CHECKOUT_NOTE);
    const timer = setTimeout(() => {
      setWatching(false);
      sessionStorage.removeItem(CHECKOUT_NOTE);
    }, CHECKOUT_WATCH_MS);
    return () => clearTimeout(timer);
  }, [note, landed]);
  if (!note) return null;
  const name = products.find((p) => p.id === note.productId)?.displayName ?? CATALOG.find((c) => c.productId === note.productId)?.name ?? note.productId;
  const dismiss = () => {
    sessionStorage.removeItem(CHECKOUT_NOTE);
    setNote(null);
  };
  return (
    <section className={landed ? "notice success" : "notice"} role="status" data-testid={landed ? "purchase-complete" : "purchase-pending"}>
      {landed ? (
        <p>
          <strong>Purchase complete:</strong> {name} added to your account.
        </p>
      ) : watching ? (
        <p>Checking your purchase of {name}… If you paid, it appears here in a moment.</p>
      ) : (
        <p>No purchase of {name} was completed.</p>
      )}
      <button className="secondary" data-testid="notice-dismiss" onClick={dismiss}>
        Dismiss
      </button>
    </section>
  );
}

function Buy() {
  const user = useUser({ or: "anonymous" });
  const products = user.useProducts();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ownedQuantity = (productId: string) => products.find((p) => p.id === productId)?.quantity ?? 0;
  const buy = async (productId: string) => {
    setBusy(productId);
    setError(null);
    try {
      // Back to this page, without the query of an earlier return.
      const returnUrl = `${window.location.origin}${window.location.pathname}`;
      const checkoutUrl = await user.createCheckoutUrl({ productId, returnUrl });
      const note: StartedCheckout = { productId, quantityBefore: ownedQuantity(productId), at: Date.now() };
      sessionStorage.setItem(CHECKOUT_NOTE, JSON.stringify(note));
      window.location.href = checkoutUrl;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(null);
    }
  };
  return (
    <section>
      <h2>Buy</h2>
      {CATALOG.map(({ productId, label, stackable }) => {
        // A product that can be bought once is not offered again while it is owned.
        const owned = !stackable && ownedQuantity(productId) > 0;
        return (
          <button
            key={productId}
            data-testid={`buy-${productId}`}
            disabled={busy !== null || owned}
            title={owned ? "You already own this" : undefined}
            onClick={() => void buy(productId)}
          >
            {owned ? `${label}: owned` : label}
          </button>
        );
      })}
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
