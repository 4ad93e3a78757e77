/**
 * How the transport gets ky. Evaluating ky runs feature checks (`new Request(...)`, streams) that
 * make Node load its whole fetch implementation, most of what importing the SDK would cost on a
 * server. So no module of the transport imports ky statically: the browser entries register it
 * (a page keeps ky in its first download, ready for the first call), and a server entry loads it
 * with the first request.
 */
import type * as KyModule from "ky";
import { loadOnFirstUse } from "../load-on-first-use.js";

/** The parts of ky the transport uses: the `ky` function, `HTTPError`, and its error guards. */
export type Ky = Pick<typeof KyModule, "default" | "HTTPError" | "isHTTPError" | "isTimeoutError" | "isForceRetryError">;

let registered: Ky | undefined;

/**
 * Hands ky to the transport up front, so no request waits for it to load, and returns `value`.
 * The browser entry registers ky (imported statically) as it computes its `StackClientApp` export:
 * a statement of its own would be dropped by bundlers, which may leave out any statement of this
 * package (`"sideEffects": false`) whose result nothing uses.
 *
 * @example
 * import ky, { HTTPError, isForceRetryError, isHTTPError, isTimeoutError } from "ky";
 * export const StackClientApp = withKy({ default: ky, HTTPError, isForceRetryError, isHTTPError, isTimeoutError }, ClientApp);
 */
export function withKy<T>(ky: Ky, value: T): T {
  registered = ky;
  return value;
}

// `import()` loads the module once and hands out the same one afterwards; a failed load (a chunk a
// browser could not fetch) rejects with NETWORK_ERROR before anything was sent, and is tried
// again by the next call.
const importKy = loadOnFirstUse<Ky>(() => import("./ky-module.js"), "HTTP engine (ky)");

/** ky: the registered one, else ky imported on first use. */
export function loadKy(): Ky | Promise<Ky> {
  return registered ?? importKy().then((ky) => (registered = ky));
}
