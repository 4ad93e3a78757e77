/**
 * The parts of ky the transport uses, as one module for `import()` (see load-ky.ts): a bundler
 * makes it a chunk of a few bytes on top of ky, which a page that registered ky never fetches.
 */
export { default, HTTPError, isForceRetryError, isHTTPError, isTimeoutError } from "ky";
