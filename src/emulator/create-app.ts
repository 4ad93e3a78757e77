/**
 * The emulator's Hono app. Every answer passes the same pipeline:
 *
 *   common headers → status override → CORS → 405 for a known path → per route:
 *   body (size limit, UTF-8, parse) → project and user auth → access type → idempotency →
 *   params / query / body validation → handler
 *
 * and every error, wherever thrown, becomes its answer in one error handler (`app.onError`),
 * unknown paths in one not-found handler.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { REQUEST_HEADER_NAMES, RESPONSE_HEADER_NAMES } from "../core/wire-constants.js";
import { storageFailureResponse } from "./db-retry.js";
import { IDEMPOTENCY_RESULT_HEADER, IDEMPOTENCY_SUPPORTED_HEADER } from "./defaults.js";
import { ApiError, errorResponse, textResponse, type Route } from "./http.js";
import { idempotency } from "./idempotency.js";
import { recheckStreamAccess } from "./live-event-routes.js";
import { authenticate, requireAccess } from "./middleware/authenticate.js";
import { commonHeaders, statusOverride } from "./middleware/common-headers.js";
import type { AppServices, EmulatorEnv } from "./middleware/emulator-env.js";
import { readBody } from "./middleware/read-body.js";
import { checkStorableInput, runRoute, zodInput } from "./middleware/route-steps.js";
import { recordActivity } from "./dashboard/dashboard-routes.js";
import { providerCatchUp } from "./provider/catch-up.js";

/** The emulator's icon: a 32×32 PNG (browsers read PNG data at `/favicon.ico`). */
const FAVICON_PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAhUlEQVR42u2XSw6AIAxE5wq9tgf1FkZ3LjSitBmnVUi6g7wXAv0Ah2VmKzNwtdjgpsjb8JOEVEAF3yXKCSzz1AyawB3YKwIGvEcCLPhTCXjhkb0hAc+NuQQiD6vnbB2BaL4YAvUF/vcL5IkoRSqWF6MU5ThFQ5KiJftuVzwmoxTDqXI83wCRfIvzrZKJKQAAAABJRU5ErkJggg==",
  ),
  (ch) => ch.charCodeAt(0),
);

/** The API version prefixes every API route is served under. */
export const API_PREFIXES = ["/api/v1", "/api/latest"] as const;

const CORS_ALLOW_HEADERS = [
  "content-type",
  "authorization",
  "idempotency-key",
  "last-event-id",
  "ngrok-skip-browser-warning",
  ...REQUEST_HEADER_NAMES.flatMap((n) => [`x-stack-${n}`, `x-hexclave-${n}`]),
];
const CORS_EXPOSE_HEADERS = [
  "content-type",
  ...RESPONSE_HEADER_NAMES.flatMap((n) => [`x-stack-${n}`, `x-hexclave-${n}`]),
  IDEMPOTENCY_SUPPORTED_HEADER,
  IDEMPOTENCY_RESULT_HEADER,
];

/** Options of {@link createApp}. */
export interface AppOptions extends AppServices {
  /** Routes below `/api/v1` and `/api/latest`. */
  apiRoutes: readonly Route[];
  /** Routes with absolute paths (checkout and onboarding pages, health). */
  rootRoutes: readonly Route[];
}

/**
 * Database errors (by SQLSTATE) that mean a request carried a value storage cannot hold. The
 * route checks refuse such input first, naming the field; these catch whatever they miss, as a
 * 400 rather than a 500.
 */
const UNSTORABLE_VALUE_STATES: Readonly<Record<string, string>> = {
  "22001": "a value is longer than storage allows",
  "22003": "a number is out of the range storage allows",
  "22008": "a date is out of the range storage allows",
  "22021": "a value contains bytes that are not valid text",
  "22P02": "a value is not in the format storage expects",
  "22P05": "a value contains characters storage cannot hold",
  "54000": "a value is too large to store",
};

/** The problem line for a database error caused by an unstorable input value, or null. */
function unstorableValueProblem(error: unknown): string | null {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== "string" || !Object.hasOwn(UNSTORABLE_VALUE_STATES, code)) return null;
  return `The request could not be stored: ${UNSTORABLE_VALUE_STATES[code]}.`;
}

/** The steps of one route, in the pipeline's order. */
function routeChain(route: Route): MiddlewareHandler<EmulatorEnv>[] {
  const steps: MiddlewareHandler<EmulatorEnv>[] = [
    readBody(),
    authenticate(route.access),
    requireAccess(route.access),
    idempotency(),
    checkStorableInput(),
  ];
  if (route.params) steps.push(zodInput("params", route.params));
  if (route.query) steps.push(zodInput("query", route.query));
  if (route.body) steps.push(zodInput("body", route.body as Parameters<typeof zodInput>[1]));
  return steps;
}

/**
 * Hono matches routes in registration order; the hosted API (and the emulator before it) picks
 * the most literal pattern, so `/users/me` wins over `/users/:user_id` whatever the list order.
 */
function byLiteralSegments(routes: readonly Route[]): Route[] {
  const literal = (r: Route) => r.path.split("/").filter((s) => s !== "" && !s.startsWith(":")).length;
  return [...routes].sort((a, b) => literal(b) - literal(a));
}

/**
 * Builds the app serving `apiRoutes` under `/api/v1` and `/api/latest` and `rootRoutes` at their
 * absolute paths.
 */
export function createApp(options: AppOptions): Hono<EmulatorEnv> {
  const { apiRoutes, rootRoutes, ...services } = options;
  // Not strict: a trailing slash names the same route, as the SDK strips it anyway.
  const app = new Hono<EmulatorEnv>({ strict: false });
  app.use(recordActivity(services));
  app.use(recheckStreamAccess());
  app.use(commonHeaders(services));
  app.use(statusOverride());
  app.use(providerCatchUp());
  app.use(
    cors({
      origin: "*",
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: CORS_ALLOW_HEADERS,
      exposeHeaders: CORS_EXPOSE_HEADERS,
      maxAge: 86_400,
    }),
  );
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const res = textResponse(405, `Method ${c.req.method} is not allowed on ${new URL(c.req.url).pathname}`);
        res.headers.set("allow", methods.join(", "));
        return res;
      },
    }),
  );
  for (const route of byLiteralSegments(apiRoutes))
    app.on(
      route.method,
      API_PREFIXES.map((prefix) => `${prefix}${route.path}`),
      ...routeChain(route),
      runRoute(route),
    );
  for (const route of byLiteralSegments(rootRoutes)) app.on(route.method, [route.path], ...routeChain(route), runRoute(route));

  // Browsers ask every page's origin for it; without it each emulator page logs a 404.
  app.get("/favicon.ico", () => new Response(FAVICON_PNG, { headers: { "content-type": "image/png", "cache-control": "public, max-age=86400" } }));

  app.notFound((c) => textResponse(404, `Not found: ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(error);
    // The database restarting or unreachable: 503 with Retry-After, which the SDK retries (a
    // write only with an idempotency key, the one safe repeat should the failure hit its COMMIT).
    const unavailable = storageFailureResponse(error);
    if (unavailable) return unavailable;
    if (error instanceof HTTPException) return error.getResponse();
    const url = new URL(c.req.url);
    const unstorable = unstorableValueProblem(error);
    if (unstorable !== null) return errorResponse(ApiError.schema(c.req.method, url.pathname, [unstorable]));
    // Details (stack traces, SQL) go to the emulator's log only: the caller gets the request id
    // to find them there, as from the hosted API.
    services.reportError(error, { requestId: c.var.requestId, method: c.req.method, path: url.pathname + redactedSearch(url.search) });
    return textResponse(500, `Something went wrong. Please make sure the data you entered is correct.\n\nRequest ID: ${c.var.requestId}`);
  });
  return app;
}

// Query parameters that carry a bearer secret (a checkout's client secret, a purchase code, a token
// or key): whoever reads the emulator's log must not be able to pay, check out or sign in with them.
const SECRET_PARAM = /secret|token|password|(?:^|_)key$|code$/i;

/** A query string with the values of its secret-bearing parameters replaced, the rest as sent. */
function redactedSearch(search: string): string {
  if (search.length <= 1) return search;
  const parts = search.slice(1).split("&").map((part) => {
    const eq = part.indexOf("=");
    const rawName = eq === -1 ? part : part.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, " "));
    } catch {
      // A malformed escape: matched as sent.
    }
    return eq !== -1 && SECRET_PARAM.test(name) ? `${rawName}=[redacted]` : part;
  });
  return `?${parts.join("&")}`;
}
