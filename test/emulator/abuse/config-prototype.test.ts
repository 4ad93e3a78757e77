// Config keys that name an object prototype (`__proto__`, `constructor`, `prototype`), at any
// depth of a dotted key or a nested object, are refused with SCHEMA_ERROR naming the key; nothing
// is stored, Object.prototype stays clean, and the payments routes keep working.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEmulator } from "../../../src/emulator/create-emulator.js";
import { TEST_CONFIG } from "../payments/config.js";
import { createHarness, customId, type Harness } from "../payments/harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

// Written as JSON text: an object literal with a "__proto__" key would set its prototype instead.
const HOSTILE_OVERRIDES: Array<[string, string]> = [
  ['{"__proto__.polluted":"yes"}', "__proto__.polluted"],
  ['{"constructor.prototype.polluted":"yes"}', "constructor.prototype.polluted"],
  ['{"payments.items.__proto__":{"polluted":"yes"}}', "payments.items.__proto__"],
  ['{"payments":{"__proto__":{"polluted":"yes"}}}', "payments.__proto__"],
  ['{"payments":{"items":{"x":{"customerType":"custom","constructor":{"prototype":{"polluted":"yes"}}}}}}', "payments.items.x.constructor"],
  ['{"payments.products":{"p":{"prices":{"prototype":1}}}}', "payments.products.p.prices.prototype"],
  ['{"rbac.permissions":{"a":[{"__proto__":{"polluted":"yes"}}]}}', "rbac.permissions.a[0].__proto__"],
];

function prototypeIsClean(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain("polluted");
}

async function paymentsStillWork(): Promise<void> {
  const c = customId();
  const update = await h.call("POST", `/payments/items/custom/${c}/custom_credits/update-quantity?allow_negative=false`, { body: { delta: 3 } });
  expect(update.status, update.text).toBe(200);
  const item = await h.call("GET", `/payments/items/custom/${c}/custom_credits`);
  expect(item.status, item.text).toBe(200);
  expect(item.json.quantity).toBe(3);
  const user = await h.newUser();
  const products = await h.call("GET", `/payments/products/user/${user.id}`, { access: { token: user.token } });
  expect(products.status, products.text).toBe(200);
}

describe("config keys that name a prototype", () => {
  test.each(["branch", "environment"] as const)("PATCH and PUT of the %s level refuse them with SCHEMA_ERROR naming the key", async (level) => {
    const before = (await h.call("GET", `/internal/config/override/${level}`, { access: "admin" })).json.config_string;
    for (const [override, key] of HOSTILE_OVERRIDES) {
      const patch = await h.call("PATCH", `/internal/config/override/${level}`, { access: "admin", rawBody: JSON.stringify({ config_override_string: override }) });
      expect(patch.status, override).toBe(400);
      expect(patch.json.code).toBe("SCHEMA_ERROR");
      expect(patch.json.error).toContain(JSON.stringify(key));
      const put = await h.call("PUT", `/internal/config/override/${level}`, {
        access: "admin",
        rawBody: JSON.stringify({ config_string: override, source: { type: "unlinked" } }),
      });
      expect(put.status, override).toBe(400);
      expect(put.json.code).toBe("SCHEMA_ERROR");
      expect(put.json.error).toContain(JSON.stringify(key));
      prototypeIsClean();
    }
    // Nothing was stored, and every payments route still answers as before.
    expect((await h.call("GET", `/internal/config/override/${level}`, { access: "admin" })).json.config_string).toBe(before);
    await paymentsStillWork();
  });

  test("a server key (branch level) is refused the same way", async () => {
    const res = await h.call("PATCH", "/internal/config/override/branch", { access: "server", rawBody: JSON.stringify({ config_override_string: '{"__proto__.polluted":"yes"}' }) });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("SCHEMA_ERROR");
    prototypeIsClean();
    await paymentsStillWork();
  });

  test("keys that only contain those words are still fine", async () => {
    const res = await h.call("PATCH", "/internal/config/override/branch", {
      access: "admin",
      body: { config_override_string: JSON.stringify({ "payments.items.constructor_credits": { customerType: "custom" }, "payments.items.proto": { customerType: "custom" } }) },
    });
    expect(res.status, res.text).toBe(200);
    const item = await h.call("GET", `/payments/items/custom/${customId()}/constructor_credits`);
    expect(item.status, item.text).toBe(200);
  });

  test("a config file (createEmulator, createProject) with such a key is refused naming it", async () => {
    const hostile = JSON.parse('{"items":{"__proto__":{"polluted":"yes"}}}');
    const bad = createEmulator({ storage: h.emulator.db, config: hostile, project: { id: crypto.randomUUID() } });
    await expect(bad.ready).rejects.toThrow("payments.items.__proto__");
    await expect(h.emulator.createProject({ config: hostile })).rejects.toThrow("payments.items.__proto__");
    prototypeIsClean();
  });
});
