/**
 * Ids from user input: every id-taking method of the apps, users, teams (and so their items)
 * refuses an id that cannot be one path segment before sending anything, and an odd but valid id
 * is percent-encoded and reaches exactly its own customer. Against the in-process emulator, with
 * victims whose balances and products must not move.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackClientApp } from "../../src/index.js";
import { StackServerApp } from "../../src/server.js";
import type { CurrentUser, ServerTeam, ServerUser, Team } from "../../src/index.js";
import { BASE_URL, setupEmulator } from "../fixtures/emulator-app.js";

const env = setupEmulator();
const server = env.serverApp();

/** Every request the hostile apps send (they share one fetch). */
const sent: string[] = [];
const recordingFetch = (input: RequestInfo | URL, init?: RequestInit) => {
  const request = new Request(input, init);
  sent.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
  return env.fetch(request);
};

let victim: { userId: string; teamId: string; customId: string };
let hostile: { client: StackClientApp; server: StackServerApp; me: CurrentUser; myTeam: Team; su: ServerUser; st: ServerTeam };

/** Everything the victims own, read with server access. */
async function victimState() {
  const read = async (selector: { userId: string } | { teamId: string } | { customCustomerId: string }, itemId: string) => ({
    item: (await server.getItem({ ...selector, itemId })).quantity,
    products: (await server.listProducts(selector)).map((p) => [p.id, p.quantity, p.subscription?.cancelAtPeriodEnd ?? null]),
  });
  return {
    user: await read({ userId: victim.userId }, "credits"),
    team: await read({ teamId: victim.teamId }, "team_credits"),
    custom: await read({ customCustomerId: victim.customId }, "api_calls"),
  };
}

beforeAll(async () => {
  await env.emulator.ready;
  const victimUser = await server.createUser({ displayName: "Victim" });
  const victimTeam = await server.createTeam({ displayName: "Victim team", creatorUserId: victimUser.id });
  victim = { userId: victimUser.id, teamId: victimTeam.id, customId: `victim-${crypto.randomUUID()}` };
  await server.grantProduct({ userId: victim.userId, productId: "prod_starter", quantity: 2 });
  await server.grantProduct({ userId: victim.userId, productId: "prod_premium_monthly" });
  await server.grantProduct({ teamId: victim.teamId, productId: "prod_team_seats" });
  await server.grantProduct({ customCustomerId: victim.customId, productId: "prod_api" });

  // The attacker: a signed-in user administering their own team, with apps that record requests.
  const attacker = await server.createUser({ displayName: "Attacker" });
  const tokens = await (await attacker.createSession()).getTokens();
  const common = { baseUrl: BASE_URL, projectId: env.emulator.project.id, publishableClientKey: env.emulator.project.publishableClientKey, fetch: recordingFetch };
  const client = new StackClientApp({ ...common, tokenStore: tokens });
  const hostileServer = new StackServerApp({ ...common, secretServerKey: env.emulator.project.secretServerKey, tokenStore: tokens });
  const ownTeam = await hostileServer.createTeam({ displayName: "Attacker team", creatorUserId: attacker.id });
  const me = await client.getUser({ or: "throw" });
  hostile = {
    client,
    server: hostileServer,
    me,
    myTeam: (await me.getTeam(ownTeam.id))!,
    su: (await hostileServer.getUser(attacker.id))!,
    st: (await hostileServer.getTeam(ownTeam.id))!,
  };
});
afterAll(async () => {
  await env.emulator.close();
});

/** Ids that cannot be one path segment. The first is the one that once moved a victim's balance. */
const refusedIds = () => [
  `../user/${victim.userId}/credits/update-quantity?allow_negative=true#`,
  `../../items/user/${victim.userId}/credits`,
  "a/b",
  "a\\b",
  "a?b",
  "a#b",
  "a\u0000b",
  "a\nb",
  "\u007f",
  "a\u0085b",
  "..",
  ".",
];

type Call = [label: string, argument: string, call: (id: string) => Promise<unknown>];

/** Every id-taking method, once per id argument it takes. */
function idTakingCalls(): Call[] {
  const { client, server: s, me, myTeam, su, st } = hostile;
  const signal = new AbortController().signal;
  const customerCalls = (who: string, c: CurrentUser | Team | ServerUser | ServerTeam): Call[] => [
    [`${who}.getItem`, "itemId", (id) => c.getItem(id)],
    [`${who}.createCheckoutUrl`, "productId", (id) => c.createCheckoutUrl({ productId: id })],
    [`${who}.switchSubscription from`, "fromProductId", (id) => c.switchSubscription({ fromProductId: id, toProductId: "prod_starter" })],
    [`${who}.switchSubscription to`, "toProductId", (id) => c.switchSubscription({ fromProductId: "prod_starter", toProductId: id })],
    [`${who}.switchSubscription price`, "priceId", (id) => c.switchSubscription({ fromProductId: "prod_starter", toProductId: "prod_premium_monthly", priceId: id })],
    [`${who}.cancelSubscription`, "productId", (id) => c.cancelSubscription({ productId: id })],
    [`${who}.cancelSubscription subscription`, "subscriptionId", (id) => c.cancelSubscription({ productId: "prod_starter", subscriptionId: id })],
  ];
  const serverCustomerCalls = (who: string, c: ServerUser | ServerTeam): Call[] => [
    ...customerCalls(who, c),
    [`${who}.grantProduct`, "productId", (id) => c.grantProduct({ productId: id })],
  ];
  const selectorCalls = (who: string, app: StackClientApp | StackServerApp): Call[] => [
    [`${who}.getItem user`, "userId", (id) => app.getItem({ userId: id, itemId: "credits" })],
    [`${who}.getItem team`, "teamId", (id) => app.getItem({ teamId: id, itemId: "team_credits" })],
    [`${who}.getItem custom`, "customCustomerId", (id) => app.getItem({ customCustomerId: id, itemId: "api_calls" })],
    [`${who}.getItem item`, "itemId", (id) => app.getItem({ userId: victim.userId, itemId: id })],
    [`${who}.listProducts user`, "userId", (id) => app.listProducts({ userId: id })],
    [`${who}.listProducts team`, "teamId", (id) => app.listProducts({ teamId: id })],
    [`${who}.listProducts custom`, "customCustomerId", (id) => app.listProducts({ customCustomerId: id })],
    [`${who}.listInvoices user`, "userId", (id) => app.listInvoices({ userId: id })],
    [`${who}.listInvoices team`, "teamId", (id) => app.listInvoices({ teamId: id })],
    [`${who}.cancelSubscription product`, "productId", (id) => app.cancelSubscription({ productId: id })],
    [`${who}.cancelSubscription team`, "teamId", (id) => app.cancelSubscription({ productId: "prod_premium_monthly", teamId: id })],
    [`${who}.cancelSubscription subscription`, "subscriptionId", (id) => app.cancelSubscription({ productId: "prod_premium_monthly", subscriptionId: id })],
    [`${who}.openLiveEventStream`, "customerId", (id) => app.openLiveEventStream({ type: "user", id }, { signal })],
  ];
  return [
    ...selectorCalls("client", client),
    ...selectorCalls("server", s),
    ["server.getUser", "userId", (id) => s.getUser(id)],
    ["server.getTeam", "teamId", (id) => s.getTeam(id)],
    ["server.createTeam", "creatorUserId", (id) => s.createTeam({ displayName: "x", creatorUserId: id })],
    ["server.grantProduct user", "userId", (id) => s.grantProduct({ userId: id, productId: "prod_starter" })],
    ["server.grantProduct team", "teamId", (id) => s.grantProduct({ teamId: id, productId: "prod_team_seats" })],
    ["server.grantProduct custom", "customCustomerId", (id) => s.grantProduct({ customCustomerId: id, productId: "prod_api" })],
    ["server.grantProduct product", "productId", (id) => s.grantProduct({ userId: victim.userId, productId: id })],
    ["server.createCheckoutUrl user", "userId", (id) => s.createCheckoutUrl({ userId: id, productId: "prod_starter" })],
    ["server.createCheckoutUrl team", "teamId", (id) => s.createCheckoutUrl({ teamId: id, productId: "prod_team_seats" })],
    ["server.createCheckoutUrl custom", "customCustomerId", (id) => s.createCheckoutUrl({ customCustomerId: id, productId: "prod_api" })],
    ["server.createCheckoutUrl product", "productId", (id) => s.createCheckoutUrl({ userId: victim.userId, productId: id })],
    ["server.cancelSubscription user", "userId", (id) => s.cancelSubscription({ userId: id, productId: "prod_premium_monthly" })],
    ["server.cancelSubscription custom", "customCustomerId", (id) => s.cancelSubscription({ customCustomerId: id, productId: "prod_api" })],
    ["server.cancelSubscription customer's product", "productId", (id) => s.cancelSubscription({ userId: victim.userId, productId: id })],
    ["server.cancelSubscription customer's subscription", "subscriptionId", (id) => s.cancelSubscription({ userId: victim.userId, productId: "prod_premium_monthly", subscriptionId: id })],
    ...customerCalls("user (client)", me),
    ["user (client).getTeam", "teamId", (id) => me.getTeam(id)],
    ...customerCalls("team (client)", myTeam),
    ...serverCustomerCalls("user (server)", su),
    ["user (server).getTeam", "teamId", (id) => su.getTeam(id)],
    ...serverCustomerCalls("team (server)", st),
    ["team (server).addUser", "userId", (id) => st.addUser(id)],
  ];
}

describe("ids that cannot be a path segment", () => {
  it("are refused by every id-taking method with INVALID_ARGUMENT naming the argument, and nothing is sent", async () => {
    const before = await victimState();
    const calls = idTakingCalls();
    expect(calls.length).toBeGreaterThan(70);
    sent.length = 0;
    const failures: string[] = [];
    for (const [label, argument, call] of calls) {
      for (const id of refusedIds()) {
        const outcome = await call(id).then(
          () => "resolved",
          (e: unknown) => e as { code?: string; details?: { argument?: string } },
        );
        const ok = typeof outcome === "object" && outcome.code === "INVALID_ARGUMENT" && outcome.details?.argument === argument;
        if (!ok) failures.push(`${label} ${JSON.stringify(id)}: ${JSON.stringify(outcome)}`);
        if (sent.length) failures.push(`${label} ${JSON.stringify(id)} sent ${sent.splice(0).join(", ")}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await victimState()).toEqual(before);
  });

  it("the error says which argument, what is wrong with it, and that nothing was sent", async () => {
    const error = await hostile.server.getItem({ customCustomerId: `../user/${victim.userId}/credits/update-quantity?allow_negative=true#`, itemId: "credits" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", details: { argument: "customCustomerId" } });
    expect((error as Error).message).toMatch(/^Invalid argument `customCustomerId`: "\.\.\/user\/.*" contains "\/", which an id cannot hold .*nothing was sent$/);
    const nul = await hostile.client.getItem({ userId: "a\u0000b", itemId: "credits" }).catch((e: unknown) => e);
    expect((nul as Error).message).toContain('"a\\u0000b" contains control character U+0000');
  });
});

describe("odd but valid ids", () => {
  // Each is one path segment once percent-encoded; "%2e%2e" would be a step up if sent unencoded.
  const oddIds = ["a b", "%2e%2e", "%2F..%2F", "...", " ..", "ü-ß", "a+b&c=d;e", "100%", "@here:x", `${"x".repeat(200)}`];

  it("are encoded and reach exactly their own custom customer; other customers do not change", async () => {
    const before = await victimState();
    for (const id of oddIds) {
      sent.length = 0;
      await hostile.server.grantProduct({ customCustomerId: id, productId: "prod_api" });
      const item = await hostile.server.getItem({ customCustomerId: id, itemId: "api_calls" });
      expect(item.quantity).toBe(1000);
      await item.decreaseQuantity(1);
      expect(sent).toEqual([
        `POST /api/v1/payments/products/custom/${encodeURIComponent(id)}`,
        `GET /api/v1/payments/items/custom/${encodeURIComponent(id)}/api_calls`,
        `POST /api/v1/payments/items/custom/${encodeURIComponent(id)}/api_calls/update-quantity?allow_negative=true`,
      ]);
      expect((await server.getItem({ customCustomerId: id, itemId: "api_calls" })).quantity).toBe(999);
      expect((await server.listProducts({ customCustomerId: id })).map((p) => p.id)).toEqual(["prod_api"]);
    }
    expect(await victimState()).toEqual(before);
  });
});
