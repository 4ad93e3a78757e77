/**
 * How `StackAdminApp` reaches the admin routes: a transport of its own whose every request
 * carries the secret server key and the super secret admin key, and the change feed its writes
 * report to (the React layer invalidates its queries from it). Kept apart from the client and
 * server transports so that nothing of the admin key's handling is in a browser bundle.
 */
import { createAppCore, type StackClientAppOptions } from "../app-core.js";
import type { ApiContext, CustomerRef } from "../api-context.js";
import { readEnvDefaults, readSecretServerKeyEnv } from "../env.js";
import { StackPaymentsError } from "../errors.js";
import type { LiveBus } from "../live/bus.js";

/** What changed after a write of the admin app (what cached reads to re-read). */
export type AdminChange =
  /** A customer's item quantity (`createItemQuantityChange`): that customer and the transactions. */
  | { kind: "item-quantity"; customer: CustomerRef; itemId: string }
  /** A refund: the transactions, and the products and items of the refunded customer (unknown here). */
  | { kind: "refund"; transactionId: string }
  /** The project's config (products, items, test mode, ...): everything of the project may read differently. */
  | { kind: "config" }
  /** Payments setup, Stripe account or payment-method settings. */
  | { kind: "payment-settings" };

/** Listener of {@link AdminConnection.onChange}. */
export type AdminChangeListener = (change: AdminChange) => void;

/** The admin app's connection: admin-access calls, and the feed its writes report to. */
export interface AdminConnection {
  /** Calls with `x-stack-access-type: admin`, the secret server key and the admin key. */
  readonly ctx: ApiContext;
  /** Tells every listener what a write changed. */
  changed(change: AdminChange): void;
  /** Calls `listener` after each write of this app; returns the unsubscribe function. */
  onChange(listener: AdminChangeListener): () => void;
}

/** Constructor options the admin connection reads (the server app's, plus the admin key). */
export interface AdminConnectionOptions extends StackClientAppOptions {
  secretServerKey?: string | undefined;
  superSecretAdminKey?: string | undefined;
}

// Spelled out literally, as in env.ts, so bundlers that inline `process.env.X` see it.
function readAdminKeyFromEnv(): string | undefined {
  try {
    return process.env.HEXCLAVE_SUPER_SECRET_ADMIN_KEY || process.env.STACK_SUPER_SECRET_ADMIN_KEY || undefined;
  } catch {
    return undefined; // no `process` in this runtime
  }
}

function configurationError(message: string): StackPaymentsError {
  return new StackPaymentsError({ code: "CONFIGURATION_ERROR", message });
}

/** Fails when an admin app is constructed in a browser: the admin key must never reach one. */
export function refuseAdminInBrowser(isBrowser: boolean): void {
  if (isBrowser) {
    throw configurationError(
      "StackAdminApp cannot be used in a browser: it holds the super secret admin key, which can read and change everything of the project and must never reach the client. Use it on your server.",
    );
  }
}

/**
 * Opens the admin connection of an app constructed with `options`; `live` is the app's bus, where
 * quantity changes are announced. Throws `CONFIGURATION_ERROR` without an admin key (option,
 * `HEXCLAVE_SUPER_SECRET_ADMIN_KEY` or `STACK_SUPER_SECRET_ADMIN_KEY`).
 */
export function createAdminConnection(options: AdminConnectionOptions, live: LiveBus): AdminConnection {
  const superSecretAdminKey = options.superSecretAdminKey ?? readAdminKeyFromEnv();
  if (!superSecretAdminKey) {
    throw configurationError("No super secret admin key: pass `superSecretAdminKey` or set STACK_SUPER_SECRET_ADMIN_KEY (or HEXCLAVE_SUPER_SECRET_ADMIN_KEY).");
  }
  const env = readEnvDefaults(false);
  let extraRequestHeaders = options.extraRequestHeaders;
  // The server app's constructor has already refused an unparsable value.
  if (!extraRequestHeaders && env.extraRequestHeaders) extraRequestHeaders = JSON.parse(env.extraRequestHeaders) as Record<string, string>;
  // The keys ride in this transport's own headers, set after the caller's extra headers, so the
  // shared transport needs no admin code. They are protected headers: no hook can change or leak them.
  const core = createAppCore(
    {
      ...options,
      tokenStore: null,
      extraRequestHeaders: {
        ...extraRequestHeaders,
        "x-stack-secret-server-key": options.secretServerKey ?? readSecretServerKeyEnv() ?? "",
        "x-stack-super-secret-admin-key": superSecretAdminKey,
      },
    },
    "server",
  );
  const listeners = new Set<AdminChangeListener>();
  return {
    ctx: { ...core.contextFor(null, "admin"), live },
    changed(change) {
      // Copy first: a listener may unsubscribe while we iterate.
      for (const listener of [...listeners]) {
        try {
          listener(change);
        } catch (error) {
          // The write succeeded: a listener's bug must not fail it (a caller would retry it and
          // apply it twice). Reported as an uncaught error, as an event listener's would be.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
