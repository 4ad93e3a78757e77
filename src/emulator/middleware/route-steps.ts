/**
 * The last steps of a route: validating its params, query and body with the route's zod schemas
 * (a `SCHEMA_ERROR` in the hosted API's wording names every bad field), then running its handler
 * and turning what it returns into the answer (checked against the answer schema when asked).
 */
import * as z from "zod/mini";
import { createMiddleware } from "hono/factory";
import type { Handler } from "hono";
import { ApiError, JsonAnswer, jsonResponse, type RequestContext, type Route } from "../http.js";
import { schemaProblems } from "../validate.js";
import type { EmulatorEnv } from "./emulator-env.js";

type Target = "params" | "query" | "body";

/** Raw input of a target. */
function rawInput(ctx: RequestContext, target: Target): unknown {
  if (target === "params") return ctx.params;
  if (target === "query") return Object.fromEntries(ctx.url.searchParams);
  return ctx.body;
}

const validatedKey = Symbol("validated input");
type Validated = Record<Target, unknown>;

function validated(ctx: RequestContext): Validated {
  const holder = ctx as RequestContext & { [validatedKey]?: Validated };
  holder[validatedKey] ??= { params: ctx.params, query: Object.fromEntries(ctx.url.searchParams), body: ctx.body };
  return holder[validatedKey];
}

/**
 * Longest accepted id, in UTF-8 bytes: a path parameter, or a query or top-level body field
 * named `id` or `*_id`. Ids are stored in indexed columns, whose entries must fit in a database
 * page; a longer id could never be stored.
 */
export const MAX_ID_BYTES = 1024;

const utf8 = new TextEncoder();

/** Problem lines for NUL characters in any string or key of `value` (storage cannot hold them). */
function nulProblems(value: unknown, where: string): string[] {
  const problems: string[] = [];
  // Iterative: bodies are depth-limited, but nothing here should depend on that.
  const pending: { value: unknown; path: string }[] = [{ value, path: where }];
  while (pending.length > 0 && problems.length < 10) {
    const { value: node, path } = pending.pop()!;
    if (typeof node === "string") {
      if (node.includes("\u0000")) problems.push(`${path} must not contain NUL characters (\\u0000)`);
    } else if (typeof node === "object" && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        if (key.includes("\u0000")) problems.push(`${path} must not have keys containing NUL characters (\\u0000)`);
        else pending.push({ value: child, path: Array.isArray(node) ? `${path}[${key}]` : `${path}.${key}` });
      }
    }
  }
  return problems;
}

/** Problem lines for ids longer than {@link MAX_ID_BYTES}. */
function idLengthProblems(fields: Record<string, unknown>, where: string, all: boolean): string[] {
  return Object.entries(fields)
    .filter(([key, v]) => (all || key === "id" || key.endsWith("_id")) && typeof v === "string" && utf8.encode(v).length > MAX_ID_BYTES)
    .map(([key]) => `${where}.${key} must be at most ${MAX_ID_BYTES} bytes long`);
}

/**
 * Refuses input no route could store, with `SCHEMA_ERROR` naming each field: NUL characters in
 * any string (params, query, body, at any depth, keys included) and ids over
 * {@link MAX_ID_BYTES}. Runs on every route, declared schemas or not.
 */
export function checkStorableInput() {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const ctx = c.var.ctx;
    const query = Object.fromEntries(ctx.url.searchParams);
    const body = ctx.body;
    const problems = [
      ...nulProblems(ctx.params, "params"),
      ...idLengthProblems(ctx.params, "params", true),
      ...nulProblems(query, "query"),
      ...idLengthProblems(query, "query", false),
      ...nulProblems(body, "body"),
      ...(typeof body === "object" && body !== null && !Array.isArray(body) ? idLengthProblems(body as Record<string, unknown>, "body", false) : []),
    ];
    if (problems.length > 0) throw ApiError.schema(ctx.method, ctx.url.pathname, problems);
    await next();
  });
}

/**
 * A zod validator step for one target of a route: parses it (params, then query, then body, in
 * the chain's order) and keeps the parsed value for the handler.
 *
 * @example
 * app.post(path, zodInput("body", updateQuantityBodySchema), handler);
 */
export function zodInput(target: Target, schema: z.ZodMiniType | ((ctx: RequestContext) => z.ZodMiniType)) {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const ctx = c.var.ctx;
    const value = rawInput(ctx, target);
    const chosen = typeof schema === "function" ? schema(ctx) : schema;
    const result = z.safeParse(chosen, value);
    if (!result.success) throw ApiError.schema(ctx.method, ctx.url.pathname, schemaProblems(result.error.issues, target, value));
    validated(ctx)[target] = result.data;
    await next();
  });
}

/** The route's handler as Hono's final handler: runs it, then answers JSON (200 or its own status) or its `Response`. */
export function runRoute(route: Route): Handler<EmulatorEnv> {
  return async (c) => {
    const ctx = c.var.ctx;
    const input = validated(ctx);
    const result = await route.handler(ctx, input as Parameters<Route["handler"]>[1]);
    if (result instanceof Response) return result;
    const { status, body, headers } = result instanceof JsonAnswer ? result : new JsonAnswer(200, result === undefined ? null : result);
    if (c.var.services.checkAnswers && route.response && status < 300) {
      const checked = z.safeParse(route.response, body);
      if (!checked.success)
        throw new Error(`The answer of ${route.method} ${route.path} does not match its schema:\n${schemaProblems(checked.error.issues, "answer", body).join("\n")}`);
    }
    return jsonResponse(status, body, headers);
  };
}
