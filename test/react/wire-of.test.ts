// @vitest-environment node
// The wire bodies cached for reads whose app method returns SDK objects: mapped back by the hooks,
// they give the very objects the app returned.
import { describe, expect, it } from "vitest";
import { toProductsList } from "../../src/core/products.js";
import type { ProductOutput, ProductsListResponse } from "../../src/core/schemas/payments.js";
import { productsPageWireOf, teamWireOf, userWireOf } from "../../src/react/wire-of.js";

const product = (name: string, extra: Partial<ProductOutput> = {}): ProductOutput => ({
  display_name: name,
  customer_type: "user",
  stackable: false,
  server_only: false,
  included_items: { credits: { quantity: 500, repeat: [1, "month"], expires: "when-repeated" } },
  client_metadata: { tier: name },
  client_read_only_metadata: null,
  server_metadata: { secret: true },
  prices: { monthly: { USD: "20", interval: [1, "month"] } },
  ...extra,
});

const page: ProductsListResponse = {
  items: [
    {
      id: "pro_monthly",
      quantity: 1,
      type: "subscription",
      product: product("Pro"),
      subscription: { subscription_id: "sub_1", current_period_end: "2030-01-31T10:00:00.000Z", cancel_at_period_end: false, is_cancelable: true },
      switch_options: [{ product_id: "team_monthly", product: product("Team", { prices: { monthly: { USD: "50", interval: [1, "month"] } } }) }],
    },
    { id: null, quantity: 3, product: product("Inline", { stackable: true, server_only: true }), subscription: null },
    { id: "credits_pack", quantity: 2, type: "one_time", product: product("Credits"), subscription: { subscription_id: null, current_period_end: null, cancel_at_period_end: true, is_cancelable: false } },
  ],
  is_paginated: true,
  pagination: { next_cursor: "cursor-2" },
};

describe("productsPageWireOf", () => {
  it("is mapped back by the core's own mapping to the list the app returned", () => {
    const list = toProductsList(page);
    const again = toProductsList(productsPageWireOf(list) as ProductsListResponse);
    expect(again).toEqual(list);
    expect(again.nextCursor).toBe("cursor-2");
    expect(again[0]!.subscription!.currentPeriodEnd).toEqual(new Date("2030-01-31T10:00:00.000Z"));
  });

  it("is plain JSON (it crosses from a server render to the browser) and carries no server metadata", () => {
    const wire = productsPageWireOf(toProductsList(page));
    expect(JSON.parse(JSON.stringify(wire))).toEqual(wire);
    expect(JSON.stringify(wire)).not.toContain("secret");
  });
});

describe("userWireOf and teamWireOf", () => {
  const team = { id: "t1", displayName: "Crew", profileImageUrl: null, clientMetadata: { a: 1 }, clientReadOnlyMetadata: null, serverMetadata: { secret: 1 } };
  const user = {
    id: "u1",
    displayName: "Ada",
    primaryEmail: "ada@example.com",
    primaryEmailVerified: true,
    profileImageUrl: null,
    signedUpAt: new Date(1_700_000_000_123),
    clientMetadata: null,
    clientReadOnlyMetadata: { plan: "pro" },
    hasPassword: false,
    isAnonymous: false,
    isRestricted: false,
    restrictedReason: null,
    selectedTeamId: "t1",
    selectedTeam: team,
    serverMetadata: { secret: 2 },
  };

  it("give the client wire view, in the API's names, without server fields", () => {
    expect(teamWireOf(team)).toEqual({ id: "t1", display_name: "Crew", profile_image_url: null, client_metadata: { a: 1 }, client_read_only_metadata: null });
    const wire = userWireOf(user);
    expect(wire).toEqual({
      id: "u1",
      display_name: "Ada",
      primary_email: "ada@example.com",
      primary_email_verified: true,
      profile_image_url: null,
      signed_up_at_millis: 1_700_000_000_123,
      client_metadata: null,
      client_read_only_metadata: { plan: "pro" },
      has_password: false,
      is_anonymous: false,
      is_restricted: false,
      restricted_reason: null,
      selected_team_id: "t1",
      selected_team: teamWireOf(team),
    });
    expect(JSON.stringify(wire)).not.toContain("secret");
  });
});
