// 300 concurrent tryDecreaseQuantity(1) on a balance of 150, in process on PGlite: exactly 150
// succeed and the quantity ends at 0. (The PostgreSQL two-process version is test/emulator/pg.)
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_CONFIG } from "./config.js";
import { createHarness, customId, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

it("never overdraws under 300 concurrent allow_negative=false decrements (PGlite)", async () => {
  const c = customId();
  const path = `/payments/items/custom/${c}/custom_credits/update-quantity`;
  expect((await h.call("POST", `${path}?allow_negative=false`, { body: { delta: 150 } })).status).toBe(200);
  const results = await Promise.all(
    Array.from({ length: 300 }, () => h.call("POST", `${path}?allow_negative=false`, { body: { delta: -1 } })),
  );
  const ok = results.filter((r) => r.status === 200).length;
  const refused = results.filter((r) => r.status === 400 && r.json?.code === "ITEM_QUANTITY_INSUFFICIENT_AMOUNT").length;
  expect(ok).toBe(150);
  expect(refused).toBe(150);
  expect((await h.call("GET", `/payments/items/custom/${c}/custom_credits`)).json.quantity).toBe(0);
}, 120_000);
