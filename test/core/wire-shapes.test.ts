/**
 * `src/core/wire-shapes.ts` is generated from the zod schemas by `npm run generate:shapes` and must
 * stay equal to them; the generator encodes every zod check or refuses the schema. The fuzzing of
 * shapes against their schemas is in wire-shapes-fuzz.test.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import type { $ZodType } from "zod/v4/core";
import * as schemas from "../../src/core/schemas/index.js";
import { checkShape } from "../../src/core/wire-shape.js";
import * as shapes from "../../src/core/wire-shapes.js";
import { compileShape, UnsupportedSchemaError } from "../../scripts/wire-shapes/compile-shape.js";
import { renderWireShapes, shapeNameOf, WIRE_SHAPE_SCHEMAS } from "../../scripts/wire-shapes/render-wire-shapes.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const committed = path.join(root, "src/core/wire-shapes.ts");

/** Every zod schema exported by src/core/schemas, by export name. */
const exportedSchemas = Object.entries(schemas as Record<string, unknown>).filter((e): e is [string, $ZodType] => typeof e[1] === "object" && e[1] !== null && "_zod" in e[1]);

describe("the generated file", () => {
  it("is what the generator writes from the schemas", () => {
    expect(readFileSync(committed, "utf8"), "src/core/wire-shapes.ts is stale: run `npm run generate:shapes`").toBe(renderWireShapes());
  });

  it("exports one shape per listed schema, and nothing else", () => {
    expect(Object.keys(shapes).sort()).toEqual(WIRE_SHAPE_SCHEMAS.map(shapeNameOf).sort());
  });

  it("`generate:shapes --check` passes on it and fails on a stale copy, which it then rewrites", () => {
    const script = path.join(root, "scripts/generate-wire-shapes.mjs");
    expect(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts["generate:shapes"]).toBe("node scripts/generate-wire-shapes.mjs");
    const ok = spawnSync(process.execPath, [script, "--check"], { cwd: root, encoding: "utf8" });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);

    const dir = mkdtempSync(path.join(tmpdir(), "wire-shapes-"));
    try {
      const stale = path.join(dir, "wire-shapes.ts");
      writeFileSync(stale, readFileSync(committed, "utf8").replace('"quantity":"n"', '"quantity":"u"'));
      const check = spawnSync(process.execPath, [script, "--check", stale], { cwd: root, encoding: "utf8" });
      expect(check.status).toBe(1);
      expect(check.stderr).toContain("npm run generate:shapes");
      const write = spawnSync(process.execPath, [script, stale], { cwd: root, encoding: "utf8" });
      expect(write.status).toBe(0);
      expect(readFileSync(stale, "utf8")).toBe(readFileSync(committed, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("shapes keep zod's checks", () => {
  const product = (prices: unknown, repeat: unknown = "never") => ({
    items: [
      {
        id: "p",
        quantity: 1,
        product: {
          display_name: "P",
          customer_type: "user",
          stackable: false,
          server_only: false,
          included_items: { credits: { quantity: 5, repeat, expires: "never" } },
          client_metadata: null,
          client_read_only_metadata: null,
          server_metadata: null,
          prices,
        },
      },
    ],
    is_paginated: true,
    pagination: { next_cursor: null },
  });
  const agree = (value: unknown) => {
    const shapeSays = checkShape(shapes.productsListResponseShape, value);
    expect(shapeSays === null).toBe(z.safeParse(schemas.productsListResponseSchema, value).success);
    return shapeSays;
  };

  it("accept a well-formed product list", () => {
    expect(agree(product({ monthly: { USD: "9.99", interval: [1, "month"] } }))).toBeNull();
  });

  it("refuse a price of 01.999 (money pattern) and an interval of [-3, month] (int ≥ 0), as zod does", () => {
    expect(agree(product({ monthly: { USD: "01.999" } }))).toEqual({
      path: "items.0.product.prices.monthly.USD",
      problem: "expected a string matching /^(0|[1-9][0-9]*)(\\.[0-9]{1,2})?$/",
    });
    expect(agree(product({ monthly: { USD: "1", interval: [-3, "month"] } }))).toEqual({
      path: "items.0.product.prices.monthly.interval.0",
      problem: "expected a number from 0 to Infinity, got -3",
    });
    expect(agree(product({ monthly: { USD: "1", interval: [1.5, "month"] } }))?.problem).toBe("expected safe integer, got number");
    expect(agree(product({}, [2 ** 53, "day"]))?.path).toBe("items.0.product.included_items.credits.repeat");
  });

  it("require every key that is not optional, even when its value may be anything", () => {
    const { client_metadata: _dropped, ...team } = { id: "t", display_name: "T", profile_image_url: null, client_metadata: null, client_read_only_metadata: null };
    expect(z.safeParse(schemas.clientTeamSchema, team).success).toBe(false);
    expect(checkShape(shapes.clientTeamShape, team)).toEqual({ path: "client_metadata", problem: "missing key" });
  });

  it("name the path of the first mismatch", () => {
    expect(checkShape(shapes.itemResponseShape, { id: "x", display_name: "X", quantity: "1" })).toEqual({ path: "quantity", problem: "expected number, got string" });
    expect(checkShape(shapes.productsListResponseShape, { items: [{ id: 1 }], is_paginated: true, pagination: { next_cursor: null } })?.path).toBe("items.0.id");
    expect(checkShape(shapes.clientUserShape, null)).toEqual({ path: "", problem: "expected object, got null" });
    expect(checkShape(shapes.liveEventShape, { kind: "item", item_id: "credits", item: { id: "credits", display_name: "C" } })?.problem).toBe("expected a union member, got object");
  });
});

describe("the generator fails loudly on what a shape cannot encode", () => {
  const unsupported: Array<[string, $ZodType, string]> = [
    ["a custom refinement", z.string().check(z.refine((s) => s.length > 2)), "custom refinement"],
    ["a superRefine", z.object({ a: z.number().check(z.superRefine(() => {})) }), "custom refinement"],
    ["a URL check (parsed, not matched)", z.url(), "string format `url`"],
    ["a JWT check", z.jwt(), "string format `jwt`"],
    ["a trimming check", z.string().check(z.trim()), "transforming check"],
    ["a multipleOf check", z.number().check(z.multipleOf(0.5)), "multiple_of"],
    ["a transform", z.pipe(z.string(), z.transform((s) => s.length)), "`pipe` schema"],
    ["a default", z.object({ a: z._default(z.string(), "x") }), "optional on input only"],
    ["an exact optional", z.object({ a: z.exactOptional(z.string()) }), "exactOptional"],
    ["coercion", z.coerce.number(), "option `coerce`"],
    ["an exclusive union", z.xor([z.string(), z.number()]), "exclusive union"],
    ["a tuple rest", z.tuple([z.string()], z.number()), "rest element"],
    ["an optional tuple element", z.tuple([z.string(), z.optional(z.number())]), "optional tuple elements"],
    ["a record keyed by an enum (exhaustive)", z.record(z.enum(["a", "b"]), z.number()), "keyed by a `enum`"],
    ["a loose record", z.looseRecord(z.string().check(z.regex(/^a/)), z.number()), "loose record"],
    ["an object catchall", z.catchall(z.object({}), z.string()), "extra keys must match a `string`"],
    ["a bigint", z.bigint(), "`bigint` schema"],
    ["a date", z.date(), "`date` schema"],
    ["a lazy schema", z.lazy(() => z.string()), "`lazy` schema"],
    ["a recursive schema", (() => {
      const node = z.object({ name: z.string(), get children() { return z.array(node); } });
      return node as $ZodType;
    })(), "recursive schema"],
    ["a custom string format", z.stringFormat("email", (s) => s.includes("@")), "string format `email`"],
    ["an intersection", z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })), "`intersection` schema"],
    ["a bigint literal", z.literal(1n), "literal of type bigint"],
    ["a sticky pattern", z.string().check(z.regex(/a/y)), "sticky pattern"],
    ["a length check with its own `when`", z.string().check(z.maxLength(3, { when: () => true } as never)), "`when` condition"],
    ["checks on an object", z.object({}).check(z.refine(() => true)), "checks on a `object` schema"],
  ];

  it.each(unsupported)("%s", (_, schema, feature) => {
    let thrown: unknown;
    try {
      compileShape(schema, "probe");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedSchemaError);
    expect((thrown as Error).message).toContain(feature);
    expect((thrown as UnsupportedSchemaError).at).toMatch(/^probe/);
  });

  it("names the field that holds the unsupported check", () => {
    const schema = z.object({ items: z.array(z.object({ url: z.url() })) });
    expect(() => compileShape(schema, "listSchema")).toThrow(/`listSchema\.items\[\]\.url`/);
  });

  it("stops the whole generation, writing nothing", () => {
    const module = { okSchema: z.object({ a: z.string() }), badSchema: z.object({ price: z.string().check(z.refine((s) => s !== "0")) }) };
    expect(() => renderWireShapes(["okSchema", "badSchema"], module)).toThrow(/custom refinement .* at `badSchema\.price`/);
  });

  it("encodes every schema in src/core/schemas but those that check URLs", () => {
    const refused = exportedSchemas.flatMap(([name, schema]) => {
      try {
        compileShape(schema, name);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(UnsupportedSchemaError);
        expect((error as Error).message).toContain("string format `url`");
        return [name];
      }
    });
    // Only schemas the SDK never checks answers with (request bodies the emulator validates).
    expect(refused.length).toBeGreaterThan(0);
    for (const name of refused) expect(WIRE_SHAPE_SCHEMAS, name).not.toContain(name);
    expect(refused).toContain("createPurchaseUrlBodySchema");
  });
});

describe("src/", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : /\.tsx?$/.test(name) ? [full] : [];
    });
  const sources = files(path.join(root, "src")).map((file) => ({ file: path.relative(root, file), text: readFileSync(file, "utf8") }));

  it("writes no shape by hand: every checked answer has a generated shape", () => {
    const handWritten = sources
      .filter(({ file }) => !file.endsWith("core/wire-shapes.ts") && !file.endsWith("core/wire-shape.ts"))
      .flatMap(({ file, text }) => [...text.matchAll(/Shape<[^\n]*>\s*=|\[\s*"(?:o|a|r|e|t|c|\||\?|~)"\s*,/g)].map((m) => `${file}: ${m[0]}`));
    expect(handWritten).toEqual([]);
  });

  it("keeps no schema that nothing uses", () => {
    const unused = exportedSchemas
      .map(([name]) => name)
      .filter((name) => !(WIRE_SHAPE_SCHEMAS as readonly string[]).includes(name))
      .filter((name) => {
        const uses = sources.reduce((n, { text }) => n + (text.match(new RegExp(`\\b${name}\\b`, "g"))?.length ?? 0), 0);
        // The definition itself is one mention.
        return uses < 2;
      });
    expect(unused).toEqual([]);
  });
});
