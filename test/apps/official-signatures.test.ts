/**
 * Every method this SDK shares with the official one (`@stackframe/js` 2.8.108) can be called
 * with as few arguments as the official one: an options object the official SDK marks optional is
 * optional here too. Checked by the type checker (`tsc --noEmit` covers test/) over every shared
 * method of the apps, users, teams and items, and at run time against the emulator for the calls
 * that take no argument at all.
 */
import type {
  CurrentServerUser as OfficialCurrentServerUser,
  CurrentUser as OfficialCurrentUser,
  ServerTeam as OfficialServerTeam,
  ServerUser as OfficialServerUser,
  StackClientApp as OfficialClientApp,
  StackServerApp as OfficialServerApp,
  Team as OfficialTeam,
} from "@stackframe/js";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { CurrentUser, Item, ServerItem, ServerTeam, ServerUser, StackClientApp, Team } from "../../src/index.js";
import type { StackServerApp } from "../../src/server.js";
import { setupEmulator } from "../fixtures/emulator-app.js";

type Fn = (...args: never[]) => unknown;
type ParamsOf<T> = Parameters<Extract<NonNullable<T>, Fn>>;
/** Methods both types have. */
type SharedMethods<O, U> = { [K in keyof O & keyof U]: NonNullable<O[K]> extends Fn ? (NonNullable<U[K]> extends Fn ? K : never) : never }[keyof O & keyof U];
/** How many arguments a call needs at least. */
type MinArgs<P extends readonly unknown[], Acc extends unknown[] = []> = Acc extends P ? Acc["length"] : Acc["length"] extends P["length"] ? Acc["length"] : MinArgs<P, [...Acc, never]>;
type Tuple<N extends number, T extends unknown[] = []> = T["length"] extends N ? T : Tuple<N, [...T, never]>;
/** Shared methods that need more arguments here than in the official SDK (should be none). */
type NeedsMoreArgs<O, U> = { [K in SharedMethods<O, U>]: Tuple<MinArgs<ParamsOf<O[K]>>> extends ParamsOf<U[K]> ? never : K }[SharedMethods<O, U>];

type OfficialServerItem = Awaited<ReturnType<OfficialServerUser["getItem"]>>;
type OfficialItem = Awaited<ReturnType<OfficialCurrentUser["getItem"]>>;

describe("signatures shared with the official SDK", () => {
  it("need no more arguments than the official SDK's (checked by tsc)", () => {
    expectTypeOf<NeedsMoreArgs<OfficialClientApp, StackClientApp>>().toEqualTypeOf<never>();
    expectTypeOf<NeedsMoreArgs<OfficialServerApp, StackServerApp>>().toEqualTypeOf<never>();
    expectTypeOf<NeedsMoreArgs<OfficialCurrentUser, CurrentUser>>().toEqualTypeOf<never>();
    expectTypeOf<NeedsMoreArgs<OfficialServerUser, ServerUser>>().toEqualTypeOf<never>();
    expectTypeOf<NeedsMoreArgs<OfficialCurrentServerUser, ServerUser>>().toEqualTypeOf<never>();
    expectTypeOf<NeedsMoreArgs<OfficialTeam, Team>>().toEqualTypeOf<never>();
    expectTypeOf<NeedsMoreArgs<OfficialServerTeam, ServerTeam>>().toEqualTypeOf<never>();
    expectTypeOf<NeedsMoreArgs<OfficialServerItem, ServerItem>>().toEqualTypeOf<never>();
    expectTypeOf<NeedsMoreArgs<OfficialItem, Item>>().toEqualTypeOf<never>();
    // The check itself catches a method that needs more: planted here.
    type Official = { createSession(options?: { expiresInMillis?: number }): Promise<void>; getItem(id: string): Promise<void> };
    type Stricter = { createSession(options: { expiresInMillis?: number }): Promise<void>; getItem(id: string): Promise<void> };
    expectTypeOf<NeedsMoreArgs<Official, Stricter>>().toEqualTypeOf<"createSession">();
    // And the shared set is what it should be (a typo in the helper would make it empty).
    expectTypeOf<"createSession" | "listProducts" | "getItem">().toMatchTypeOf<SharedMethods<OfficialServerUser, ServerUser>>();
  });
});

describe("calls the official SDK allows without an argument", () => {
  const env = setupEmulator();
  const server = env.serverApp();
  beforeAll(async () => {
    await env.emulator.ready;
  });
  afterAll(async () => {
    await env.emulator.close();
  });

  it("server side: createSession(), createUser(), listTeams(), listProducts(), listInvoices(), getUser(), signOut()", async () => {
    const user = await server.createUser();
    const session = await user.createSession();
    const tokens = await session.getTokens();
    expect(tokens.accessToken).toMatch(/^ey/);
    expect(tokens.refreshToken).toBeTruthy();
    const app = env.serverApp(tokens);
    const me = await app.getUser();
    expect(me?.id).toBe(user.id);
    expect(await me!.listTeams()).toEqual([]);
    expect(await me!.listProducts()).toEqual(Object.assign([], { nextCursor: null }));
    expect(await me!.listInvoices()).toEqual(Object.assign([], { nextCursor: null }));
    expect(await app.getAccessToken()).toMatch(/^ey/);
    expect(JSON.parse((await app.getAuthHeaders())["x-stack-auth"])).toMatchObject({ refreshToken: tokens.refreshToken });
    await me!.signOut!();
    expect(await app.getUser()).toBeNull();
    // Options given are sent: an impersonation session is a session all the same.
    expect((await (await user.createSession({ isImpersonation: true, expiresInMillis: 60_000 })).getTokens()).accessToken).toMatch(/^ey/);
    await expect(user.createSession({ expiresInMillis: -1 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument: "expiresInMillis" } });
  });

  it("client side: getUser(), signOut(), getAccessToken(), listTeams(), listProducts(), listInvoices()", async () => {
    const user = await server.createUser();
    const client = env.clientApp(await (await user.createSession()).getTokens());
    const me = (await client.getUser())!;
    expect(me.id).toBe(user.id);
    expect(await me.listTeams()).toEqual([]);
    expect(await me.listProducts()).toHaveLength(0);
    expect(await me.listInvoices()).toHaveLength(0);
    expect(await client.getAccessToken()).toMatch(/^ey/);
    await client.signOut();
    expect(await client.getUser()).toBeNull();
    expect(await client.getAccessToken()).toBeNull();
  });
});
