/**
 * The app's own ky hooks (`hooks` option, see `TransportHooks`) around each request, and the guards
 * that keep them from replacing the SDK's credentials, sending elsewhere, repeating what may not be
 * repeated or changing what the SDK throws. Most apps pass no hooks, so this is loaded on first use
 * by an app that does.
 */
import type { AfterResponseHook, BeforeErrorHook, BeforeRequestHook, BeforeRetryHook, KyRequest } from "ky";
import { StackPaymentsError } from "../errors.js";
import { HEADER_PREFIXES, IDEMPOTENCY_KEY_HEADER } from "../wire-constants.js";
import type { Ky } from "./load-ky.js";

/** The app's hook lists (the transport's `hooks` option), each present (empty when not given). */
export type UserHooks = {
  beforeRequest: BeforeRequestHook[];
  afterResponse: AfterResponseHook[];
  beforeRetry: BeforeRetryHook[];
  beforeError: BeforeErrorHook[];
};

/**
 * Headers only the SDK may set: keys, tokens (both spellings of each) and the idempotency key (a
 * hook that changed it between attempts could make a retried write apply twice).
 */
export const PROTECTED_HEADERS: readonly string[] = [
  ...["secret-server-key", "super-secret-admin-key", "admin-access-token", "access-token", "refresh-token"].flatMap((name) =>
    HEADER_PREFIXES.map((prefix) => prefix + name),
  ),
  IDEMPOTENCY_KEY_HEADER,
];

/**
 * Puts the SDK's own headers back onto `request` after user hooks ran: every protected header
 * carries exactly what `own` says (absent when `own` has none), and the request must still go to
 * the API's origin. Throws `CONFIGURATION_ERROR` when a hook pointed it elsewhere.
 */
export function enforceOwnHeaders(request: Request, own: Headers, origin: string, what: string): void {
  const target = new URL(request.url).origin;
  if (target !== origin) {
    throw new StackPaymentsError({ code: "CONFIGURATION_ERROR", message: `A beforeRequest hook sent ${what} to ${target}; the SDK only sends to ${origin}. Nothing was sent.` });
  }
  for (const name of PROTECTED_HEADERS) {
    const value = own.get(name);
    if (value === null) request.headers.delete(name);
    else request.headers.set(name, value);
  }
}

/** The call the hooks run around, as the guards need it. */
export interface HookedCall {
  /** `METHOD /path`, for messages. */
  what: string;
  /** The API's origin: the only place a request may go. */
  origin: string;
  /** Whether repeating the call cannot apply it twice (see the retry policy). */
  repeatable(): boolean;
}

/**
 * The app's hooks for one call, wrapped: `beforeRequest` runs them after the SDK set its own
 * headers (`own`) and puts those back; `beforeRetry` refuses a retry a hook forced on a call that
 * may not be repeated; `beforeError` hooks get a copy of the error.
 */
export function wrapUserHooks(hooks: UserHooks, ky: Ky, call: HookedCall) {
  return {
    async beforeRequest(request: Request, own: Headers, ...rest: Parameters<BeforeRequestHook> extends [unknown, ...infer R] ? R : never): Promise<Request | Response | undefined> {
      let current: Request = request;
      for (const hook of hooks.beforeRequest) {
        const result = await hook(current as KyRequest, ...rest);
        if (result instanceof Response) return result;
        if (result instanceof Request) {
          current = result;
          break;
        }
      }
      enforceOwnHeaders(current, own, call.origin, call.what);
      return current === request ? undefined : current;
    },
    beforeRetry: [
      async (retryState) => {
        // ky skips the policy for a retry forced by an afterResponse hook: check it here.
        if (ky.isForceRetryError(retryState.error) && !call.repeatable()) {
          throw new StackPaymentsError({ code: "CONFIGURATION_ERROR", message: `A hook asked to retry ${call.what}, which is not safe to repeat.` });
        }
        for (const hook of hooks.beforeRetry) {
          const result = await hook(retryState);
          // ky.stop would resolve the call with nothing; the call fails with the attempt's error instead.
          if (result === ky.default.stop) throw retryState.error;
          if (result instanceof Request || result instanceof Response) return result;
        }
        return undefined;
      },
    ] satisfies BeforeRetryHook[],
    // A copy: the SDK still reads the original's body for the known error.
    beforeError: hooks.beforeError.map((hook): BeforeErrorHook => async (error, hookState) => {
      const copy = new ky.HTTPError(error.response.clone(), error.request, error.options);
      try {
        await hook(copy, hookState);
      } finally {
        void copy.response.body?.cancel().catch(() => {});
      }
      return error;
    }),
  };
}
