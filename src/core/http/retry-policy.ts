/**
 * The retry policy: which failures may be repeated, and the ky retry options that carry it out.
 * ky does the waiting (exponential backoff with jitter, `Retry-After`) and counts attempts; this
 * module only answers "may this failure be repeated?".
 */
import type { RetryOptions as KyRetryOptions } from "ky";
import type { Ky } from "./load-ky.js";
import { IDEMPOTENCY_KEY_HEADER } from "../wire-constants.js";
import { answerHeader, isInProgressAnswer, nothingSent } from "./classify-answer.js";

/** Retry policy; `attempts` counts the first try. Delays are `base × 2^i × random[0.5, 1.5)`, capped. */
export interface RetryOptions {
  /** Total attempts, first included. Default 5 (as the official SDK). */
  attempts?: number;
  /** Base delay before the second attempt. Default 1000 ms. */
  baseDelayMs?: number;
  /** Upper bound of one wait (also caps `Retry-After`). Default 20 s. */
  maxDelayMs?: number;
  /**
   * Time budget of one attempt; a read (or a write the server deduplicates) that runs out of it is
   * tried again within the call's total `timeoutMs`. Default: none, an attempt may use the whole call budget.
   */
  attemptTimeoutMs?: number;
}

/** Parses `Retry-After` (seconds or HTTP date) into ms, or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What the policy needs to know about the call whose attempt failed. */
export interface RetryCall {
  /**
   * True when repeating the call cannot apply it twice: a read, or a write carrying an
   * `Idempotency-Key` to a server that has shown it honours keys.
   */
  repeatable(): boolean;
  /** Time left before the call's deadline, in ms. */
  remainingMs(): number;
}

const NETWORK_FAILURES = new WeakSet<object>();

/**
 * Marks what the fetch itself threw (refused, reset, DNS, aborted): the only errors besides
 * timeouts and HTTP answers the policy may retry. Anything else (a hook's, a token store's, the
 * SDK's own checks) is never retried and reaches the caller unchanged.
 */
export function markNetworkFailure(error: unknown): unknown {
  if (typeof error === "object" && error !== null) NETWORK_FAILURES.add(error);
  return error;
}

/** True for an error marked by {@link markNetworkFailure}. */
export function isNetworkFailure(error: unknown): boolean {
  return typeof error === "object" && error !== null && NETWORK_FAILURES.has(error);
}

/**
 * Whether the failed attempt may be repeated. A 429 was refused, not processed: always, unless its
 * `Retry-After` is past the deadline. A refused connection sent nothing: always. A 5xx, a lost
 * answer or a timed-out attempt: only when the call is repeatable. The emulator's "key still in
 * progress" 409: when repeatable, with the same key. Known errors and plain 4xx answers: never.
 * `ky`'s guards tell its errors apart (ky itself is loaded on first use, see load-ky.ts).
 */
export function mayRetry(error: unknown, call: RetryCall, { isHTTPError, isTimeoutError }: Pick<Ky, "isHTTPError" | "isTimeoutError">): boolean {
  if (isHTTPError(error)) {
    const response = error.response;
    if (answerHeader(response, "known-error")) return false;
    if (response.status === 429) return (parseRetryAfter(response.headers.get("retry-after")) ?? 0) <= call.remainingMs();
    if (response.status === 409) return isInProgressAnswer(response, error.request.headers.has(IDEMPOTENCY_KEY_HEADER)) && call.repeatable();
    return response.status >= 500 && call.repeatable();
  }
  if (isTimeoutError(error)) return call.repeatable();
  return isNetworkFailure(error) && (nothingSent(error) || call.repeatable());
}

/** Statuses ky may retry (the policy above narrows them per call); `Retry-After` is honoured on all. */
const RETRY_STATUSES = [409, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];

/**
 * ky's retry options for one call: every method is handed to `decide` (ky alone would never retry
 * a POST), which returns whether this failure may be repeated; ky then waits and counts.
 */
export function kyRetryOptions(options: RetryOptions | false | undefined, decide: (error: unknown) => boolean): KyRetryOptions {
  const retry = options === false ? { attempts: 1 } : (options ?? {});
  const maxDelay = retry.maxDelayMs ?? 20_000;
  const baseDelay = retry.baseDelayMs ?? 1000;
  return {
    limit: (retry.attempts ?? 5) - 1,
    methods: ["get", "put", "head", "delete", "options", "trace", "post", "patch"],
    statusCodes: RETRY_STATUSES,
    afterStatusCodes: RETRY_STATUSES,
    maxRetryAfter: maxDelay,
    backoffLimit: maxDelay,
    delay: (attempt) => baseDelay * 2 ** (attempt - 1),
    jitter: (delay) => delay * (0.5 + Math.random()),
    retryOnTimeout: true,
    // `undefined`, not `true`: ky's own checks then still apply, `Retry-After` among them.
    shouldRetry: ({ error }) => (decide(error) ? undefined : false),
  };
}
