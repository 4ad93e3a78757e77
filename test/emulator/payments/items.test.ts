import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CONFIG } from "./config.js";
import { createHarness, customId, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = createHarness({ config: TEST_CONFIG });
  await h.emulator.ready;
});
afterAll(() => h.close());

const update = (type: string, id: string, item: string, body: unknown, allowNegative: string | null = "false") =>
  h.call("POST", `/payments/items/${type}/${id}/${item}/update-quantity${allowNegative === null ? "" : `?allow_negative=${allowNegative}`}`, { body });
const quantity = async (type: string, id: string, item: string) => {
  const r = await h.call("GET", `/payments/items/${type}/${id}/${item}`);
  expect(r.status).toBe(200);
  return r.json.quantity as number;
};

describe("GET /payments/items/{type}/{id}/{item}", () => {
  it("answers id, display name and 0 for an untouched item", async () => {
    const user = await h.newUser();
    const r = await h.call("GET", `/payments/items/user/${user.id}/credits`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ id: "credits", display_name: "Credits", quantity: 0 });
    expect(r.headers.get("content-type")).toContain("application/json");
    const i1 = await h.call("GET", `/payments/items/user/${user.id}/i1`);
    expect(i1.json.display_name).toBe("i1");
  });

  it("lets a client read its own items and refuses others, custom customers and anonymous callers", async () => {
    const a = await h.newUser();
    const b = await h.newUser();
    const own = await h.call("GET", `/payments/items/user/${a.id}/credits`, { access: { token: a.token } });
    expect(own.status).toBe(200);
    const other = await h.call("GET", `/payments/items/user/${b.id}/credits`, { access: { token: a.token } });
    expect(other.status).toBe(403);
    expect(other.text).toBe("Clients can only access their own user or team items.");
    const custom = await h.call("GET", `/payments/items/custom/${customId()}/custom_credits`, { access: { token: a.token } });
    expect(custom.status).toBe(403);
    expect(custom.text).toBe("Clients can only access their own user or team items.");
    const noUser = await h.call("GET", `/payments/items/user/${a.id}/credits`, { access: "client" });
    expect(noUser.status).toBe(401);
    expect(noUser.json.code).toBe("USER_AUTHENTICATION_REQUIRED");
    expect(noUser.headers.get("x-stack-known-error")).toBe("USER_AUTHENTICATION_REQUIRED");
  });

  it("checks team membership and team_admin for client reads of team items", async () => {
    const owner = await h.newUser();
    const stranger = await h.newUser();
    const team = await h.newTeam(owner.token);
    const ok = await h.call("GET", `/payments/items/team/${team}/team_credits`, { access: { token: owner.token } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ id: "team_credits", display_name: "Team credits", quantity: 0 });
    const no = await h.call("GET", `/payments/items/team/${team}/team_credits`, { access: { token: stranger.token } });
    expect(no.status).toBe(404);
    expect(no.json).toMatchObject({ code: "TEAM_MEMBERSHIP_NOT_FOUND", details: { team_id: team, user_id: stranger.id } });
  });

  it("answers ITEM_NOT_FOUND, then ITEM_CUSTOMER_TYPE_DOES_NOT_MATCH, then USER_NOT_FOUND / TEAM_NOT_FOUND", async () => {
    const missing = await h.call("GET", `/payments/items/user/not-a-user/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ code: "ITEM_NOT_FOUND", details: { item_id: "nope" }, error: 'Item with ID "nope" not found.' });
    const mismatch = await h.call("GET", `/payments/items/team/not-a-team/credits`);
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.code).toBe("ITEM_CUSTOMER_TYPE_DOES_NOT_MATCH");
    expect(mismatch.json.details).toEqual({ item_id: "credits", customer_id: "not-a-team", item_customer_type: "user", actual_customer_type: "team" });
    const noUser = await h.call("GET", `/payments/items/user/not-a-user/credits`);
    expect(noUser.status).toBe(404);
    expect(noUser.json).toEqual({ code: "USER_NOT_FOUND", error: "User not found." });
    const noUser2 = await h.call("GET", `/payments/items/user/00000000-0000-4000-8000-000000000000/credits`);
    expect(noUser2.json.code).toBe("USER_NOT_FOUND");
    const noTeam = await h.call("GET", `/payments/items/team/00000000-0000-4000-8000-000000000000/team_credits`);
    expect(noTeam.status).toBe(404);
    expect(noTeam.json).toMatchObject({ code: "TEAM_NOT_FOUND", details: { team_id: "00000000-0000-4000-8000-000000000000" } });
    // custom customers are never checked for existence
    expect(await quantity("custom", customId(), "custom_credits")).toBe(0);
  });

  it("rejects a bad customer type with SCHEMA_ERROR", async () => {
    const r = await h.call("GET", `/payments/items/robot/x/credits`);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("SCHEMA_ERROR");
  });
});

describe("POST .../update-quantity", () => {
  it("adds and removes, answers {}, and keeps customers of different types apart", async () => {
    const c = customId();
    const r = await update("custom", c, "custom_credits", { delta: 7, description: "welcome" });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    expect((await update("custom", c, "custom_credits", { delta: -3 })).status).toBe(200);
    expect(await quantity("custom", c, "custom_credits")).toBe(4);
    expect(await quantity("custom", customId(), "custom_credits")).toBe(0);
  });

  it("refuses to overdraw without allow_negative (ITEM_QUANTITY_INSUFFICIENT_AMOUNT, delta in details), allows it with", async () => {
    const c = customId();
    await update("custom", c, "custom_credits", { delta: 5 });
    const r = await update("custom", c, "custom_credits", { delta: -6 });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      code: "ITEM_QUANTITY_INSUFFICIENT_AMOUNT",
      details: { item_id: "custom_credits", customer_id: c, quantity: -6 },
      error: `The item with ID "custom_credits" has an insufficient quantity for the customer with ID "${c}". An attempt was made to charge -6 credits.`,
    });
    expect(await quantity("custom", c, "custom_credits")).toBe(5);
    expect((await update("custom", c, "custom_credits", { delta: -6 }, "true")).status).toBe(200);
    expect(await quantity("custom", c, "custom_credits")).toBe(-1);
    // the check applies to positive deltas too: -1 + 0 stays negative... and -1 + 2 does not
    const stillNegative = await update("custom", c, "custom_credits", { delta: 0 });
    expect(stillNegative.json.code).toBe("ITEM_QUANTITY_INSUFFICIENT_AMOUNT");
    expect((await update("custom", c, "custom_credits", { delta: 2 })).status).toBe(200);
    expect(await quantity("custom", c, "custom_credits")).toBe(1);
  });

  it("a customer in debt cannot be increased without allow_negative while the result stays negative", async () => {
    const c = customId();
    await update("custom", c, "custom_credits", { delta: -5 }, "true");
    const r = await update("custom", c, "custom_credits", { delta: 2 });
    expect(r.json.code).toBe("ITEM_QUANTITY_INSUFFICIENT_AMOUNT");
    expect(await quantity("custom", c, "custom_credits")).toBe(-5);
  });

  it("expires_at: a past expiry counts as zero, a future one lasts until the clock passes it", async () => {
    const c = customId();
    await update("custom", c, "custom_credits", { delta: 10, expires_at: "2000-01-01T00:00:00.000Z" });
    expect(await quantity("custom", c, "custom_credits")).toBe(0);
    const now = (await h.call("GET", "/internal/emulator/clock")).json.now_millis as number;
    await update("custom", c, "custom_credits", { delta: 10, expires_at: new Date(now + 60_000).toISOString() });
    await update("custom", c, "custom_credits", { delta: 5 });
    await update("custom", c, "custom_credits", { delta: -4 });
    // the -4 came from the expiring grant
    expect(await quantity("custom", c, "custom_credits")).toBe(11);
    await h.advanceClock(61_000);
    expect(await quantity("custom", c, "custom_credits")).toBe(5);
  });

  it("is server-only: a client gets INSUFFICIENT_ACCESS_TYPE", async () => {
    const u = await h.newUser();
    const r = await h.call("POST", `/payments/items/user/${u.id}/credits/update-quantity?allow_negative=true`, { access: { token: u.token }, body: { delta: 5 } });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect(await quantity("user", u.id, "credits")).toBe(0);
  });

  it("validates query and body with SCHEMA_ERROR naming the field, changing nothing", async () => {
    const c = customId();
    const cases: [string | null, unknown][] = [
      [null, { delta: 1 }],
      ["maybe", { delta: 1 }],
      ["false", {}],
      ["false", { delta: 1.5 }],
      ["false", { delta: "1" }],
      ["false", { delta: 1, extra: true }],
      ["false", { delta: 1, expires_at: "tomorrow" }],
      ["false", { delta: 2 ** 60 }],
    ];
    for (const [allow, body] of cases) {
      const r = await update("custom", c, "custom_credits", body, allow);
      expect(r.status, JSON.stringify([allow, body])).toBe(400);
      expect(r.json.code).toBe("SCHEMA_ERROR");
    }
    const missing = await update("custom", c, "custom_credits", { delta: 1 }, null);
    expect(missing.json.details.message).toContain("allow_negative");
    const unknown = await update("custom", c, "custom_credits", { delta: 1, extra: true });
    expect(unknown.json.details.message).toContain("extra");
    expect(await quantity("custom", c, "custom_credits")).toBe(0);
  });

  it("checks ITEM_NOT_FOUND → type mismatch → customer exists", async () => {
    expect((await update("user", "x", "nope", { delta: 1 })).json.code).toBe("ITEM_NOT_FOUND");
    expect((await update("custom", "x", "credits", { delta: 1 })).json.code).toBe("ITEM_CUSTOMER_TYPE_DOES_NOT_MATCH");
    expect((await update("user", "00000000-0000-4000-8000-000000000000", "credits", { delta: 1 })).json.code).toBe("USER_NOT_FOUND");
  });

  it("works on user and team customers", async () => {
    const u = await h.newUser();
    expect((await update("user", u.id, "credits", { delta: 3 })).status).toBe(200);
    expect(await quantity("user", u.id, "credits")).toBe(3);
    const team = await h.newTeam();
    expect((await update("team", team, "team_credits", { delta: 9 })).status).toBe(200);
    expect(await quantity("team", team, "team_credits")).toBe(9);
  });
});
