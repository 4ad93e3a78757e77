"use client";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useStackApp } from "stack-payments/react";

/** Signs the visitor up anonymously (cookies), then re-renders the page on the server as them. */
export function AnonymousSignIn() {
  const app = useStackApp();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    app.getUser({ or: "anonymous" }).then(
      () => router.refresh(),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [app, router]);
  return error ? <p className="error">Could not sign in: {error}</p> : <p data-testid="signing-in">Signing in…</p>;
}
