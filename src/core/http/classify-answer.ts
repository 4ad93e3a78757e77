/**
 * Classifying an answer (or its absence): the status override, redirects, the capped body read,
 * JSON and shape checks, and the mapping of every failure to a {@link StackPaymentsError}.
 */
import { checkShape, type Shape } from "../wire-shape.js";
import { StackPaymentsError } from "../errors.js";
import { HEADER_PREFIXES } from "../wire-constants.js";
import { loadOnFirstUse } from "../load-on-first-use.js";

/**
 * Largest answer body the SDK reads: 10 MiB. A larger one is refused with `RESPONSE_TOO_LARGE`
 * as soon as its `content-length` or its running byte count passes the limit, so a hostile or
 * misconfigured server cannot make the SDK buffer an unbounded body. API answers are a few KB.
 */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** The end of every message about a write whose fate is unknown. */
const MAYBE_APPLIED = "it may or may not have been applied. Read the current state before trying again.";

/** The call an answer belongs to, as messages and the outcome rules need it. */
export interface CallInfo {
  method: string;
  /** Path under `/api/v1`, for messages and `details`. */
  path: string;
  url: string;
  /** True when repeating the request could apply it twice (POST/PATCH). */
  write: boolean;
  /** True when the request carries an `Idempotency-Key`. */
  sentKey: boolean;
}

/** Reads a response header in either spelling (`x-stack-` or `x-hexclave-`); `name` has no prefix. */
export function answerHeader(response: Response, name: string): string | null {
  for (const prefix of HEADER_PREFIXES) {
    const value = response.headers.get(prefix + name);
    if (value !== null) return value;
  }
  return null;
}

/** The answer's real status: `x-stack-actual-status` when the server overrode it, else the HTTP status. */
export function actualStatus(response: Response): number {
  const header = Number(answerHeader(response, "actual-status"));
  return Number.isInteger(header) && header >= 200 && header <= 599 ? header : response.status;
}

/**
 * True for the emulator's "this Idempotency-Key is still being processed" answer: a 409 that is
 * not a known error, to a request that carried a key (`sentKey`).
 */
export function isInProgressAnswer(response: Response, sentKey: boolean): boolean {
  return sentKey && actualStatus(response) === 409 && !answerHeader(response, "known-error");
}

/**
 * The errors of answers an API does not send (a redirect, a body over the limit, a 2xx that is not
 * JSON), in rare-answer-errors.ts: loaded on first use. The server did answer, so if that load
 * fails the call fails with NETWORK_ERROR, and nothing more is sent.
 */
const loadRareAnswerErrors = loadOnFirstUse(() => import("./rare-answer-errors.js"), "error messages");

/**
 * Refuses redirects (the request was sent with `redirect: "manual"`) and applies the status
 * override, so everything after sees the real status. Resolves `response` itself when nothing
 * changes; `copyBody` when the caller will cancel `response`'s body afterwards (ky does, for the
 * response it hands to an afterResponse hook).
 */
export async function normalizeAnswer(response: Response, request: { method: string; url: string }, copyBody = false): Promise<Response> {
  if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400 && response.status !== 304)) {
    throw (await loadRareAnswerErrors()).redirectError(response, request);
  }
  const status = actualStatus(response);
  if (status === response.status) return response;
  const body = status === 204 || status === 205 || status === 304 ? null : copyBody ? response.clone().body : response.body;
  return new Response(body, { status, headers: response.headers });
}

/**
 * Reads a body as text, refusing it with `RESPONSE_TOO_LARGE` once its `content-length` or its
 * running byte count passes `limit`; the rest is never downloaded.
 */
export async function readText(response: Response, limit: number, what: string): Promise<string> {
  const tooLarge = async () => (await loadRareAnswerErrors()).tooLargeError(response, limit, what);
  if (Number(response.headers.get("content-length")) > limit) {
    void response.body?.cancel().catch(() => {});
    throw await tooLarge();
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (let size = 0; ; ) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    if ((size += value.byteLength) > limit) {
      void reader.cancel().catch(() => {});
      throw await tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

/** Parses a 2xx body as JSON (empty → `{}`); anything else is `RESPONSE_VALIDATION_ERROR` saying what came instead. */
export async function parseJson(text: string, response: Response, what: string): Promise<unknown> {
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw (await loadRareAnswerErrors()).notJsonError(text, response, what, cause);
  }
}

/** Checks `value` against `shape`; a mismatch becomes `RESPONSE_VALIDATION_ERROR` naming the field path. */
export function validate<T>(shape: Shape<T>, value: unknown, what: string): T {
  const mismatch = checkShape(shape, value);
  if (mismatch) throw validationError(what, mismatch.path, mismatch.problem);
  return value as T;
}

/** A `RESPONSE_VALIDATION_ERROR` naming the field of the answer that breaks the contract. */
export function validationError(what: string, path: string, problem: string): StackPaymentsError {
  return new StackPaymentsError({
    code: "RESPONSE_VALIDATION_ERROR",
    message: `The API's answer to ${what} does not match the wire contract at \`${path || "(root)"}\`: ${problem}.`,
    details: { path },
  });
}

/**
 * The error of a non-2xx answer: the known error it names (code, details, message), or for a write
 * whose answer says nothing about its fate (5xx, a key still in progress, a 429 after an attempt
 * that may have applied) `OUTCOME_UNKNOWN`, else `HTTP_ERROR` with the server's own text.
 */
export async function answerError(response: Response, call: CallInfo, maybeApplied: boolean): Promise<StackPaymentsError> {
  const status = response.status;
  const what = `${call.method} ${call.path}`;
  const text = await readText(response, MAX_RESPONSE_BYTES, what).catch(() => "");
  const knownCode = answerHeader(response, "known-error");
  if (knownCode) {
    let body: { code?: unknown; details?: unknown; error?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // keep the header's code; the message falls back to the raw text
    }
    const code = typeof body.code === "string" ? body.code : knownCode;
    return new StackPaymentsError({
      code,
      status,
      message: typeof body.error === "string" ? body.error : text || code,
      ...(body.details && typeof body.details === "object" ? { details: body.details as Record<string, unknown> } : {}),
    });
  }
  const details = { method: call.method, path: call.path };
  const inProgress = isInProgressAnswer(response, call.sentKey);
  if (call.write && (status >= 500 || inProgress || (status === 429 && maybeApplied))) {
    return new StackPaymentsError({
      code: "OUTCOME_UNKNOWN",
      status,
      message: `${what} was answered ${status}${inProgress ? " (an earlier attempt is still in progress)" : ""}; ${MAYBE_APPLIED}`,
      details: { ...details, status },
    });
  }
  return new StackPaymentsError({
    code: "HTTP_ERROR",
    status,
    message: text || `The API answered ${what} with status ${status}.`,
    details,
  });
}

/** Failure codes and messages (Node/undici, Bun, Deno) that mean no byte of the request left this machine. */
const NOTHING_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|ConnectionRefused|Connection refused/;

/**
 * True when a fetch failure proves nothing was sent (refused connection, unknown host): even a
 * write may then be repeated, and its failure is `NETWORK_ERROR`, never `OUTCOME_UNKNOWN`.
 * Browsers report every failure as a bare `TypeError`, so there this is always false.
 */
export function nothingSent(error: unknown): boolean {
  for (let e = error as { message?: unknown; code?: unknown; cause?: unknown } | undefined, depth = 0; e && typeof e === "object" && depth < 4; e = e.cause as typeof e, depth++) {
    if (NOTHING_SENT.test(`${String(e.code ?? "")} ${String(e.message ?? "")}`)) return true;
  }
  return false;
}

/** A host where the emulator would run: localhost, 127.x.x.x, [::1]. */
const LOCAL = /^(localhost|.*\.localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/;

/**
 * The error of a call that got no answer: `TIMEOUT` for an attempt that ran out of time (`timedOut`: ky's timeout error), else
 * `OUTCOME_UNKNOWN` for a write that may have reached the server, else `NETWORK_ERROR` naming the
 * URL (and, for a local URL nobody listens on, how to start the emulator).
 */
export function failureError(error: unknown, call: CallInfo, maybeApplied: boolean, timedOut: boolean): StackPaymentsError {
  const what = `${call.method} ${call.path}`;
  const unknown = call.write && maybeApplied;
  const cause = error as { message?: string; cause?: { code?: string; message?: string } };
  const why = cause.cause?.code ?? cause.cause?.message ?? cause.message;
  const details: Record<string, unknown> = { method: call.method, path: call.path, url: call.url, ...(unknown ? { outcomeUnknown: true } : {}) };
  if (timedOut) return new StackPaymentsError({ code: "TIMEOUT", message: `An attempt at ${what} timed out${unknown ? `; ${MAYBE_APPLIED}` : "."}`, details, cause });
  if (unknown) return new StackPaymentsError({ code: "OUTCOME_UNKNOWN", message: `${what} got no answer (${why}); ${MAYBE_APPLIED}`, details, cause });
  const hint = nothingSent(error) && LOCAL.test(new URL(call.url).hostname) ? " Nothing is listening there: start the emulator with `npx stack-payments emulator`, or set baseUrl to your API." : "";
  return new StackPaymentsError({ code: "NETWORK_ERROR", message: `${what} failed: ${call.url} could not be reached (${why}).${hint}`, details, cause });
}
