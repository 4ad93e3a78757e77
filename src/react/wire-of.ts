/**
 * The wire bodies the query cache holds for reads whose app method returns SDK objects (the signed-in
 * user, teams, product pages other than the first): the same snake_case shape the API sends, so the
 * cache (and what a server render hands to the browser) holds one format for everything, and the
 * hooks map it back in `select`.
 *
 * Items and the first product page need none of this: the app publishes their exact wire bodies on
 * its live bus, where the query functions take them.
 *
 * Runtime code here must stay free of React and react-query: `stack-payments/server` re-exports it.
 */
import type { CustomerProductsList } from "../core/products.js";
import type { ClientTeamWire, ClientUserWire } from "../core/schemas/auth.js";
import type { CustomerProductWire, ProductOutput, ProductsListResponse } from "../core/schemas/payments.js";
import type { CurrentUser, Team } from "../core/users.js";

/** A team as cached: the client view of `GET /teams` (never server fields). */
export type TeamWire = ClientTeamWire;

/**
 * The signed-in user as cached: the client view of `GET /users/me`, with the fields the SDK's user
 * object has (never server fields).
 */
export type UserWire = Pick<
  ClientUserWire,
  | "id"
  | "display_name"
  | "primary_email"
  | "primary_email_verified"
  | "profile_image_url"
  | "signed_up_at_millis"
  | "client_metadata"
  | "client_read_only_metadata"
  | "has_password"
  | "is_anonymous"
  | "is_restricted"
  | "restricted_reason"
  | "selected_team_id"
> & { selected_team: TeamWire | null };

/**
 * A page of owned products as cached: `GET /payments/products/{type}/{id}`. The first page is the
 * exact body; another page carries, of each product, the fields the SDK's `CustomerProduct` has.
 */
export interface ProductsPageWire extends Omit<ProductsListResponse, "items"> {
  items: Array<
    Omit<CustomerProductWire, "product" | "switch_options"> & {
      product: Pick<ProductOutput, "display_name" | "customer_type" | "server_only" | "stackable">;
      switch_options?: Array<{ product_id: string; product: Pick<ProductOutput, "display_name" | "prices"> }> | undefined;
    }
  >;
}

/** Fields of a team object that {@link teamWireOf} reads (client and server teams have them all). */
export type TeamObject = Pick<Team, "id" | "displayName" | "profileImageUrl" | "clientMetadata" | "clientReadOnlyMetadata">;

/** The client wire view of a team object (a server team's server fields are left out). */
export function teamWireOf(team: TeamObject): TeamWire {
  return {
    id: team.id,
    display_name: team.displayName,
    profile_image_url: team.profileImageUrl,
    client_metadata: (team.clientMetadata ?? null) as TeamWire["client_metadata"],
    client_read_only_metadata: (team.clientReadOnlyMetadata ?? null) as TeamWire["client_read_only_metadata"],
  };
}

/** Fields of a user object that {@link userWireOf} reads (client and server users have them all). */
type UserObject = Pick<
  CurrentUser,
  | "id"
  | "displayName"
  | "primaryEmail"
  | "primaryEmailVerified"
  | "profileImageUrl"
  | "signedUpAt"
  | "clientMetadata"
  | "clientReadOnlyMetadata"
  | "hasPassword"
  | "isAnonymous"
  | "isRestricted"
  | "restrictedReason"
  | "selectedTeamId"
> & { selectedTeam: TeamObject | null };

/** The client wire view of a user object (a server user's server fields are left out). */
export function userWireOf(user: UserObject): UserWire {
  return {
    id: user.id,
    display_name: user.displayName,
    primary_email: user.primaryEmail,
    primary_email_verified: user.primaryEmailVerified,
    profile_image_url: user.profileImageUrl,
    signed_up_at_millis: user.signedUpAt.getTime(),
    client_metadata: (user.clientMetadata ?? null) as UserWire["client_metadata"],
    client_read_only_metadata: (user.clientReadOnlyMetadata ?? null) as UserWire["client_read_only_metadata"],
    has_password: user.hasPassword,
    is_anonymous: user.isAnonymous,
    is_restricted: user.isRestricted,
    restricted_reason: user.restrictedReason,
    selected_team_id: user.selectedTeamId,
    selected_team: user.selectedTeam ? teamWireOf(user.selectedTeam) : null,
  };
}

/** The wire page of a product list the app returned (dates back to ISO strings). */
export function productsPageWireOf(list: CustomerProductsList): ProductsPageWire {
  return {
    items: list.map((p) => ({
      id: p.id,
      quantity: p.quantity,
      ...(p.type !== undefined && { type: p.type }),
      product: { display_name: p.displayName, customer_type: p.customerType, server_only: p.isServerOnly, stackable: p.stackable },
      subscription: p.subscription && {
        subscription_id: p.subscription.subscriptionId,
        current_period_end: p.subscription.currentPeriodEnd?.toISOString() ?? null,
        cancel_at_period_end: p.subscription.cancelAtPeriodEnd,
        is_cancelable: p.subscription.isCancelable,
      },
      ...(p.switchOptions && {
        switch_options: p.switchOptions.map((o) => ({ product_id: o.productId, product: { display_name: o.displayName, prices: o.prices } })),
      }),
    })),
    is_paginated: true,
    pagination: { next_cursor: list.nextCursor },
  };
}

/**
 * The SDK object a query function read together with a wire body, so that the hooks' objects
 * forward `createCheckoutUrl`, `listTeams`, ... to it without reading the user again. Keyed by the
 * body itself: an entry lives exactly as long as that body is held by a cache, so no session's
 * objects outlive its data. Bodies that arrived otherwise (hydrated from a server render) have none,
 * and the hooks read the object once, on the first such call.
 */
const objectsReadWith = new WeakMap<object, object>();

/** Notes that `object` was read along with `wire`; returns `wire`. */
export function keepObjectOf<W extends object>(wire: W, object: object): W {
  objectsReadWith.set(wire, object);
  return wire;
}

/** The object read along with `wire`, if this process read it. */
export function objectReadWith<T>(wire: object): T | undefined {
  return objectsReadWith.get(wire) as T | undefined;
}
