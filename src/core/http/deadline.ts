/**
 * One total deadline per call, retries and backoff waits included, combined with the caller's
 * AbortSignal; its expiry and the caller's abort become `TIMEOUT` and `ABORTED`.
 */
import { StackPaymentsError, invalidArgument } from "../errors.js";

/** Default total time budget of one SDK call, retries included. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Longest delay `setTimeout` honours; a longer budget is treated as "no deadline". */
const MAX_TIMER_MS = 2_147_483_647;

/** Per-call options accepted as the last argument of every SDK method. */
export interface CallOptions {
  /** Aborts the call (the promise rejects with code `ABORTED`). */
  signal?: AbortSignal | undefined;
  /** Total time budget of this call in ms, retries included. Default: the app's `timeoutMs` (30 s). */
  timeoutMs?: number | undefined;
}

/** What `run` gets: the signal to send with, and when the call's time is up. */
export interface Deadline {
  signal: AbortSignal;
  /** Epoch ms at which the call times out (`Infinity` without a deadline). */
  at: number;
}

/**
 * Runs `run` under one deadline and the caller's signal. `outcomeUnknown` is asked at the moment
 * the call is cut short: true when a write may already have reached the server.
 */
export async function withDeadline<R>(
  callOptions: CallOptions | undefined,
  defaultTimeoutMs: number | undefined,
  outcomeUnknown: () => boolean,
  run: (deadline: Deadline) => Promise<R>,
): Promise<R> {
  const timeoutMs = callOptions?.timeoutMs ?? defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) throw invalidArgument("timeoutMs", `expected a number of milliseconds ≥ 0, got ${String(timeoutMs)}`);
  const outer = callOptions?.signal;
  if (outer?.aborted) throw new StackPaymentsError({ code: "ABORTED", message: "The request was aborted by the caller.", details: {}, cause: outer.reason });
  const controller = new AbortController();
  let reason: "timeout" | "aborted" | undefined;
  const stop = (why: "timeout" | "aborted") => {
    reason ??= why;
    controller.abort();
  };
  const onAbort = () => stop("aborted");
  outer?.addEventListener("abort", onAbort);
  const timer = timeoutMs <= MAX_TIMER_MS ? setTimeout(() => stop("timeout"), timeoutMs) : undefined;
  // Race the abort too: an injected fetch (or an in-process handler) may ignore the signal.
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([run({ signal: controller.signal, at: timer === undefined ? Infinity : Date.now() + timeoutMs }), aborted]);
  } catch (error) {
    if (!reason) throw error;
    const timeout = reason === "timeout";
    throw new StackPaymentsError({
      code: timeout ? "TIMEOUT" : "ABORTED",
      message: timeout ? `The request did not complete within ${timeoutMs} ms.` : "The request was aborted by the caller.",
      // A write cut short on the wire may or may not have been applied.
      details: { ...(timeout ? { timeoutMs } : {}), ...(outcomeUnknown() ? { outcomeUnknown: true } : {}) },
      cause: error,
    });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}
