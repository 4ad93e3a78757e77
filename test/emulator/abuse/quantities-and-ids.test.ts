// Numbers the ledger cannot hold exactly are refused (never stored, never drifting), and user and
// team ids match as on the hosted API: one customer, one ledger, whatever case a caller tries.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { computeItemQuantity, MAX_QUANTITY, replayItemLedger } from "../../../src/emulator/ledger.js";
import { TEST_CONFIG } from "../payments/config.js";
import { createHarness, customId, type Harness } from "../payments/harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

const MAX = Number.MAX_SAFE_INTEGER;

async function change(customerPath: string, delta: number | string, item = "custom_credits") {
  return h.call("POST", `/payments/items/${customerPath}/${item}/update-quantity?allow_negative=true`, { rawBody: `{"delta":${delta}}` });
}

async function quantity(customerPath: string, item = "custom_credits", access: Parameters<Harness["call"]>[2] = {}): Promise<number> {
  const res = await h.call("GET", `/payments/items/${customerPath}/${item}`, access);
  expect(res.status, res.text).toBe(200);
  return res.json.quantity as number;
}

describe("quantities stay exact", () => {
  test("MAX_SAFE + MAX_SAFE is refused, and so is +1 at MAX_SAFE; the balance never drifts", async () => {
    const c = `custom/${customId()}`;
    expect((await change(c, MAX)).status).toBe(200);
    const twice = await change(c, MAX);
    expect(twice.status).toBe(400);
    expect(twice.text).toContain(`would make it ${2 * MAX}`);
    expect(twice.text).toContain("Nothing was changed");
    expect((await change(c, 1)).status).toBe(400);
    expect(await quantity(c)).toBe(MAX);
    expect((await change(c, -1)).status).toBe(200);
    expect(await quantity(c)).toBe(MAX - 1);
    expect((await change(c, 1)).status).toBe(200);
    expect(await quantity(c)).toBe(MAX);
    expect((await change(c, -MAX)).status).toBe(200);
    expect(await quantity(c)).toBe(0);
  });

  test("debt is bounded the same way", async () => {
    const c = `custom/${customId()}`;
    expect((await change(c, -MAX)).status).toBe(200);
    expect((await change(c, -1)).status).toBe(400);
    expect(await quantity(c)).toBe(-MAX);
    expect((await change(c, MAX)).status).toBe(200);
    expect(await quantity(c)).toBe(0);
  });

  test("a delta that is not a safe integer is a SCHEMA_ERROR on body.delta", async () => {
    const c = `custom/${customId()}`;
    for (const delta of ["9007199254740992", "-9007199254740992", "1e300", "1152921504606846976"]) {
      const res = await change(c, delta);
      expect(res.status, delta).toBe(400);
      expect(res.json.code).toBe("SCHEMA_ERROR");
      expect(res.json.error).toContain("body.delta");
    }
    expect(await quantity(c)).toBe(0);
  });

  test("a grant whose included amount cannot be held exactly is refused; nothing is granted", async () => {
    const c = customId();
    const inline = (quantity: number) => ({
      display_name: "Huge",
      customer_type: "custom",
      prices: { once: { USD: "1" } },
      included_items: { custom_credits: { quantity } },
    });
    const huge = await h.call("POST", `/payments/products/custom/${c}`, { body: { product_inline: inline(1e16) } });
    expect(huge.status).toBe(400);
    expect(huge.text).toContain('would grant 10000000000000000 of item "custom_credits"');
    expect(await quantity(`custom/${c}`)).toBe(0);
    expect((await h.call("GET", `/payments/products/custom/${c}`)).json.items).toEqual([]);
    const fits = await h.call("POST", `/payments/products/custom/${c}`, { body: { product_inline: inline(9e15) } });
    expect(fits.status, fits.text).toBe(200);
    expect(await quantity(`custom/${c}`)).toBe(9e15);
  });

  test("the ledger never produces an unsafe number, even from repeats that time piles up", () => {
    const day = 24 * 60 * 60 * 1000;
    const purchase = {
      id: "p",
      kind: "one_time" as const,
      productId: "x",
      quantity: 1,
      createdAt: 0,
      endedAt: null,
      includedItems: { credits: { quantity: 4e15, repeat: [1, "day"] as [number, "day"], expires: "never" as const } },
    };
    const q = computeItemQuantity("credits", [], [purchase], 10 * day);
    expect(Number.isSafeInteger(q)).toBe(true);
    expect(q).toBe(MAX_QUANTITY);
    // What lies beyond stays out of view: spending a little leaves the shown balance at the bound.
    expect(computeItemQuantity("credits", [{ itemId: "credits", delta: -1, createdAt: 10 * day, expiresAt: null }], [purchase], 10 * day)).toBe(MAX_QUANTITY);
    expect(computeItemQuantity("credits", [], [purchase], 1 * day)).toBe(8e15);
    expect(replayItemLedger([{ at: 0, amount: -MAX, expiresAt: null }, { at: 1, amount: -MAX, expiresAt: null }], 2)).toBe(-MAX_QUANTITY);
  });
});

describe("time stays representable", () => {
  test("the test clock cannot be moved past the last date a timestamp can hold", async () => {
    const before = (await h.call("GET", "/internal/emulator/clock")).json.now_millis as number;
    const res = await h.call("POST", "/internal/emulator/clock/advance", { body: { advance_millis: MAX } });
    expect(res.status).toBe(400);
    expect(res.text).toContain("The clock cannot move past +275760-09-13T00:00:00.000Z");
    const after = (await h.call("GET", "/internal/emulator/clock")).json.now_millis as number;
    expect(after - before).toBeLessThan(60_000);
  });
});

describe("user and team ids match as on the hosted API", () => {
  test("a user id in another letter case is not that user: USER_NOT_FOUND, no second ledger", async () => {
    const user = await h.newUser();
    expect((await change(`user/${user.id}`, 5, "credits")).status).toBe(200);
    const upper = user.id.toUpperCase();
    const write = await change(`user/${upper}`, 10, "credits");
    expect(write.status).toBe(404);
    expect(write.json.code).toBe("USER_NOT_FOUND");
    const read = await h.call("GET", `/payments/items/user/${upper}/credits`);
    expect(read.json.code).toBe("USER_NOT_FOUND");
    const grant = await h.call("POST", `/payments/products/user/${upper}`, { body: { product_id: "credit_pack" } });
    expect(grant.json.code).toBe("USER_NOT_FOUND");
    expect(await quantity(`user/${user.id}`, "credits")).toBe(5);
    // The user's own client gets 403 for the other spelling, as the hosted API compares ids exactly.
    const own = await h.call("GET", `/payments/items/user/${upper}/credits`, { access: { token: user.token } });
    expect(own.status).toBe(403);
    expect(await quantity(`user/${user.id}`, "credits", { access: { token: user.token } })).toBe(5);
  });

  test("a team id in another letter case is not that team: TEAM_NOT_FOUND, no second ledger", async () => {
    const admin = await h.newUser();
    const team = await h.newTeam(admin.token);
    expect((await change(`team/${team}`, 5, "team_credits")).status).toBe(200);
    const upper = team.toUpperCase();
    const write = await change(`team/${upper}`, 10, "team_credits");
    expect(write.status).toBe(404);
    expect(write.json.code).toBe("TEAM_NOT_FOUND");
    // The team's admin reaching it by the other spelling is refused the same way.
    const viaClient = await h.call("GET", `/payments/items/team/${upper}/team_credits`, { access: { token: admin.token } });
    expect(viaClient.json.code).toBe("TEAM_NOT_FOUND");
    expect(await quantity(`team/${team}`, "team_credits")).toBe(5);
  });

  test("custom ids stay case-sensitive: two spellings are two customers", async () => {
    const id = customId();
    expect((await change(`custom/${id}`, 5)).status).toBe(200);
    expect((await change(`custom/${id.toUpperCase()}`, 10)).status).toBe(200);
    expect(await quantity(`custom/${id}`)).toBe(5);
    expect(await quantity(`custom/${id.toUpperCase()}`)).toBe(10);
  });
});
