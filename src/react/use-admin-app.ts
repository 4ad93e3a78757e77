/**
 * `useAdminApp`: the `StackAdminApp` of the nearest `StackProvider`, for the admin hooks and for
 * your own calls (refunds, quantity changes, config updates) from components.
 */
import type { StackAdminApp } from "../apps/admin-app.js";
import { StackPaymentsError } from "../core/errors.js";
import { connectAdminQueries, isAdminQueryApp, type AdminQueryApp } from "./admin-query-options.js";
import { useStackContext } from "./provider.js";

/**
 * The provider's app, which must be a `StackAdminApp` (else a `CONFIGURATION_ERROR` naming
 * `hook`). Its writes re-read the admin queries of the provider's QueryClient from then on.
 *
 * @example
 * const admin = useAdminApp();
 * <button onClick={() => admin.refundTransaction({ type: "one-time-purchase", id, amountUsd: "5" })}>Refund</button>
 */
export function useAdminApp<T extends AdminQueryApp = StackAdminApp>(hook = "useAdminApp"): T {
  const { app, queryClient } = useStackContext();
  if (!isAdminQueryApp(app)) {
    throw new StackPaymentsError({
      code: "CONFIGURATION_ERROR",
      message: `${hook} needs a StackAdminApp (from stack-payments/server) in <StackProvider app={...}>; this provider has a ${app.kind} app.`,
    });
  }
  // Linked during render, not in an effect: a component that suspended commits (and runs its
  // effects) only after its data arrives, and a write made in that gap would re-read nothing. The
  // link is idempotent and lasts as long as the app and the client, so there is nothing to undo.
  connectAdminQueries(app, queryClient);
  return app as unknown as T;
}
