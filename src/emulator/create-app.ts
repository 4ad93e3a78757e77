/**
 * The emulator's Hono app. Every answer passes the same pipeline:
 *
 *   common headers → status override → CORS → 405 for a known path → per route:
 *   body limit → body parse → project and user auth → access type → idempotency →
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
import { authenticate, requireAccess } from "./middleware/authenticate.js";
import { commonHeaders, statusOverride } from "./middleware/common-headers.js";
import type { AppServices, EmulatorEnv } from "./middleware/emulator-env.js";
import { limitBody, readBody } from "./middleware/read-body.js";
import { runRoute, zodInput } from "./middleware/route-steps.js";
import { providerCatchUp } from "./provider/catch-up.js";

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

/** The steps of one route, in the pipeline's order. */
function routeChain(route: Route): MiddlewareHandler<EmulatorEnv>[] {
  const steps: MiddlewareHandler<EmulatorEnv>[] = [limitBody(), readBody(), authenticate(route.access), requireAccess(route.access), idempotency()];
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
      onMethodNotAllowed: (c) => textResponse(405, `Method ${c.req.method} is not allowed on ${new URL(c.req.url).pathname}`),
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

  app.notFound((c) => textResponse(404, `Not found: ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(error);
    // The database restarting or unreachable: 503 with Retry-After, which the SDK retries (a
    // write only with an idempotency key, the one safe repeat should the failure hit its COMMIT).
    const unavailable = storageFailureResponse(error);
    if (unavailable) return unavailable;
    if (error instanceof HTTPException) return error.getResponse();
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return textResponse(500, `Something went wrong. Please make sure the data you entered is correct.\n\nRequest ID: ${c.var.requestId}\n\n${detail}`);
  });
  return app;
}
