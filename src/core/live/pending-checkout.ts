/**
 * A note left in `sessionStorage` before sending the user to checkout, so that the page they come
 * back to knows whose data to poll quickly until the purchase shows up (webhooks land seconds later).
 */
import type { CustomerType } from "../schemas/common.js";

/** One checkout that was started from this tab and may not have landed yet. */
export interface PendingCheckout {
  customerType: CustomerType;
  customerId: string;
  /** The product being bought, when known. */
  productId?: string;
  /** When the checkout URL was created (ms since epoch). */
  at: number;
}

/** The part of `Storage` used here. */
export type PendingCheckoutStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** Pending checkouts older than this are forgotten: the user did not come back from that one. */
export const PENDING_CHECKOUT_TTL_MS = 60 * 60 * 1000;

const key = (projectId: string) => `stack-payments:pending-checkout:${projectId}`;

/** `sessionStorage` when there is one (a browser tab), else undefined. */
export function defaultCheckoutStorage(): PendingCheckoutStorage | undefined {
  try {
    return typeof sessionStorage === "undefined" ? undefined : sessionStorage;
  } catch {
    // Some browsers throw on access when storage is disabled.
    return undefined;
  }
}

function read(storage: PendingCheckoutStorage, projectId: string): PendingCheckout[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(key(projectId)) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (p): p is PendingCheckout =>
        typeof p === "object" &&
        p !== null &&
        typeof p.customerType === "string" &&
        typeof p.customerId === "string" &&
        typeof p.at === "number",
    );
  } catch {
    return [];
  }
}

function write(storage: PendingCheckoutStorage, projectId: string, list: PendingCheckout[]): void {
  try {
    if (list.length === 0) storage.removeItem(key(projectId));
    else storage.setItem(key(projectId), JSON.stringify(list));
  } catch {
    // Full or disabled storage: the only loss is slower polling after the return.
  }
}

/**
 * Records that a checkout is starting for a customer (called by `createCheckoutUrl` in a browser).
 * One record per customer: a newer checkout replaces an older one.
 */
export function recordPendingCheckout(
  projectId: string,
  checkout: Omit<PendingCheckout, "at"> & { at?: number },
  storage: PendingCheckoutStorage | undefined = defaultCheckoutStorage(),
): void {
  if (!storage) return;
  const list = read(storage, projectId).filter(
    (p) => !(p.customerType === checkout.customerType && p.customerId === checkout.customerId),
  );
  list.push({ ...checkout, at: checkout.at ?? Date.now() });
  write(storage, projectId, list);
}

/** The project's pending checkouts younger than {@link PENDING_CHECKOUT_TTL_MS}; drops the older ones. */
export function readPendingCheckouts(
  projectId: string,
  storage: PendingCheckoutStorage | undefined = defaultCheckoutStorage(),
  now = Date.now(),
): PendingCheckout[] {
  if (!storage) return [];
  const all = read(storage, projectId);
  const fresh = all.filter((p) => now - p.at < PENDING_CHECKOUT_TTL_MS);
  if (fresh.length !== all.length) write(storage, projectId, fresh);
  return fresh;
}

/** Forgets a customer's pending checkout (its purchase showed up, or the wait was given up). */
export function clearPendingCheckout(
  projectId: string,
  customerType: CustomerType,
  customerId: string,
  storage: PendingCheckoutStorage | undefined = defaultCheckoutStorage(),
): void {
  if (!storage) return;
  const list = read(storage, projectId);
  const rest = list.filter((p) => !(p.customerType === customerType && p.customerId === customerId));
  if (rest.length !== list.length) write(storage, projectId, rest);
}
