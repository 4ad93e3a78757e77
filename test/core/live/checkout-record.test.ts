/** The core's `createCheckoutUrl` notes the pending checkout in a browser tab (no React involved). */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { readPendingCheckouts } from "../../../src/core/live/pending-checkout.js";
import { setupEmulator } from "../../fixtures/emulator-app.js";

const env = setupEmulator();
const server = env.serverApp();
const projectId = env.emulator.project.id;

beforeAll(async () => {
  await env.emulator.ready;
});
afterAll(async () => {
  await env.emulator.close();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/** A `sessionStorage` stand-in installed as the global one (a browser tab), counting its writes. */
function fakeSessionStorage() {
  const data = new Map<string, string>();
  const writes: string[] = [];
  vi.stubGlobal("sessionStorage", {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void (writes.push(k), data.set(k, v)),
    removeItem: (k: string) => void data.delete(k),
  });
  return { data, writes };
}

async function signedInClient() {
  const user = await server.createUser({ displayName: "Buyer" });
  const tokens = await (await user.createSession()).getTokens();
  return { user, client: env.clientApp({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }) };
}

describe("createCheckoutUrl in a browser tab", () => {
  it("records the pending checkout of the user and of a team, once per call", async () => {
    const storage = fakeSessionStorage();
    const { user, client } = await signedInClient();
    const me = (await client.getUser({ or: "throw" }))!;
    expect(await me.createCheckoutUrl({ productId: "prod_premium_monthly" })).toMatch(/\/purchase\//);
    expect(readPendingCheckouts(projectId)).toEqual([
      { customerType: "user", customerId: user.id, productId: "prod_premium_monthly", at: expect.any(Number) },
    ]);
    expect(storage.writes).toEqual([`stack-payments:pending-checkout:${projectId}`]);

    await server.createTeam({ displayName: "Buyers", creatorUserId: user.id });
    const team = (await me.listTeams())[0]!;
    await team.createCheckoutUrl({ productId: "prod_team_seats" });
    expect(readPendingCheckouts(projectId).map((p) => [p.customerType, p.customerId, p.productId])).toEqual([
      ["user", user.id, "prod_premium_monthly"],
      ["team", team.id, "prod_team_seats"],
    ]);
  });

  it("records nothing when the checkout fails, or for a server app's customer", async () => {
    const storage = fakeSessionStorage();
    const { user, client } = await signedInClient();
    const me = (await client.getUser({ or: "throw" }))!;
    await expect(me.createCheckoutUrl({ productId: "no_such_product" })).rejects.toMatchObject({ status: 400 });
    // The server app stands for the backend process here; its customers are not in a tab.
    await (await server.getUser(user.id))!.createCheckoutUrl({ productId: "prod_premium_monthly" });
    expect(storage.writes).toEqual([]);
  });

  it("is a no-op outside a browser (no sessionStorage)", async () => {
    expect(typeof sessionStorage).toBe("undefined");
    const { client } = await signedInClient();
    const me = (await client.getUser({ or: "throw" }))!;
    await expect(me.createCheckoutUrl({ productId: "prod_premium_monthly" })).resolves.toMatch(/\/purchase\//);
  });
});
