/**
 * The error family of stack-payments. Every error thrown by the SDK is a {@link StackPaymentsError}
 * with a string `code`: the API's own code for known API errors (`ITEM_NOT_FOUND`, ...), or one of
 * the SDK codes below for failures that never reached a known error.
 */

/** Codes the SDK itself produces (as opposed to the API's known-error codes). */
export type SdkErrorCode =
  /** A non-2xx answer without a known-error body (e.g. the API's plain-text 400/403 messages). */
  | "HTTP_ERROR"
  /** The request got no answer (DNS, connection refused, reset) and was safe to give up on: a read, or a write that was never sent. */
  | "NETWORK_ERROR"
  /** The request took longer than its timeout. */
  | "TIMEOUT"
  /** The caller's AbortSignal fired. */
  | "ABORTED"
  /** A write was sent but no usable answer arrived and it could not be safely repeated, so it may or may not have been applied. */
  | "OUTCOME_UNKNOWN"
  /** The server answered with a redirect; the SDK never follows one, so nothing (no key, token or body) was sent to its target. */
  | "UNEXPECTED_REDIRECT"
  /** The answer's body is larger than the transport's limit (`MAX_RESPONSE_BYTES`); it was not read. */
  | "RESPONSE_TOO_LARGE"
  /** The server answered with a body that does not match the wire contract (or is not JSON). */
  | "RESPONSE_VALIDATION_ERROR"
  /** A public method was called with bad arguments; nothing was sent. */
  | "INVALID_ARGUMENT"
  /** The app was constructed or used in a way that cannot work (missing project id, secret key in a browser, ...). */
  | "CONFIGURATION_ERROR"
  /** `getUser({ or: "throw" })` found nobody signed in. */
  | "USER_NOT_SIGNED_IN";

/** Any error code: an SDK code or a known-error code sent by the API. */
export type StackErrorCode = SdkErrorCode | (string & {});

const BRAND = Symbol.for("stack-payments.error");

/** Options accepted by the {@link StackPaymentsError} constructor. */
export interface StackPaymentsErrorInit {
  code: StackErrorCode;
  message: string;
  /** HTTP status, when the error came from an HTTP answer. */
  status?: number;
  /** The API's `details` object for known errors; extra context for SDK errors. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error class of the SDK.
 *
 * @example
 * try { await item.decreaseQuantity(5) }
 * catch (e) { if (isStackPaymentsError(e, "ITEM_NOT_FOUND")) ... }
 */
export class StackPaymentsError extends Error {
  readonly code: StackErrorCode;
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Brand checked by {@link isStackPaymentsError}, so guards work across duplicate bundles. */
  readonly [BRAND] = true;

  constructor(init: StackPaymentsErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "StackPaymentsError";
    this.code = init.code;
    this.status = init.status;
    this.details = init.details;
  }

  /** True when this error's code is `code` or a descendant of it in the API's error hierarchy. */
  is(code: StackErrorCode): boolean {
    return errorCodeIs(this.code, code);
  }
}

/**
 * Known-error hierarchy of the hosted API (child -> parent), for the families an SDK reacts to.
 * `isStackPaymentsError(e, "INVALID_ACCESS_TOKEN")` is true for `ACCESS_TOKEN_EXPIRED`.
 */
const PARENT: Record<string, string> = {
  ACCESS_TOKEN_EXPIRED: "INVALID_ACCESS_TOKEN",
  UNPARSABLE_ACCESS_TOKEN: "INVALID_ACCESS_TOKEN",
  INVALID_PROJECT_FOR_ACCESS_TOKEN: "INVALID_ACCESS_TOKEN",
  INVALID_ACCESS_TOKEN: "INVALID_SESSION_AUTHENTICATION",
  INVALID_SESSION_AUTHENTICATION: "SESSION_AUTHENTICATION_ERROR",
  REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED: "REFRESH_TOKEN_ERROR",
  CANNOT_DELETE_CURRENT_SESSION: "REFRESH_TOKEN_ERROR",
  ACCESS_TYPE_REQUIRED: "INVALID_PROJECT_AUTHENTICATION",
  INSUFFICIENT_ACCESS_TYPE: "INVALID_PROJECT_AUTHENTICATION",
  INVALID_PUBLISHABLE_CLIENT_KEY: "INVALID_PROJECT_AUTHENTICATION",
  INVALID_SECRET_SERVER_KEY: "INVALID_PROJECT_AUTHENTICATION",
  INVALID_SUPER_SECRET_ADMIN_KEY: "INVALID_PROJECT_AUTHENTICATION",
  INVALID_PROJECT_AUTHENTICATION: "PROJECT_AUTHENTICATION_ERROR",
  VERIFICATION_CODE_NOT_FOUND: "VERIFICATION_ERROR",
  VERIFICATION_CODE_EXPIRED: "VERIFICATION_ERROR",
};

/** True when `code` equals `ancestor` or descends from it in the API's error hierarchy. */
export function errorCodeIs(code: string, ancestor: string): boolean {
  for (let c: string | undefined = code; c; c = PARENT[c]) if (c === ancestor) return true;
  return false;
}

/**
 * Guard for SDK errors; checks a brand rather than `instanceof`, so it works when two copies of
 * the package are bundled. With `code`, also checks the code (hierarchy-aware).
 */
export function isStackPaymentsError(error: unknown, code?: StackErrorCode): error is StackPaymentsError {
  if (typeof error !== "object" || error === null || !(error as Record<symbol, unknown>)[BRAND]) return false;
  return code === undefined || errorCodeIs((error as StackPaymentsError).code, code);
}

/** Builds an `INVALID_ARGUMENT` error naming the argument; thrown before any request is sent. */
export function invalidArgument(argument: string, problem: string): StackPaymentsError {
  return new StackPaymentsError({
    code: "INVALID_ARGUMENT",
    message: `Invalid argument \`${argument}\`: ${problem}`,
    details: { argument },
  });
}
