/**
 * The outermost steps of every answer: the headers each one carries (request id in both
 * prefixes, `no-store` unless the route chose caching, the idempotency flag, `nosniff`, and
 * frame protection on HTML pages) and the hosted
 * API's error-status override (`x-stack-override-error-status: true` turns a 4xx into 200 with
 * the real status in `x-stack-actual-status`).
 */
import { createMiddleware } from "hono/factory";
import { IDEMPOTENCY_SUPPORTED_HEADER } from "../../core/wire-constants.js";
import { headerReader, type AppServices, type EmulatorEnv } from "./emulator-env.js";

/** Replaces the context's answer without Hono merging the old answer's headers into it. */
function replaceAnswer(c: { res: Response }, next: Response): void {
  (c as { res: Response | undefined }).res = undefined;
  c.res = next;
}

/**
 * Sets up the request (services, request id, header reader) and stamps the common headers on
 * whatever answer comes back.
 */
export function commonHeaders(services: AppServices) {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const requestId = crypto.randomUUID();
    c.set("services", services);
    c.set("requestId", requestId);
    c.set("header", headerReader(c.req.raw.headers));
    await next();
    const headers = c.res.headers;
    headers.set("x-stack-request-id", requestId);
    headers.set("x-hexclave-request-id", requestId);
    if (!headers.has("cache-control")) headers.set("cache-control", "no-store, max-age=0");
    headers.set(IDEMPOTENCY_SUPPORTED_HEADER, "true");
    headers.set("x-content-type-options", "nosniff");
    if ((headers.get("content-type") ?? "").toLowerCase().startsWith("text/html")) protectFromFraming(headers);
  });
}

/**
 * Every HTML page of the emulator (checkout, onboarding, dashboard) refuses to be framed, so no
 * other site can overlay it to trick a click on its buttons.
 */
function protectFromFraming(headers: Headers): void {
  headers.set("x-frame-options", "DENY");
  const csp = headers.get("content-security-policy");
  if (csp === null) headers.set("content-security-policy", "frame-ancestors 'none'");
  else if (!/(^|;)\s*frame-ancestors\s/i.test(csp)) headers.set("content-security-policy", `${csp}; frame-ancestors 'none'`);
}

/** Answers a 4xx with 200 and `x-stack-actual-status` when the caller asked for it; never a 5xx. */
export function statusOverride() {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    await next();
    const status = c.res.status;
    if (c.var.header("x-stack-override-error-status") !== "true" || status < 400 || status >= 500) return;
    const headers = new Headers(c.res.headers);
    headers.set("x-stack-actual-status", String(status));
    headers.set("x-hexclave-actual-status", String(status));
    replaceAnswer(c, new Response(c.res.body, { status: 200, statusText: "OK", headers }));
  });
}
