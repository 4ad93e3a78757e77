// stack-payments/testing as a user would use it: msw routes the SDK's requests to an in-process
// emulator, so a plain `new StackServerApp(...)` works with no port and no network.
import { setupServer } from "msw/node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { StackServerApp } from "../../src/server.js";
import { createProjectEmulator, createTestEmulator, getWorkerEmulator, type TestEmulator } from "../../src/testing.js";

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

it("gives every test emulator a project of its own on the worker's one emulator; close() deletes it", async () => {
  const other = await createTestEmulator({ config: { items: { credits: { customerType: "user" } } } });
  try {
    // One database for the worker, two projects.
    expect(other.emulator.db).toBe(t.emulator.db);
    expect(other.emulator.db).toBe(getWorkerEmulator().db);
    expect(other.appOptions.projectId).not.toBe(t.appOptions.projectId);
    const mine = new StackServerApp({ ...t.appOptions, tokenStore: "memory", fetch: (input, init) => t.emulator.fetch(new Request(input, init)) });
    const theirs = new StackServerApp({ ...other.appOptions, tokenStore: "memory", fetch: (input, init) => other.emulator.fetch(new Request(input, init)) });
    const user = await mine.createUser({ displayName: "mine" });
    expect(await theirs.getUser(user.id)).toBeNull();
    expect((await mine.getUser(user.id))?.displayName).toBe("mine");
  } finally {
    await other.close();
  }
  const gone = await other.emulator.fetch(
    new Request(`${other.appOptions.baseUrl}/api/v1/projects/current`, {
      headers: { "x-stack-access-type": "client", "x-stack-project-id": other.appOptions.projectId },
    }),
  );
  expect(gone.status).toBe(400);
  expect(((await gone.json()) as { code: string }).code).toBe("CURRENT_PROJECT_NOT_FOUND");
});

it("createProjectEmulator is usable at once: the first request waits for its project", async () => {
  const emulator = createProjectEmulator({ config: { items: { seats: { customerType: "custom" } } } });
  const res = await emulator.fetch(
    new Request("http://x/api/v1/payments/items/custom/c1/seats", {
      headers: { "x-stack-access-type": "server", "x-stack-project-id": emulator.project.id, "x-stack-secret-server-key": emulator.project.secretServerKey },
    }),
  );
  expect(res.status).toBe(200);
  expect(((await res.json()) as { quantity: number }).quantity).toBe(0);
  await emulator.close();
});
