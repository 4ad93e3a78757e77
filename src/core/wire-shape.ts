/**
 * A compact form of the zod wire schemas, for checking responses in bundles that cannot afford zod
 * (zod/mini plus the schema modules alone weigh about as much as the whole browser SDK).
 * `wire-shapes.ts` holds the shapes; `npm run generate:shapes` writes it from `core/schemas/`, so the
 * fields and their checks are still written once, in the zod schemas. A shape accepts exactly the
 * JSON values its zod schema accepts; the generator refuses any zod feature this form cannot say.
 *
 * Encoding:
 * - `"s"` string, `"n"` finite number, `"i"` safe integer, `"b"` boolean, `"u"` any value;
 * - `["o", {key: shape}]` object: every key present unless its shape is optional (`"?"`); extra keys
 *   allowed, or refused when a third element `1` marks the object strict;
 * - `["a", shape]` array; `["r", value, key?]` record: every own key (but `__proto__`, which zod
 *   skips) matches the key shape, every value the value shape;
 * - `["e", [values]]` one of these values (enum, literal, null; `[]` for never);
 * - `["t", [shapes]]` tuple of exactly these; `["|", [shapes]]` union;
 * - `["?", shape]` also `undefined`, and the key may be absent; `["~", shape]` also `null`;
 * - `["c", shape, [checks]]` the shape, then every check: a `RegExp` the string must match, or
 *   `[min, max]`, inclusive bounds of a number, or of the length of a string (in code points, as zod
 *   counts) or of an array. (An exclusive bound is the next double inside it: `x > 0` is
 *   `x >= 5e-324`.)
 */

/** One refinement of a `"c"` shape: a pattern, or inclusive bounds of a number or of a length. */
export type ShapeCheck = RegExp | readonly [min: number, max: number];

/** An untyped shape descriptor. */
export type ShapeDesc =
  | "s"
  | "n"
  | "i"
  | "b"
  | "u"
  | readonly ["o", { readonly [key: string]: ShapeDesc }, 1?]
  | readonly ["a" | "?" | "~", ShapeDesc]
  | readonly ["r", ShapeDesc, ShapeDesc?]
  | readonly ["e", readonly unknown[]]
  | readonly ["t" | "|", readonly ShapeDesc[]]
  | readonly ["c", ShapeDesc, readonly ShapeCheck[]];

/** A shape carrying (at type level only) the TypeScript type of the value it accepts. */
export type Shape<T> = ShapeDesc & { readonly __type?: T };

/** The first mismatch: dotted field path and what was expected. */
export interface ShapeMismatch {
  path: string;
  problem: string;
}

const PRIMITIVE: Record<string, string> = { s: "string", n: "number", i: "number", b: "boolean" };

/** Checks a JSON value (what `JSON.parse` returns) against `shape`; returns the first mismatch, or null. */
export function checkShape(shape: ShapeDesc, value: unknown, path = ""): ShapeMismatch | null {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  const miss = (problem: string, where = path): ShapeMismatch => ({ path: where, problem });
  const fail = (problem: string) => miss(`${problem}, got ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}`);
  if (typeof shape === "string") {
    if (shape === "u") return null;
    if (typeof value !== PRIMITIVE[shape] || (shape !== "s" && shape !== "b" && !Number.isFinite(value))) return fail(`expected ${PRIMITIVE[shape]}`);
    // zod's z.int() is a safe integer: 2^53 is refused like 1.5.
    return shape === "i" && !Number.isSafeInteger(value) ? fail("expected safe integer") : null;
  }
  const [kind, inner, extra] = shape;
  // The tuple's kind pins down its other elements; TypeScript cannot narrow through the destructuring.
  const sub = inner as never;
  if (kind === "?") return value === undefined ? null : checkShape(sub, value, path);
  if (kind === "~") return value === null ? null : checkShape(sub, value, path);
  if (kind === "e") return (inner as unknown[]).includes(value) ? null : fail(`expected one of ${JSON.stringify(inner)}`);
  if (kind === "|") return (inner as ShapeDesc[]).some((s) => !checkShape(s, value, path)) ? null : fail("expected a union member");
  if (kind === "c") {
    const mismatch = checkShape(sub, value, path);
    if (mismatch) return mismatch;
    for (const check of extra as ShapeCheck[]) {
      // The value is not echoed: it may be a secret.
      if (check instanceof RegExp) {
        if (!check.test(value as string)) return miss(`expected a string matching ${check}`);
        continue;
      }
      const number = typeof value === "number";
      // Spreading a string yields code points, as zod measures string lengths.
      const size = number ? value : [...(value as string | unknown[])].length;
      if (size < check[0] || size > check[1]) return miss(`expected ${number ? "a number" : "a length"} from ${check[0]} to ${check[1]}, got ${size}`);
    }
    return null;
  }
  if (kind === "a" || kind === "t") {
    if (!Array.isArray(value)) return fail("expected array");
    if (kind === "t" && value.length !== (inner as ShapeDesc[]).length) return fail(`expected ${(inner as ShapeDesc[]).length} elements`);
    for (let i = 0; i < value.length; i++) {
      const m = checkShape(kind === "a" ? sub : (inner as ShapeDesc[])[i]!, value[i], at(i));
      if (m) return m;
    }
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("expected object");
  const record = value as Record<string, unknown>;
  if (kind === "r") {
    for (const key of Object.keys(record)) {
      // zod skips a `__proto__` key of a record.
      if (key === "__proto__") continue;
      const m = (extra && checkShape(extra as ShapeDesc, key, at(key))) || checkShape(sub, record[key], at(key));
      if (m) return m;
    }
    return null;
  }
  const fields = inner as Record<string, ShapeDesc>;
  for (const key of Object.keys(fields)) {
    const s = fields[key]!;
    // As in zod, a key is missing when `in` says so, and only an optional key may be.
    const m = key in record ? checkShape(s, record[key], at(key)) : s[0] === "?" ? null : miss("missing key", at(key));
    if (m) return m;
  }
  if (extra) for (const key of Object.keys(record)) if (!Object.hasOwn(fields, key)) return miss("unexpected key", at(key));
  return null;
}

/**
 * The part of a JSON value that `shape` describes: objects keep only the shape's keys (recursively,
 * through arrays and optional or nullable values); anything else is returned as it is. Turns a
 * server view of a user or team into the client view, whose shape names a subset of its fields.
 */
export function pickShape(shape: ShapeDesc, value: unknown): unknown {
  if (typeof shape === "string" || typeof value !== "object" || value === null) return value;
  const [kind, inner] = shape;
  if (kind === "?" || kind === "~" || kind === "c") return pickShape(inner as ShapeDesc, value);
  if (kind === "a" && Array.isArray(value)) return value.map((v) => pickShape(inner as ShapeDesc, v));
  if (kind !== "o") return value;
  const fields = inner as Record<string, ShapeDesc>;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(fields).filter((key) => key in record).map((key) => [key, pickShape(fields[key]!, record[key])]));
}
