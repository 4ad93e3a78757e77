// stack-payments/testing as a user would use it: msw routes the SDK's requests to an in-process
// emulator, so a plain `new StackServerApp(...)` works with no port and no network.
import { setupServer } from "msw/node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { StackServerApp } from "../../src/server.js";
import { createTestEmulator, type TestEmulator } from "../../src/testing.js";

let t: TestEmulator;
let server: ReturnType<typeof setupServer>;

beforeAll(async () => {
  t = await createTestEmulator({
    config: {
      items: { credits: { customerType: "user" } },
      products: { starter: { customerType: "user", prices: { once: { USD: "5" } }, includedItems: { credits: { quantity: 40 } } } },
    },
  });
  server = setupServer(...t.handlers);
  server.listen({ onUnhandledRequest: "error" });
});

afterAll(async () => {
  server.close();
  await t.close();
});

it("routes a StackServerApp through msw to the emulator: grant, read, spend", async () => {
  const app = new StackServerApp({ ...t.appOptions, tokenStore: "memory" });
  const user = await app.createUser({ displayName: "Test user" });
  await user.grantProduct({ productId: "starter" });
  const credits = await user.getItem("credits");
  expect(credits.quantity).toBe(40);
  expect(await credits.tryDecreaseQuantity(15)).toBe(true);
  expect(credits.quantity).toBe(25);
  expect(await credits.tryDecreaseQuantity(26)).toBe(false);
  expect((await user.getItem("credits")).quantity).toBe(25);
});

it("keeps customers apart: another user's balance is untouched", async () => {
  const app = new StackServerApp({ ...t.appOptions, tokenStore: "memory" });
  const [a, b] = [await app.createUser({}), await app.createUser({})];
  await a.grantProduct({ productId: "starter", quantity: 1 });
  expect((await a.getItem("credits")).quantity).toBe(40);
  expect((await b.getItem("credits")).quantity).toBe(0);
});
