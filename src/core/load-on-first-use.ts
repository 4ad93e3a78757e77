/**
 * Parts of the SDK a page rarely needs at startup (product lists and subscription changes, a user's
 * team operations, password sign-in and sign-out, the note a checkout leaves, the server-only
 * token stores) are imported on first use, so that an app's bundler puts them in chunks of their own and a page that never calls
 * them never downloads them.
 */
import { StackPaymentsError } from "./errors.js";

/**
 * Wraps a module's `import()` (which loads it once and hands out the same module afterwards). A
 * load that fails (a chunk the browser could not fetch, e.g. offline) rejects with `NETWORK_ERROR`
 * naming the part, like any other request that could not reach its server.
 *
 * @example
 * const loadProducts = loadOnFirstUse(() => import("./products.js"), "product operations");
 * const list = await (await loadProducts()).listProducts(ctx, ref);
 */
export function loadOnFirstUse<T>(load: () => Promise<T>, what: string): () => Promise<T> {
  return () =>
    load().catch((cause: unknown) => {
      throw new StackPaymentsError({
        code: "NETWORK_ERROR",
        message: `Could not load the SDK's ${what} (${String(cause)}); is the network down?`,
        details: { part: what },
        cause,
      });
    });
}
