// Grant (B.9) without a price id uses the product's first price in object order. Config overrides
// must keep that order: a jsonb column sorts keys (shortest first) and would pick "yearly" here.
import { afterAll, expect, it } from "vitest";
import { createHarness, customId, DAY } from "./harness.js";

const h = createHarness();
afterAll(() => h.close());

it("a grant picks the first configured price, as written in the config override", async () => {
  await h.setConfig({
    items: { seats_po: { customerType: "custom" } },
    products: {
      plan_po: {
        customerType: "custom",
        prices: { monthly: { USD: "10", interval: [1, "month"] }, yearly: { USD: "100", interval: [1, "year"] } },
        includedItems: { seats_po: { quantity: 1 } },
      },
    },
  });
  const id = customId();
  const granted = await h.call("POST", `/payments/products/custom/${id}`, { body: { product_id: "plan_po" } });
  expect(granted.status).toBe(200);
  const list = await h.call("GET", `/payments/products/custom/${id}`);
  const entry = list.json.items[0];
  const days = (Date.parse(entry.subscription.current_period_end) - Date.now()) / DAY;
  // A calendar month is 28-31 days; a year would be 365.
  expect(days).toBeGreaterThan(27);
  expect(days).toBeLessThan(32);
});
