/**
 * Renders `src/core/wire-shapes.ts`: one exported shape per response schema the SDK parses,
 * compiled by {@link compileShape}. A part used in several places (a product, a money amount, a
 * team inside a user) is declared once and referenced, which keeps the browser bundle small.
 */
import type { $ZodType } from "zod/v4/core";
import * as schemas from "../../src/core/schemas/index.js";
import type { ShapeDesc } from "../../src/core/wire-shape.js";
import { compileShape } from "./compile-shape.js";

/**
 * The schemas whose shapes the SDK checks answers with; `fooSchema` becomes `fooShape`. Every
 * answer the SDK reads is here: a shape written by hand in `src/` is refused by a test.
 */
export const WIRE_SHAPE_SCHEMAS = [
  // payments
  "itemResponseSchema",
  "updateQuantityResponseSchema",
  "successResponseSchema",
  "productsListResponseSchema",
  "grantProductResponseSchema",
  "createPurchaseUrlResponseSchema",
  "invoicesListResponseSchema",
  "billingResponseSchema",
  "setupIntentResponseSchema",
  "setDefaultPaymentMethodResponseSchema",
  "liveEventSchema",
  // sessions
  "signInResponseSchema",
  "createSessionResponseSchema",
  "oauthTokenResponseSchema",
  // users and teams
  "clientTeamSchema",
  "serverTeamSchema",
  "teamsListResponseSchema",
  "serverTeamsListResponseSchema",
  "teamMembershipResponseSchema",
  "clientUserSchema",
  "serverUserSchema",
  // admin (server-only: StackAdminApp)
  "transactionsListResponseSchema",
  "refundTransactionResponseSchema",
  "paymentsSetupResponseSchema",
  "stripeAccountInfoSchema",
  "paymentMethodConfigsResponseSchema",
  "stripeWidgetAccountSessionResponseSchema",
  "adminProjectSchema",
  "configStringResponseSchema",
] as const satisfies ReadonlyArray<keyof typeof schemas>;

/** `fooSchema` → `fooShape`. */
export function shapeNameOf(schemaName: string): string {
  return schemaName.replace(/Schema$/, "Shape");
}

/** The shapes a shape refers to directly. */
function childrenOf(shape: ShapeDesc): ShapeDesc[] {
  if (typeof shape === "string") return [];
  switch (shape[0]) {
    case "o":
      return Object.values(shape[1]);
    case "r":
      return shape[2] === undefined ? [shape[1]] : [shape[1], shape[2]];
    case "e":
      return [];
    case "t":
    case "|":
      return [...shape[1]];
    default:
      return [shape[1]];
  }
}

/** JavaScript source of a literal inside a shape: strings, numbers, booleans, null, undefined, RegExp. */
function literal(value: unknown): string {
  if (value instanceof RegExp) return String(value);
  if (value === undefined) return "undefined";
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  return JSON.stringify(value);
}

/**
 * Compiles every schema in `names` (exports of `module`) and returns the TypeScript source of the
 * shapes module.
 * @throws {UnsupportedSchemaError} when a schema uses a feature a shape cannot encode.
 */
export function renderWireShapes(names: readonly string[] = WIRE_SHAPE_SCHEMAS, module: Record<string, unknown> = schemas): string {
  const memo = new Map<unknown, ShapeDesc>();
  const roots = names.map((name) => {
    const schema = module[name];
    if (!schema || typeof schema !== "object" || !("_zod" in schema)) throw new Error(`${name} is not a zod schema exported by src/core/schemas`);
    return { name, shape: compileShape(schema as $ZodType, name, { memo }) };
  });

  // Shared parts are named after the exported schema they come from, else after the first key
  // that holds them.
  const schemaNames = new Map<ShapeDesc, string>();
  for (const [name, schema] of Object.entries(module)) {
    const node = memo.get(schema);
    if (node !== undefined && typeof node !== "string" && !schemaNames.has(node)) schemaNames.set(node, name);
  }
  const uses = new Map<ShapeDesc, number>();
  const keyOf = new Map<ShapeDesc, string>();
  const count = (shape: ShapeDesc, key: string) => {
    if (typeof shape === "string") return;
    uses.set(shape, (uses.get(shape) ?? 0) + 1);
    if (uses.get(shape)! > 1) return;
    keyOf.set(shape, key);
    if (shape[0] === "o") for (const [k, child] of Object.entries(shape[1])) count(child, k);
    else for (const child of childrenOf(shape)) count(child, key);
  };
  for (const root of roots) count(root.shape, root.name);

  const names_ = new Map<ShapeDesc, string>();
  const taken = new Set<string>();
  const exported = new Set<ShapeDesc>();
  for (const root of roots) {
    if (names_.has(root.shape)) continue;
    names_.set(root.shape, shapeNameOf(root.name));
    taken.add(shapeNameOf(root.name));
    exported.add(root.shape);
  }
  // A small part costs less written out than named (and gzip folds the repeats anyway).
  const worthNaming = (shape: ShapeDesc) => JSON.stringify(shape, (_, v: unknown) => (v instanceof RegExp ? String(v) : v)).length >= 32;
  for (const [shape, n] of uses) {
    if (n < 2 || names_.has(shape) || !worthNaming(shape)) continue;
    const base = shapeNameOf(schemaNames.get(shape) ?? `${keyOf.get(shape)!.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}Schema`);
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    taken.add(name);
    names_.set(shape, name);
  }

  const lines: string[] = [];
  const declared = new Set<ShapeDesc>();
  const source = (shape: ShapeDesc, top: boolean): string => {
    if (typeof shape === "string") return JSON.stringify(shape);
    if (!top && names_.has(shape)) return names_.get(shape)!;
    const [kind] = shape;
    if (kind === "o") {
      const fields = Object.entries(shape[1]).map(([k, v]) => `${JSON.stringify(k)}:${source(v, false)}`);
      return `["o",{${fields.join(",")}}${shape[2] ? ",1" : ""}]`;
    }
    if (kind === "e") return `["e",[${shape[1].map(literal).join(",")}]]`;
    if (kind === "c") {
      const checks = shape[2].map((c) => (c instanceof RegExp ? literal(c) : `[${literal(c[0])},${literal(c[1])}]`));
      return `["c",${source(shape[1], false)},[${checks.join(",")}]]`;
    }
    if (kind === "t" || kind === "|") return `[${JSON.stringify(kind)},[${shape[1].map((s) => source(s, false)).join(",")}]]`;
    return `[${[JSON.stringify(kind), ...childrenOf(shape).map((s) => source(s, false))].join(",")}]`;
  };
  const declare = (shape: ShapeDesc, schemaName: string | undefined) => {
    if (typeof shape === "string" || declared.has(shape)) return;
    // Parts first: a const must be declared before a literal that reads it.
    const visit = (node: ShapeDesc) => {
      for (const child of childrenOf(node)) {
        if (typeof child === "string") continue;
        if (names_.has(child)) declare(child, undefined);
        else visit(child);
      }
    };
    visit(shape);
    declared.add(shape);
    const name = names_.get(shape)!;
    if (exported.has(shape)) {
      const from = schemaName ?? roots.find((r) => r.shape === shape)!.name;
      lines.push(`/** Checks an answer against \`${from}\`. */`, `export const ${name}: Shape<z.output<typeof schemas.${from}>> = ${source(shape, true)};`);
    } else {
      lines.push(`const ${name}: ShapeDesc = ${source(shape, true)};`);
    }
  };
  for (const root of roots) {
    const name = shapeNameOf(root.name);
    if (typeof root.shape !== "string") declare(root.shape, root.name);
    if (typeof root.shape !== "string" && names_.get(root.shape) === name) continue;
    // A schema that compiles to a bare primitive, or one instance exported under two names.
    const value = typeof root.shape === "string" ? JSON.stringify(root.shape) : names_.get(root.shape)!;
    lines.push(`/** Checks an answer against \`${root.name}\`. */`, `export const ${name}: Shape<z.output<typeof schemas.${root.name}>> = ${value};`);
  }

  return [
    "// GENERATED from src/core/schemas/ by `npm run generate:shapes` (scripts/generate-wire-shapes.mjs): do not edit.",
    "// The response checks of the SDK, in the compact form that wire-shape.ts reads.",
    'import type * as z from "zod/mini";',
    'import type * as schemas from "./schemas/index.js";',
    `import type { ${lines.some((l) => l.startsWith("const ")) ? "Shape, ShapeDesc" : "Shape"} } from "./wire-shape.js";`,
    "",
    ...lines,
    "",
  ].join("\n");
}
