/**
 * The one place HTTP happens, on ky: request headers, the status override, known-error mapping,
 * response validation, retries, timeouts, aborts, refused redirects and capped answers, for every
 * call the SDK makes. The parts live in `./http/` by concern; this module is their public face.
 */
export {
  createTransport,
  type ApiRequest,
  type HttpMethod,
  type Transport,
  type TransportHooks,
  type TransportOptions,
  type TransportSession,
} from "./http/transport.js";
export { SDK_VERSION, randomId, segment, type AccessType, type SessionTokens } from "./http/build-request.js";
export { parseRetryAfter, type RetryOptions } from "./http/retry-policy.js";
export { MAX_RESPONSE_BYTES, validate } from "./http/classify-answer.js";
export { DEFAULT_TIMEOUT_MS, type CallOptions } from "./http/deadline.js";
