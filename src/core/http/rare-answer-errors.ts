/**
 * The errors of answers an API does not send: a redirect (the SDK sends every request with
 * `redirect: "manual"` and never follows one), a body over the SDK's limit, a 2xx that is not
 * JSON. Loaded only when one comes.
 */
import { StackPaymentsError } from "../errors.js";

/**
 * `UNEXPECTED_REDIRECT` for `response` (a 3xx, or a browser's opaque redirect) to `request`, naming
 * the target when it can be seen, and saying to set `baseUrl` when the target is another origin.
 */
export function redirectError(response: Response, request: { method: string; url: string }): StackPaymentsError {
  const from = new URL(request.url);
  const location = response.headers.get("location");
  let to: URL | undefined;
  try {
    // A browser hides the target of a redirect it did not follow (an opaque redirect).
    if (location !== null) to = new URL(location, from);
  } catch {
    // an unparsable Location is reported as hidden
  }
  const elsewhere = to && to.origin !== from.origin;
  return new StackPaymentsError({
    code: "UNEXPECTED_REDIRECT",
    ...(response.status ? { status: response.status } : {}),
    message: `The API answered ${request.method} ${from.pathname} with a redirect${to ? ` to ${to.href}` : ""}. The SDK never follows redirects: nothing was sent there.${elsewhere ? ` If ${to!.origin} is your API, set baseUrl to it.` : ""}`,
    details: { location: to?.href ?? null, sameOrigin: to ? !elsewhere : null },
  });
}

/** `RESPONSE_TOO_LARGE`: the answer to `what` is over `limit` bytes; it was not read. */
export function tooLargeError(response: Response, limit: number, what: string): StackPaymentsError {
  return new StackPaymentsError({
    code: "RESPONSE_TOO_LARGE",
    status: response.status,
    message: `The API's answer to ${what} is larger than the SDK's limit of ${limit} bytes; it was not read.`,
    details: { limit },
  });
}

/** `RESPONSE_VALIDATION_ERROR` for a 2xx answer that is not JSON, saying what came instead. */
export function notJsonError(text: string, response: Response, what: string, cause: unknown): StackPaymentsError {
  const type = response.headers.get("content-type");
  return new StackPaymentsError({
    code: "RESPONSE_VALIDATION_ERROR",
    message: `The API's answer to ${what} is not JSON (content-type ${type}): is baseUrl the Stack API, not a web page? It starts: ${text.slice(0, 60)}`,
    details: { path: "", contentType: type },
    cause,
  });
}
