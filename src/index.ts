/**
 * `stack-payments`: the browser-safe entry. `StackClientApp`, the customer, item and product
 * types, and the error family.
 */
import ky, { HTTPError, isForceRetryError, isHTTPError, isTimeoutError } from "ky";
import { StackClientApp as ClientApp } from "./apps/client-app.js";
import { withKy } from "./core/http/load-ky.js";

/**
 * The app of a browser (or any code without the secret server key): the signed-in user, their
 * items, products and checkouts. This entry brings ky with it, so a page's first call does not wait
 * for the HTTP engine (`stack-payments/server` leaves ky out and loads it with its first request, so
 * a server's import does not pay for evaluating it).
 */
export const StackClientApp: typeof ClientApp = withKy({ default: ky, HTTPError, isForceRetryError, isHTTPError, isTimeoutError }, ClientApp);
/** An instance of {@link StackClientApp}. */
export type StackClientApp = ClientApp;

export * from "./client-api.js";
