/**
 * Compiles a zod schema to the compact shape that `src/core/wire-shape.ts` checks in the browser,
 * keeping every check zod would run. Whatever the shape form cannot say exactly (a custom
 * refinement, a transform, a URL check, a default...) stops the compilation with an
 * {@link UnsupportedSchemaError} naming the field and the feature: a shape never accepts what its
 * schema refuses, nor the other way round.
 *
 * It reads zod's schema definitions (`schema._zod.def`, the form zod's own JSON Schema and compile
 * modules read), checked against zod 4's parsing rules: required keys must be present (`key in`),
 * string lengths count code points, `z.int()` is a safe integer, records skip `__proto__`.
 */
import type { $ZodType } from "zod/v4/core";
import * as z from "zod/mini";
import type { ShapeCheck, ShapeDesc } from "../../src/core/wire-shape.js";

/** Thrown when a schema uses a zod feature that a shape cannot encode exactly. */
export class UnsupportedSchemaError extends Error {
  override name = "UnsupportedSchemaError";
  /** Where in the schema, e.g. `productsListResponseSchema.items[].product.display_name`. */
  readonly at: string;
  constructor(at: string, feature: string) {
    super(`Cannot encode ${feature} at \`${at}\` as a wire shape: the browser check would differ from zod. Drop it from the schema or teach scripts/wire-shapes/compile-shape.ts to encode it exactly.`);
    this.at = at;
  }
}

type Def = Record<string, unknown> & { type: string; checks?: $ZodType[] };
type Internals = {
  def: Def;
  traits: Set<string>;
  optin?: string | undefined;
  optout?: string | undefined;
  values?: Set<unknown> | undefined;
  check?: unknown;
};

const internals = (schema: unknown): Internals => (schema as { _zod: Internals })._zod;

/**
 * String formats whose whole zod check is `def.pattern.test(value)`. Formats that run code of their
 * own (url, jwt, base64, ipv6, cidrv6, credit cards, IBAN, custom formats) are not listed, so they
 * fail loudly; so does any format a later zod adds.
 */
const PATTERN_FORMATS = new Set([
  "regex", "email", "guid", "uuid", "nanoid", "cuid", "cuid2", "ulid", "xid", "ksuid", "datetime", "date",
  "time", "duration", "ipv4", "cidrv4", "e164", "emoji", "lowercase", "uppercase", "starts_with", "ends_with",
  "hostname", "hex", "mac",
]);

/** Def keys each schema type may carry without changing what it accepts (beyond those encoded). */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  string: [],
  number: [],
  boolean: [],
  unknown: [],
  any: [],
  never: [],
  null: [],
  undefined: [],
  literal: ["values"],
  enum: ["entries"],
  object: ["shape", "catchall"],
  array: ["element"],
  record: ["keyType", "valueType", "mode"],
  tuple: ["items", "rest"],
  union: ["options", "discriminator", "inclusive", "unionFallback"],
  optional: ["innerType"],
  nullable: ["innerType"],
  readonly: ["innerType"],
};
/** Keys every def or check may carry that only shape error messages or early aborts. */
const MESSAGE_KEYS = new Set(["type", "error", "abort", "check"]);

// A length check's default `when` (run only on values with a length) is a closure zod does not
// export; its source text identifies it.
const DEFAULT_LENGTH_WHEN = String((internals(z.maxLength(1)).def as { when?: unknown }).when);

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A pattern zod tests with `lastIndex = 0`; `g` then changes nothing, `y` would need the reset. */
function patternOf(pattern: RegExp, at: string): RegExp {
  if (pattern.flags.includes("y")) throw new UnsupportedSchemaError(at, `a sticky pattern ${String(pattern)}`);
  return pattern.flags.includes("g") ? new RegExp(pattern.source, pattern.flags.replace("g", "")) : pattern;
}

/** The next double above (`dir` 1) or below (`dir` -1) `x`: `v > x` is `v >= next(x, 1)`. */
function nextDouble(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  // Away from zero adds one to the bits of the magnitude; towards zero takes one.
  view.setBigInt64(0, view.getBigInt64(0) + ((x > 0) === (dir > 0) ? 1n : -1n));
  return view.getFloat64(0);
}

/** What the checks of one string, number or array schema add up to. */
interface Checks {
  patterns: RegExp[];
  /** Inclusive bounds of the number, or of the length. */
  min: number;
  max: number;
  integer: boolean;
}

/** Adds one zod check to `out`. */
function compileCheck(check: $ZodType, base: "s" | "n" | "a", at: string, out: Checks): void {
  const def = internals(check).def;
  const kind = def.check as string | undefined;
  const known = (...keys: string[]) => {
    for (const [key, value] of Object.entries(def)) {
      // `checks` is the list of a schema that is itself a check (z.int()): compiled by the caller.
      if (value !== undefined && !MESSAGE_KEYS.has(key) && key !== "checks" && !keys.includes(key)) throw new UnsupportedSchemaError(at, `the option \`${key}\` of a \`${String(kind)}\` check`);
    }
  };
  const atLeast = (n: number) => void (out.min = Math.max(out.min, n));
  const atMost = (n: number) => void (out.max = Math.min(out.max, n));
  if ((kind === "min_length" || kind === "max_length" || kind === "length_equals") && base !== "n") {
    if (def.when !== undefined && String(def.when) !== DEFAULT_LENGTH_WHEN) throw new UnsupportedSchemaError(at, `a \`when\` condition on a \`${kind}\` check`);
    known("minimum", "maximum", "length", "when");
    if (kind === "min_length") atLeast(def.minimum as number);
    else if (kind === "max_length") atMost(def.maximum as number);
    else (atLeast(def.length as number), atMost(def.length as number));
    return;
  }
  if ((kind === "greater_than" || kind === "less_than") && base === "n") {
    known("value", "inclusive");
    const value = def.value as unknown;
    if (typeof value !== "number") throw new UnsupportedSchemaError(at, `a bound of type ${typeof value}`);
    const inclusive = def.inclusive as boolean;
    if (kind === "greater_than") atLeast(inclusive ? value : nextDouble(value, 1));
    else atMost(inclusive ? value : nextDouble(value, -1));
    return;
  }
  if (kind === "number_format" && base === "n") {
    known("format");
    const format = def.format as string;
    // Finite numbers (all a shape's "n" accepts) lie within float64's range already, and "i" is
    // a safe integer.
    if (format === "float64") return;
    if (format === "safeint") return void (out.integer = true);
    const bounds: Record<string, [number, number]> = { int32: [-2147483648, 2147483647], uint32: [0, 4294967295], float32: [-3.4028234663852886e38, 3.4028234663852886e38] };
    const range = bounds[format];
    if (!range) throw new UnsupportedSchemaError(at, `the number format \`${format}\``);
    atLeast(range[0]);
    atMost(range[1]);
    if (format.includes("int")) out.integer = true;
    return;
  }
  if (kind === "string_format" && base === "s") {
    const format = def.format as string;
    if (format === "includes") {
      known("format", "includes", "position", "pattern");
      // String#includes(text, position), said as a pattern (`.` would stop at a line break).
      const position = def.position as number | undefined;
      out.patterns.push(new RegExp(`${typeof position === "number" ? `^[\\s\\S]{${position},}` : ""}${escapeRegex(def.includes as string)}`));
      return;
    }
    // A custom format (z.stringFormat) runs its own function, whatever its name.
    if (!PATTERN_FORMATS.has(format) || !(def.pattern instanceof RegExp) || internals(check).traits.has("$ZodCustomStringFormat")) throw new UnsupportedSchemaError(at, `the string format \`${format}\``);
    if (def.when !== undefined) throw new UnsupportedSchemaError(at, `a \`when\` condition on a \`${format}\` check`);
    out.patterns.push(patternOf(def.pattern, at));
    return;
  }
  if (kind === "custom") throw new UnsupportedSchemaError(at, "a custom refinement (z.refine / z.check / z.superRefine)");
  if (kind === "overwrite") throw new UnsupportedSchemaError(at, "a transforming check (z.trim / z.toLowerCase / z.overwrite)");
  throw new UnsupportedSchemaError(at, `the check \`${String(kind)}\` on a ${base === "s" ? "string" : base === "n" ? "number" : "array"}`);
}

/** Options of {@link compileShape}. */
export interface CompileOptions {
  /**
   * Compiled nodes by schema instance: a schema used in several places compiles to one node, so the
   * generated module can declare it once.
   */
  memo?: Map<unknown, ShapeDesc> | undefined;
}

/**
 * Compiles `schema` to a shape descriptor; `at` names it in error messages.
 * @throws {UnsupportedSchemaError} when the schema uses a feature the shape form cannot encode.
 */
export function compileShape(schema: $ZodType, at: string, options: CompileOptions = {}): ShapeDesc {
  const memo = options.memo ?? new Map<unknown, ShapeDesc>();
  const cached = memo.get(schema);
  if (cached === IN_PROGRESS) throw new UnsupportedSchemaError(at, "a recursive schema");
  if (cached !== undefined) return cached;
  memo.set(schema, IN_PROGRESS);
  try {
    const shape = compileNode(schema, at, memo);
    memo.set(schema, shape);
    return shape;
  } catch (error) {
    memo.delete(schema);
    throw error;
  }
}

/** Marks a schema being compiled: meeting it again inside itself means recursion. */
const IN_PROGRESS = ["e", []] as unknown as ShapeDesc;

function compileNode(schema: $ZodType, at: string, memo: Map<unknown, ShapeDesc>): ShapeDesc {
  const zod = internals(schema);
  const def = zod.def;
  const sub = (child: unknown, where: string) => compileShape(child as $ZodType, where, { memo });
  const known = KNOWN_KEYS[def.type];
  if (!known) throw new UnsupportedSchemaError(at, `a \`${def.type}\` schema`);
  // A schema that is itself a check (z.int(), z.email(), ...) runs that check before its own list.
  const selfCheck = def.check !== undefined;
  if (!selfCheck) {
    for (const [key, value] of Object.entries(def)) {
      // `checks` is compiled below, or refused where the type takes none.
      if (value !== undefined && !MESSAGE_KEYS.has(key) && key !== "checks" && !known.includes(key)) throw new UnsupportedSchemaError(at, `the option \`${key}\` of a \`${def.type}\` schema`);
    }
  } else if (def.coerce) {
    throw new UnsupportedSchemaError(at, "coercion");
  }
  const checks = [...(selfCheck ? [schema] : []), ...(def.checks ?? [])];
  const refine = (base: "s" | "n" | "a", shape: ShapeDesc): ShapeDesc => {
    const out: Checks = { patterns: [], min: -Infinity, max: Infinity, integer: false };
    for (const check of checks) compileCheck(check, base, at, out);
    const core = out.integer ? "i" : shape;
    // A length is never below zero, nor a safe integer outside the safe range: such bounds say nothing.
    const floor = base === "n" ? (out.integer ? Number.MIN_SAFE_INTEGER : -Infinity) : 0;
    const ceiling = base === "n" && out.integer ? Number.MAX_SAFE_INTEGER : Infinity;
    const list: ShapeCheck[] = [...(out.min > floor || out.max < ceiling ? [[out.min, out.max] as const] : []), ...out.patterns];
    return list.length ? ["c", core, list] : core;
  };
  const noChecks = () => {
    if (checks.length) throw new UnsupportedSchemaError(at, `checks on a \`${def.type}\` schema (${checks.map((c) => String(internals(c).def.check)).join(", ")})`);
  };

  switch (def.type) {
    case "string":
      return refine("s", "s");
    case "number":
      return refine("n", "n");
    case "boolean":
      noChecks();
      return "b";
    case "unknown":
    case "any":
      noChecks();
      return "u";
    case "never":
    case "null":
    case "undefined":
    case "literal":
    case "enum": {
      noChecks();
      const values = def.type === "never" ? [] : def.type === "null" ? [null] : def.type === "undefined" ? [undefined] : [...(zod.values ?? [])];
      for (const value of values) {
        if (value !== null && !["string", "number", "boolean", "undefined"].includes(typeof value)) throw new UnsupportedSchemaError(at, `a literal of type ${typeof value}`);
      }
      return ["e", values];
    }
    case "optional":
      noChecks();
      if (zod.traits.has("$ZodExactOptional")) throw new UnsupportedSchemaError(at, "z.exactOptional (absent allowed, undefined refused)");
      return ["?", sub(def.innerType, at)];
    case "nullable":
      noChecks();
      return ["~", sub(def.innerType, at)];
    case "readonly":
      noChecks();
      return sub(def.innerType, at);
    case "union":
      noChecks();
      if (def.inclusive === false && !zod.traits.has("$ZodDiscriminatedUnion")) throw new UnsupportedSchemaError(at, "an exclusive union (z.xor)");
      if (def.unionFallback) throw new UnsupportedSchemaError(at, "a discriminated union's fallback");
      return ["|", (def.options as unknown[]).map((option, i) => sub(option, `${at}|${i}`))];
    case "tuple": {
      noChecks();
      if (def.rest) throw new UnsupportedSchemaError(at, "a tuple with a rest element");
      const items = def.items as $ZodType[];
      if (items.some((item) => internals(item).optin !== undefined || internals(item).optout !== undefined)) throw new UnsupportedSchemaError(at, "optional tuple elements");
      return ["t", items.map((item, i) => sub(item, `${at}[${i}]`))];
    }
    case "array":
      return refine("a", ["a", sub(def.element, `${at}[]`)]);
    case "record": {
      noChecks();
      const keyType = def.keyType as $ZodType;
      const key = internals(keyType);
      if (def.mode === "loose") throw new UnsupportedSchemaError(at, "a loose record (keys failing the key schema kept)");
      if (key.def.type !== "string" || key.values) throw new UnsupportedSchemaError(at, `a record keyed by a \`${key.def.type}\` schema (only string keys, with checks, are encoded)`);
      const value = sub(def.valueType, `${at}{}`);
      const keyShape = sub(keyType, `${at}{key}`);
      return keyShape === "s" ? ["r", value] : ["r", value, keyShape];
    }
    case "object": {
      noChecks();
      const fields: Record<string, ShapeDesc> = {};
      for (const [key, field] of Object.entries(def.shape as Record<string, $ZodType>)) {
        // zod skips a `__proto__` field entirely; an object literal could not even hold one.
        if (key === "__proto__") throw new UnsupportedSchemaError(`${at}.${key}`, "a field named __proto__");
        const { optin, optout } = internals(field);
        if (optin !== optout) throw new UnsupportedSchemaError(`${at}.${key}`, `a field that is optional on ${optin ? "input" : "output"} only (a default or a transform)`);
        const shape = sub(field, `${at}.${key}`);
        // An optional key may be absent: the checker reads that from an outer "?".
        fields[key] = optin === "optional" && !(Array.isArray(shape) && shape[0] === "?") ? ["?", shape] : shape;
      }
      const catchall = def.catchall === undefined ? undefined : internals(def.catchall).def.type;
      if (catchall === undefined || catchall === "unknown" || catchall === "any") return ["o", fields];
      if (catchall === "never") return ["o", fields, 1];
      throw new UnsupportedSchemaError(at, `an object whose extra keys must match a \`${catchall}\` schema`);
    }
    default:
      throw new UnsupportedSchemaError(at, `a \`${def.type}\` schema`);
  }
}
