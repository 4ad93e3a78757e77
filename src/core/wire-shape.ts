/**
 * A compact form of the zod wire schemas for response checking in bundles that cannot afford zod
 * (the browser budget is 14 KB min+gzip; zod/mini plus the schema modules alone weigh ~12 KB).
 * `wire-shapes.ts` holds the shapes, generated from `core/schemas/` and kept equal to them by
 * `test/core/wire-shapes.test.ts`: the fields are still named once, in the zod schemas.
 *
 * Encoding: `"s"` string, `"n"` number, `"i"` integer, `"b"` boolean, `"u"` any value;
 * `["o", {key: shape}]` object (extra keys allowed), `["a", shape]` array, `["r", shape]` record
 * values, `["e", [values]]` enum or literal, `["t", [shapes]]` tuple, `["?", shape]` optional,
 * `["~", shape]` nullable, `["|", [shapes]]` union.
 */

/** An untyped shape descriptor. */
export type ShapeDesc =
  | "s"
  | "n"
  | "i"
  | "b"
  | "u"
  | readonly ["o", { readonly [key: string]: ShapeDesc }]
  | readonly ["a" | "r" | "?" | "~", ShapeDesc]
  | readonly ["e", readonly unknown[]]
  | readonly ["t" | "|", readonly ShapeDesc[]];

/** A shape carrying (at type level only) the TypeScript type of the value it accepts. */
export type Shape<T> = ShapeDesc & { readonly __type?: T };

/** The first mismatch: dotted field path and what was expected. */
export interface ShapeMismatch {
  path: string;
  problem: string;
}

const PRIMITIVE: Record<string, string> = { s: "string", n: "number", i: "number", b: "boolean" };

/** Checks `value` against `shape`; returns the first mismatch, or null. */
export function checkShape(shape: ShapeDesc, value: unknown, path = ""): ShapeMismatch | null {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  const fail = (problem: string): ShapeMismatch => ({ path, problem: `${problem}, got ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}` });
  if (typeof shape === "string") {
    if (shape === "u") return null;
    if (typeof value !== PRIMITIVE[shape] || (shape !== "s" && shape !== "b" && !Number.isFinite(value))) return fail(`expected ${PRIMITIVE[shape]}`);
    return shape === "i" && !Number.isInteger(value) ? fail("expected integer") : null;
  }
  const kind = shape[0];
  // The tuple's kinds pin down its second element; TypeScript cannot narrow through the destructuring.
  const inner = shape[1] as never;
  if (kind === "?") return value === undefined ? null : checkShape(inner, value, path);
  if (kind === "~") return value === null ? null : checkShape(inner, value, path);
  if (kind === "e") return (inner as unknown[]).includes(value) ? null : fail(`expected one of ${JSON.stringify(inner)}`);
  if (kind === "|") return (inner as ShapeDesc[]).some((s) => !checkShape(s, value, path)) ? null : fail("expected a union member");
  if (kind === "a" || kind === "t") {
    if (!Array.isArray(value)) return fail("expected array");
    if (kind === "t" && value.length !== (inner as ShapeDesc[]).length) return fail(`expected ${(inner as ShapeDesc[]).length} elements`);
    for (let i = 0; i < value.length; i++) {
      const m = checkShape(kind === "a" ? inner : (inner as ShapeDesc[])[i]!, value[i], at(i));
      if (m) return m;
    }
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("expected object");
  const record = value as Record<string, unknown>;
  const entries: Array<readonly [string, ShapeDesc]> = kind === "r" ? Object.keys(record).map((k) => [k, inner] as const) : Object.entries(inner as Record<string, ShapeDesc>);
  for (const [key, s] of entries) {
    const m = checkShape(s, record[key], at(key));
    if (m) return m;
  }
  return null;
}
