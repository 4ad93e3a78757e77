// Property: whatever bad input is thrown at the payments routes (malformed JSON, unknown fields,
// wrong types, huge or fractional deltas, bad ids, bad keys), the answer is a 4xx, never a 500,
// and no payments record changes.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_CONFIG } from "./config.js";
import { createHarness, type Access, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

async function snapshot(): Promise<string> {
  const tables = ["payments_item_changes", "payments_purchases", "payments_purchase_codes", "payments_live_events", "payments_customer_locks"];
  const counts = [];
  // Scoped to this file's project: other test files of the worker share the database.
  for (const t of tables)
    counts.push((await h.emulator.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE project_id = $1`, [h.emulator.project.id]))[0]!.n);
  return counts.join(",");
}

const notJson = fc.string({ minLength: 1 }).filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return true;
  }
});
const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter(
  (k) => !["delta", "expires_at", "description", "product_id", "product_inline", "quantity", "customer_type", "customer_id", "return_url",
    "offer_id", "offer_inline", "full_code", "price_id", "from_product_id", "to_product_id", "setup_intent_id", "__proto__"].includes(k),
);
const badDelta = fc.oneof(
  fc.double({ noInteger: true }),
  fc.string(),
  fc.constantFrom(2 ** 53, -(2 ** 60), 1e308, "1", null, true, [], {}),
);
const anyId = fc.oneof(fc.string(), fc.constantFrom("", "../..", "%00", "00000000-0000-4000-8000-000000000000", "a/b", "?x=1", "#frag"));
const customerType = fc.oneof(fc.constantFrom("user", "team", "custom"), fc.string());
const access: fc.Arbitrary<Access> = fc.constantFrom<Access>("server", "admin", "client", "none", { token: "not-a-token" });

/** A body that is wrong for its route in at least one definite way. */
const badBody = (valid: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof(
    notJson.map((raw) => ({ raw })),
    fc.tuple(valid, unknownKey, fc.jsonValue()).map(([v, k, x]) => ({ body: { ...v, [k]: x } })),
    fc.oneof(fc.jsonValue().filter((v) => typeof v !== "object" || v === null || Array.isArray(v))).map((body) => ({ body })),
  );

interface BadRequest {
  method: string;
  path: string;
  access: Access;
  raw?: string;
  body?: unknown;
}

const enc = encodeURIComponent;
const requests: fc.Arbitrary<BadRequest> = fc.oneof(
  // update-quantity: a bad delta, or an otherwise good body with a defect
  fc.record({
    type: customerType,
    id: anyId,
    item: fc.constantFrom("custom_credits", "credits", "nope"),
    allow: fc.constantFrom("?allow_negative=false", "?allow_negative=true", "", "?allow_negative=yes"),
    access,
    payload: fc.oneof(badDelta.map((delta) => ({ body: { delta } as unknown })), badBody(fc.record({ delta: fc.integer() }))),
  }).map((r) => ({ method: "POST", path: `/payments/items/${enc(r.type)}/${enc(r.id)}/${r.item}/update-quantity${r.allow}`, access: r.access, ...r.payload })),
  // grant with a defect
  fc.record({
    type: customerType,
    id: anyId,
    access,
    payload: fc.oneof(
      badBody(fc.record({ product_id: fc.constantFrom("custom_pack", "credit_pack") })),
      fc.constantFrom({ body: { product_id: "custom_pack", quantity: 0 } }, { body: { product_id: "custom_pack", quantity: 1.5 } }, { body: { product_id: 5 } }),
    ),
  }).map((r) => ({ method: "POST", path: `/payments/products/${enc(r.type)}/${enc(r.id)}`, access: r.access, ...r.payload })),
  // create-purchase-url with a defect
  fc.record({
    access,
    payload: badBody(fc.record({ customer_type: fc.constant("custom"), customer_id: anyId, product_id: fc.constant("custom_pack") })),
  }).map((r) => ({ method: "POST", path: "/payments/purchases/create-purchase-url", access: r.access, ...r.payload })),
  // code-based routes: bad bodies or unknown codes
  fc.record({
    path: fc.constantFrom("/payments/purchases/validate-code", "/payments/purchases/purchase-session", "/internal/payments/test-mode-purchase-session"),
    payload: fc.oneof(
      badBody(fc.record({ full_code: anyId, price_id: fc.constant("once") })),
      anyId.map((full_code) => ({ body: { full_code, price_id: "once" } })),
    ),
  }).map((r) => ({
    method: "POST",
    path: r.path,
    access: "none" as Access,
    ...(("body" in r.payload && r.path.endsWith("validate-code") && typeof r.payload.body === "object" && r.payload.body !== null
      ? { body: { full_code: (r.payload.body as { full_code?: unknown }).full_code } }
      : r.payload)),
  })),
  // reads and cancels with bad ids or bad queries
  fc.record({ type: customerType, id: anyId, item: anyId, access, q: fc.constantFrom("", "?limit=0", "?limit=abc", "?cursor=zzz", "?x=1") }).chain((r) =>
    fc.constantFrom<BadRequest>(
      { method: "GET", path: `/payments/items/${enc(r.type)}/${enc(r.id)}/${enc(r.item)}${r.q}`, access: r.access },
      { method: "GET", path: `/payments/products/${enc(r.type)}/${enc(r.id)}${r.q}`, access: r.access },
      { method: "DELETE", path: `/payments/products/${enc(r.type)}/${enc(r.id)}/${enc(r.item)}${r.q}`, access: r.access },
      { method: "POST", path: `/payments/products/${enc(r.type)}/${enc(r.id)}/switch`, access: r.access, body: { from_product_id: r.item } },
    ),
  ),
);

it("answers every bad request with a 4xx and changes nothing", async () => {
  // Some state to protect: a balance and a purchase.
  await h.call("POST", "/payments/items/custom/victim/custom_credits/update-quantity?allow_negative=false", { body: { delta: 10 } });
  await h.call("POST", "/payments/products/custom/victim", { body: { product_id: "custom_pack" } });
  const before = await snapshot();
  await fc.assert(
    fc.asyncProperty(requests, async (req) => {
      const r = await h.call(req.method, req.path, {
        access: req.access,
        ...(req.raw !== undefined ? { rawBody: req.raw } : req.body !== undefined ? { body: req.body } : {}),
      });
      // A GET of an existing custom customer's item is a valid read; everything else must fail.
      if (r.status === 200) {
        expect(req.method).toBe("GET");
      } else {
        expect(r.status, `${req.method} ${req.path} → ${r.status} ${r.text}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${req.method} ${req.path} → ${r.status} ${r.text}`).toBeLessThan(500);
      }
      expect(await snapshot()).toBe(before);
    }),
    { numRuns: 400 },
  );
  expect((await h.call("GET", "/payments/items/custom/victim/custom_credits")).json.quantity).toBe(20);
}, 120_000);
