// @vitest-environment node
// The key factory and the query-options factories, without a network: keys are hierarchical (so
// react-query's own prefix matching invalidates and removes by customer and by project), typed with
// the cached value, and the same whichever app computes them.
import { QueryClient, partialMatchKey, type QueryKey } from "@tanstack/react-query";
import { describe, expect, expectTypeOf, it } from "vitest";
import { StackClientApp } from "../../src/apps/client-app.js";
import { StackServerApp } from "../../src/apps/server-app.js";
import type { ItemResponse } from "../../src/core/schemas/payments.js";
import {
  itemQueryOptions,
  productsQueryOptions,
  stackQueryKeys,
  teamsQueryOptions,
  userQueryOptions,
  type ProductsPageWire,
  type TeamWire,
  type UserWire,
} from "../../src/react.js";

const P = "00000000-0000-4000-8000-000000000001";
const A = { userId: "user-a" };
const B = { userId: "user-b" };

const wireItem = (quantity: number): ItemResponse => ({ id: "credits", display_name: "Credits", quantity });
const emptyPage: ProductsPageWire = { items: [], is_paginated: false, pagination: { next_cursor: null } };

describe("stackQueryKeys", () => {
  it("nests project > customer > item / products / page / teams", () => {
    const customer = stackQueryKeys.customer(P, A);
    expect(stackQueryKeys.project(P)).toEqual(["stack-payments", P]);
    expect(customer).toEqual(["stack-payments", P, "customer", "user", "user-a"]);
    expect(stackQueryKeys.item(P, { itemId: "credits", ...A })).toEqual([...customer, "item", "credits"]);
    const products = stackQueryKeys.products(P, A);
    expect(products).toEqual([...customer, "products"]);
    expect(stackQueryKeys.products(P, { ...A, limit: 5 })).toEqual([...products, { cursor: null, limit: 5 }]);
    expect(stackQueryKeys.teams(P, "user-a")).toEqual([...customer, "teams"]);
    for (const key of [customer, products, stackQueryKeys.currentUser(P)]) expect(partialMatchKey(key, stackQueryKeys.project(P))).toBe(true);
    // A team and a custom customer with the same id are other customers.
    expect(partialMatchKey(stackQueryKeys.customer(P, { teamId: "user-a" }), customer)).toBe(false);
    expect(partialMatchKey(stackQueryKeys.customer(P, { customCustomerId: "user-a" }), customer)).toBe(false);
  });

  it("invalidation by a customer's key reaches that customer's queries and no one else's", async () => {
    const client = new QueryClient();
    const keys: QueryKey[] = [
      stackQueryKeys.item(P, { itemId: "credits", ...A }),
      stackQueryKeys.products(P, A),
      stackQueryKeys.products(P, { ...A, cursor: "c1", limit: 2 }),
      stackQueryKeys.teams(P, "user-a"),
      stackQueryKeys.item(P, { itemId: "credits", ...B }),
      stackQueryKeys.products(P, { teamId: "user-a" }),
      stackQueryKeys.item("00000000-0000-4000-8000-000000000002", { itemId: "credits", ...A }),
    ];
    for (const key of keys) client.setQueryData(key, {});
    await client.invalidateQueries({ queryKey: stackQueryKeys.customer(P, A) });
    expect(keys.map((key) => client.getQueryState(key)!.isInvalidated)).toEqual([true, true, true, true, false, false, false]);
    client.removeQueries({ queryKey: stackQueryKeys.project(P) });
    expect(client.getQueryCache().getAll().map((q) => q.queryKey)).toEqual([keys[6]]);
  });

  it("keys of the signed-in user: `or: \"anonymous\"` has its own and implies includeRestricted", () => {
    const plain = stackQueryKeys.currentUser(P);
    expect(stackQueryKeys.currentUser(P, { or: "redirect" })).toEqual(plain);
    expect(stackQueryKeys.currentUser(P, { or: "throw" })).toEqual(plain);
    expect(stackQueryKeys.currentUser(P, { or: "anonymous" })).toEqual([...stackQueryKeys.project(P), "current-user", { anonymous: true, includeRestricted: true }]);
    expect(stackQueryKeys.currentUser(P, { includeRestricted: true })).not.toEqual(plain);
  });

  it("refuses a customer that is not exactly one of userId, teamId, customCustomerId, and an empty id", () => {
    const bad: unknown[] = [{}, { userId: "a", teamId: "b" }, { userId: "" }, { userId: 7 }, null];
    for (const selector of bad) {
      expect(() => stackQueryKeys.customer(P, selector as never)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
    expect(() => stackQueryKeys.item(P, { itemId: "", ...A })).toThrow(/itemId/);
    expect(() => stackQueryKeys.project("")).toThrow(/projectId/);
  });

  it("leaf keys carry the cached type, so getQueryData is typed without annotations", () => {
    const client = new QueryClient();
    client.setQueryData(stackQueryKeys.item(P, { itemId: "credits", ...A }), wireItem(3));
    const item = client.getQueryData(stackQueryKeys.item(P, { itemId: "credits", ...A }));
    expectTypeOf(item).toEqualTypeOf<ItemResponse | undefined>();
    expect(item?.quantity).toBe(3);
    expectTypeOf(client.getQueryData(stackQueryKeys.products(P, A))).toEqualTypeOf<ProductsPageWire | undefined>();
    expectTypeOf(client.getQueryData(stackQueryKeys.teams(P, "u"))).toEqualTypeOf<TeamWire[] | undefined>();
    expectTypeOf(client.getQueryData(stackQueryKeys.currentUser(P))).toEqualTypeOf<UserWire | null | undefined>();
    client.setQueryData(stackQueryKeys.products(P, A), emptyPage);
  });
});

describe("query-options factories", () => {
  const client = new StackClientApp({ projectId: P, baseUrl: "http://127.0.0.1:9", tokenStore: "memory" });
  const server = new StackServerApp({ projectId: P, baseUrl: "http://127.0.0.1:9", secretServerKey: "ssk_x", tokenStore: null });

  it("give the same keys for a server app and a client app, so hydration finds server-rendered data", () => {
    for (const app of [client, server]) {
      expect(itemQueryOptions(app, { itemId: "credits", ...A }).queryKey).toEqual(stackQueryKeys.item(P, { itemId: "credits", ...A }));
      expect(productsQueryOptions(app, A).queryKey).toEqual(stackQueryKeys.products(P, A));
      expect(userQueryOptions(app, { or: "anonymous" }).queryKey).toEqual(stackQueryKeys.currentUser(P, { or: "anonymous" }));
      expect(teamsQueryOptions(app, { id: "user-a", listTeams: async () => [] }).queryKey).toEqual(stackQueryKeys.teams(P, "user-a"));
    }
  });

  it("turn react-query's own retry off, and name the live topic of live reads in `meta`", () => {
    const item = itemQueryOptions(client, { itemId: "credits", ...A });
    const first = productsQueryOptions(client, A);
    const page = productsQueryOptions(client, { ...A, limit: 5 });
    const user = userQueryOptions(client);
    for (const options of [item, first, page, user]) expect(options.retry).toBe(false);
    expect(item.meta).toEqual({ liveTopic: "item:user:user-a:credits" });
    expect(first.meta).toEqual({ liveTopic: "products:user:user-a" });
    // Other pages follow the first page through their key, they have no topic of their own.
    expect(page.meta).toBeUndefined();
    expect(user.meta).toBeUndefined();
  });

  it("tell the apps apart by their `kind`, not by the methods they happen to have", () => {
    expect(client.kind).toBe("client");
    expect(server.kind).toBe("server");
  });
});
