// @vitest-environment node
// What the query functions cache for reads whose app method returns SDK objects (the signed-in user,
// teams, product pages other than the first): the wire body the API sent, in the client's view.
// Checked against the emulator's own answers, read here without the SDK; a server app's cached
// bodies equal a client app's, server fields left out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackServerApp } from "../../src/apps/server-app.js";
import type { Emulator } from "../../src/emulator/create-emulator.js";
import { productsQueryOptions, teamsQueryOptions, userQueryOptions } from "../../src/react.js";
import { cachedWireOf } from "../../src/react/cached-wire.js";
import { BASE_URL, createClientApp, createServerApp, newSignedInUser, startEmulator } from "./setup.js";

let emulator: Emulator;
let server: StackServerApp;
beforeAll(async () => {
  emulator = await startEmulator();
  server = createServerApp(emulator);
});
afterAll(async () => {
  await emulator.close();
});

/** The emulator's own answer to a request sent without the SDK. */
async function answer(method: string, path: string, auth: { server: true } | { accessToken: string }, body?: unknown) {
  const headers: Record<string, string> = { "x-stack-project-id": emulator.project.id, "content-type": "application/json" };
  if ("server" in auth) Object.assign(headers, { "x-stack-access-type": "server", "x-stack-secret-server-key": emulator.project.secretServerKey });
  else Object.assign(headers, { "x-stack-access-type": "client", "x-stack-publishable-client-key": emulator.project.publishableClientKey, "x-stack-access-token": auth.accessToken });
  const response = await emulator.fetch(new Request(`${BASE_URL}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** A signed-in user who belongs to a team and has it selected, with client and server apps. */
async function userWithTeam() {
  const { user, tokens } = await newSignedInUser(server);
  const team = await server.createTeam({ displayName: "Crew", creatorUserId: user.id });
  await answer("PATCH", `/users/${user.id}`, { server: true }, { selected_team_id: team.id, server_metadata: { secret: "s" } });
  await answer("PATCH", `/teams/${team.id}`, { server: true }, { server_metadata: { secret: "t" } });
  const { app } = createClientApp(emulator, tokens);
  return { user, team, tokens, app };
}

describe("the cached user", () => {
  it("is the body of GET /users/me as the API sent it (client app)", async () => {
    const { tokens, app } = await userWithTeam();
    const cached = await userQueryOptions(app).queryFn();
    expect(cached).toEqual(await answer("GET", "/users/me", tokens));
    expect(cached!.selected_team).toMatchObject({ display_name: "Crew" });
  });

  it("is the client view of the user for a server app: the same body, without server fields", async () => {
    const { tokens, app } = await userWithTeam();
    const viaServer = await userQueryOptions(server, { tokenStore: tokens }).queryFn();
    const viaClient = await userQueryOptions(app).queryFn();
    // The server read the server view (server_metadata, last_active_at_millis, ...); the cache holds the client view.
    const serverView = await answer("GET", `/users/${viaClient!.id}`, { server: true });
    expect(serverView.server_metadata).toEqual({ secret: "s" });
    expect(viaServer).toEqual(viaClient);
    expect(Object.keys(viaServer!).sort()).toEqual(Object.keys(viaClient!).sort());
    expect(JSON.stringify(viaServer)).not.toContain("secret");
    expect(viaServer!.selected_team).not.toHaveProperty("created_at_millis");
  });
});

describe("the cached teams", () => {
  it("are the client bodies of GET /teams, for client and server apps alike", async () => {
    const { user, tokens, app } = await userWithTeam();
    const clientUser = await app.getUser({ or: "throw" });
    const serverUser = (await server.getUser(user.id))!;
    const viaClient = await teamsQueryOptions(app, clientUser).queryFn();
    const viaServer = await teamsQueryOptions(server, serverUser).queryFn();
    expect(viaClient).toEqual((await answer("GET", "/teams?user_id=me", tokens)).items);
    expect(viaServer).toEqual(viaClient);
    expect(JSON.stringify(viaServer)).not.toContain("secret");
  });
});

describe("a cached product page other than the first", () => {
  it("is the body of the page the API sent (client app)", async () => {
    const { user, tokens, app } = await userWithTeam();
    await server.grantProduct({ userId: user.id, productId: "pro" });
    await server.grantProduct({ userId: user.id, productId: "boost", quantity: 2 });
    const cached = await productsQueryOptions(app, { userId: user.id, limit: 1 }).queryFn();
    expect(cached).toEqual(await answer("GET", `/payments/products/user/${user.id}?limit=1`, tokens));
    expect(cached.items).toHaveLength(1);
    expect(cached.pagination.next_cursor).toEqual(expect.any(String));
  });
});

describe("cachedWireOf", () => {
  it("refuses an object no stack-payments app made", () => {
    expect(() => cachedWireOf({ id: "t1", displayName: "Hand-made" })).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
  });
});
