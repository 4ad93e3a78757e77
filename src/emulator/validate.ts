/**
 * Request validation with the zod wire schemas, answering as the hosted API does: `SCHEMA_ERROR`
 * with one readable problem line per failure, each naming the field.
 */
import * as z from "zod/mini";
import type { RequestContext } from "./http.js";
import { ApiError } from "./http.js";

type Issue = z.core.$ZodIssue;

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function fieldName(where: string, path: readonly PropertyKey[]): string {
  let name = where;
  for (const key of path) name += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return name;
}

/** One issue as a hosted-API-style problem line. */
function problemLine(issue: Issue, where: string, root: unknown): string[] {
  const field = fieldName(where, issue.path);
  const value = valueAt(root, issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return [`${field} contains unknown properties: ${issue.keys.join(", ")}`];
    case "invalid_type": {
      if (value === undefined) return [`${field} must be defined`];
      const expected = issue.expected === "int" ? "integer" : issue.expected;
      return [`${field} must be a \`${expected}\` type, but the final value was: \`${describe(value)}\`.`];
    }
    case "too_small": {
      const bound = String(issue.minimum);
      if (issue.origin === "string") return [`${field} must be at least ${bound} characters`];
      if (issue.origin === "array") return [`${field} must have at least ${bound} items`];
      return [`${field} must be greater than ${issue.inclusive ? "or equal to " : ""}${bound}`];
    }
    case "too_big": {
      const bound = String(issue.maximum);
      if (issue.origin === "string") return [`${field} must be at most ${bound} characters`];
      if (issue.origin === "array") return [`${field} must have at most ${bound} items`];
      return [`${field} must be less than ${issue.inclusive ? "or equal to " : ""}${bound}`];
    }
    case "invalid_format":
      if (issue.format === "uuid" || issue.format === "guid") return [`${field} must be a valid UUID`];
      if (issue.format === "email") return [`${field} must be a valid email`];
      if (issue.format === "url") return [`${field} must be a valid URL`];
      if (issue.format === "regex") return [`${field} must match the following: "${String((issue as { pattern?: unknown }).pattern)}"`];
      return [`${field} must be a valid ${issue.format}`];
    case "invalid_value":
      return [`${field} must be one of the following values: ${issue.values.map((v) => String(v)).join(", ")}`];
    case "invalid_union": {
      const nested = issue.errors.flat();
      if (nested.length > 0 && nested.every((n) => n.code === "invalid_type") && value !== undefined)
        return [`${field} has an invalid type: \`${describe(value)}\` matches none of the allowed types.`];
      return [`${field} is invalid: \`${describe(value)}\` matches none of the allowed forms.`];
    }
    case "not_multiple_of":
      return [`${field} must be a multiple of ${String(issue.divisor)}`];
    case "invalid_key":
      return [`${field} has an invalid key`];
    case "invalid_element":
      return [`${field} has an invalid element`];
    default:
      return [`${field} is invalid${issue.message && issue.message !== "Invalid input" ? `: ${issue.message}` : ""}`];
  }
}

/** Problem lines for a failed parse, in the hosted API's wording. */
export function schemaProblems(issues: readonly Issue[], where: string, root: unknown): string[] {
  return issues.flatMap((issue) => problemLine(issue, where, root));
}

/**
 * Parses `value` with `schema`; on failure throws `SCHEMA_ERROR` naming every bad field.
 *
 * @example
 * const body = parseWith(ctx, updateQuantityBodySchema, ctx.body, "body");
 */
export function parseWith<S extends z.ZodMiniType>(
  ctx: Pick<RequestContext, "method" | "url">,
  schema: S,
  value: unknown,
  where: "body" | "query" | "params",
): z.infer<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  throw ApiError.schema(ctx.method, ctx.url.pathname, schemaProblems(result.error.issues, where, value));
}

/**
 * `schema` for a body that may be absent: a missing body is read as `{}` (so the answer names the
 * missing fields rather than the body).
 */
export function orEmptyObject<S extends z.ZodMiniType>(schema: S): z.ZodMiniType<z.output<S>, unknown> {
  const fill = z.transform((value: unknown): unknown => value ?? {});
  return z.pipe(fill, schema) as unknown as z.ZodMiniType<z.output<S>, unknown>;
}
