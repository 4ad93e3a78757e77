/**
 * The error of a redirect answer. The SDK sends every request with `redirect: "manual"` and never
 * follows one; an API does not redirect, so this is loaded only when one does.
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
