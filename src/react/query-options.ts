/**
 * Query keys and query-options factories for every read, usable in client components (through the
 * hooks) and on the server (`queryClient.prefetchQuery(itemQueryOptions(app, ...))` in a Next.js
 * server component, then `HydrationBoundary`). The cache holds plain JSON only (wire bodies and
 * JSON snapshots), so dehydrated state crosses to the browser as is; hooks map it to SDK objects.
 *
 * Keys: `["stack-payments", projectId, kind, ...customer, ...args]`. They name the customer but not
 * the session generation, because a server render and the browser must compute the same key for
 * hydration to find the data; the session scoping comes from `StackProvider`, which removes every
 * query of the project when the session changes (sign-in, sign-out).
 */
import type { GetUserOptions } from "../core/app-core.js";
import { customerRefFrom, type CustomerSelector } from "../core/customer.js";
import { invalidArgument } from "../core/errors.js";
import { itemTopic, productsTopic, type LiveTopic } from "../core/live/bus.js";
import { customerSelector, readTopic, type LiveApp } from "../core/live/live-host.js";
import type { CustomerProduct, CustomerProductsList, ListOptions } from "../core/products.js";
import type { CustomerType } from "../core/schemas/common.js";
import type { ItemResponse, ProductsListResponse } from "../core/schemas/payments.js";
import type { QueryKey } from "@tanstack/react-query";

/** First element of every key of ours. */
export const QUERY_NAMESPACE = "stack-payments";

/** An app the factories accept: `StackClientApp` or `StackServerApp`. */
export type QueryApp = LiveApp & {
  getUser(options: GetUserOptions): Promise<unknown>;
};

/** Options shape shared by the factories: a plain object `prefetchQuery`/`useQuery` accept. */
export interface StackQueryOptions<T> {
  queryKey: QueryKey;
  queryFn: () => Promise<T>;
  /** Off: retries are the transport's decision, so attempts never multiply. */
  retry: false;
  /** The live channel keeps these values fresh; they never go stale by age. */
  staleTime: number;
}

/** Key prefix of every query of a project (what a session change clears). */
export function projectQueryKey(projectId: string): QueryKey {
  return [QUERY_NAMESPACE, projectId];
}

/** Key of a customer's item. */
export function itemQueryKey(projectId: string, customerType: CustomerType, customerId: string, itemId: string): QueryKey {
  return [QUERY_NAMESPACE, projectId, "item", customerType, customerId, itemId];
}

/** Key of a customer's products; without a page: the first page with the default limit (the live one). */
export function productsQueryKey(
  projectId: string,
  customerType: CustomerType,
  customerId: string,
  page?: ListOptions,
): QueryKey {
  const base = [QUERY_NAMESPACE, projectId, "products", customerType, customerId];
  return page && (page.cursor !== undefined || page.limit !== undefined)
    ? [...base, { cursor: page.cursor ?? null, limit: page.limit ?? null }]
    : base;
}

/** The live topic a key of ours follows, if any (items, and products' first page). */
export function topicOfQueryKey(key: QueryKey): LiveTopic | undefined {
  if (key[0] !== QUERY_NAMESPACE) return undefined;
  const [, , kind, type, id, extra] = key as [string, string, string, CustomerType, string, unknown];
  if (kind === "item" && typeof extra === "string") return itemTopic(type, id, extra);
  if (kind === "products" && key.length === 5) return productsTopic(type, id);
  return undefined;
}

function customerOf(selector: unknown): { type: CustomerType; id: string } {
  return customerRefFrom(selector);
}

function requireItemId(options: unknown): string {
  const itemId = (options as { itemId?: unknown } | null)?.itemId;
  if (typeof itemId !== "string" || itemId.length === 0) throw invalidArgument("itemId", "expected a non-empty string");
  return itemId;
}

/** Whether `app` holds server credentials (its reads see server-only products). */
function isServerApp(app: object): boolean {
  return typeof (app as { createUser?: unknown }).createUser === "function";
}

/**
 * Query options of a customer's item: the cached value is the wire body `{ id, display_name, quantity }`.
 *
 * @example
 * // app/credits/page.tsx (server component)
 * await queryClient.prefetchQuery(itemQueryOptions(stackServerApp, { itemId: "credits", userId: user.id }));
 */
export function itemQueryOptions(
  app: QueryApp,
  options: { itemId: string } & CustomerSelector,
): StackQueryOptions<ItemResponse> {
  const itemId = requireItemId(options);
  const { type, id } = customerOf(options);
  const topic = itemTopic(type, id, itemId);
  return {
    queryKey: itemQueryKey(app.projectId, type, id, itemId),
    queryFn: () => readTopic(app, topic) as Promise<ItemResponse>,
    retry: false,
    staleTime: Infinity,
  };
}

/**
 * Query options of a customer's owned products: the cached value is the wire page
 * `{ items, is_paginated, pagination }` (with `cursor`/`limit`: a {@link PageSnapshot}). With a server app, server-only products are left out, so
 * a server render shows (and hands to the browser) exactly what the browser would read itself.
 */
export function productsQueryOptions(
  app: QueryApp,
  options: CustomerSelector & ListOptions,
): StackQueryOptions<ProductsListResponse | PageSnapshot> {
  const { type, id } = customerOf(options);
  const page = stripUndefined({ cursor: options.cursor, limit: options.limit });
  const server = isServerApp(app);
  return {
    queryKey: productsQueryKey(app.projectId, type, id, page),
    queryFn: async () => {
      if (page.cursor !== undefined || page.limit !== undefined) {
        const snap = await readPage(app, type, id, page);
        return server ? { ...snap, items: snap.items.filter((p) => !p.isServerOnly) } : snap;
      }
      const wire = (await readTopic(app, productsTopic(type, id))) as ProductsListResponse;
      return server ? { ...wire, items: wire.items.filter((p) => !p.product.server_only) } : wire;
    },
    retry: false,
    staleTime: Infinity,
  };
}

/**
 * A page other than the first has no live topic and the app returns it mapped, so it is cached as
 * the mapped list made JSON-safe (dates as ISO strings); see {@link PageSnapshot}.
 */
async function readPage(app: QueryApp, type: CustomerType, id: string, page: ListOptions): Promise<PageSnapshot> {
  const list = (await app.listProducts({ ...customerSelector(type, id), ...page })) as CustomerProductsList;
  return JSON.parse(JSON.stringify({ items: [...list], nextCursor: list.nextCursor })) as PageSnapshot;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A cached page of products other than the first: `CustomerProduct`s with dates as strings. */
export interface PageSnapshot {
  items: Array<CustomerProduct & { subscription: null | (Omit<NonNullable<CustomerProduct["subscription"]>, "currentPeriodEnd"> & { currentPeriodEnd: string | null }) }>;
  nextCursor: string | null;
}

/** Plain-JSON snapshot of a team (what the cache holds; hooks rebuild the object). */
export interface TeamSnapshot {
  id: string;
  displayName: string;
  profileImageUrl: string | null;
  clientMetadata: unknown;
  clientReadOnlyMetadata: unknown;
}

/** Plain-JSON snapshot of the signed-in user, client fields only (never server metadata). */
export interface UserSnapshot {
  id: string;
  displayName: string | null;
  primaryEmail: string | null;
  primaryEmailVerified: boolean;
  profileImageUrl: string | null;
  /** ISO date. */
  signedUpAt: string;
  clientMetadata: unknown;
  clientReadOnlyMetadata: unknown;
  hasPassword: boolean;
  isAnonymous: boolean;
  isRestricted: boolean;
  restrictedReason: { type: string } | null;
  selectedTeamId: string | null;
  selectedTeam: TeamSnapshot | null;
}

type TeamLike = TeamSnapshot;
type UserLike = Omit<UserSnapshot, "signedUpAt" | "selectedTeam"> & { signedUpAt: Date; selectedTeam: TeamLike | null };

/** The JSON snapshot of a team object. */
export function teamSnapshot(team: TeamLike): TeamSnapshot {
  return {
    id: team.id,
    displayName: team.displayName,
    profileImageUrl: team.profileImageUrl,
    clientMetadata: team.clientMetadata ?? null,
    clientReadOnlyMetadata: team.clientReadOnlyMetadata ?? null,
  };
}

/** The JSON snapshot of a user object (client fields only). */
export function userSnapshot(user: UserLike): UserSnapshot {
  return {
    id: user.id,
    displayName: user.displayName,
    primaryEmail: user.primaryEmail,
    primaryEmailVerified: user.primaryEmailVerified,
    profileImageUrl: user.profileImageUrl,
    signedUpAt: user.signedUpAt.toISOString(),
    clientMetadata: user.clientMetadata ?? null,
    clientReadOnlyMetadata: user.clientReadOnlyMetadata ?? null,
    hasPassword: user.hasPassword,
    isAnonymous: user.isAnonymous,
    isRestricted: user.isRestricted,
    restrictedReason: user.restrictedReason,
    selectedTeamId: user.selectedTeamId,
    selectedTeam: user.selectedTeam ? teamSnapshot(user.selectedTeam) : null,
  };
}

/** Options of {@link userQueryOptions}. */
export interface UserQueryOptions {
  /** `"anonymous"` signs up an anonymous user when nobody is signed in; else nobody reads as null. */
  or?: "return-null" | "redirect" | "throw" | "anonymous" | undefined;
  includeRestricted?: boolean | undefined;
  /** Server apps: whose user to read (e.g. the incoming request, or `"nextjs-cookie"`). */
  tokenStore?: GetUserOptions["tokenStore"];
}

/**
 * The objects of the users and teams read by the query functions, so that hooks hand out the very
 * objects (with all their methods) without another request. Keyed by app, then by id.
 */
export const liveObjects = new WeakMap<object, Map<string, object>>();

function remember(app: object, key: string, value: object): void {
  let map = liveObjects.get(app);
  if (!map) liveObjects.set(app, (map = new Map()));
  map.set(key, value);
}

/** Key of the signed-in user's query. */
export function userQueryKey(projectId: string, options: UserQueryOptions = {}): QueryKey {
  return [QUERY_NAMESPACE, projectId, "user", { anonymous: options.or === "anonymous", includeRestricted: options.includeRestricted === true }];
}

/**
 * Query options of the signed-in user: the cached value is a {@link UserSnapshot} or null.
 * `redirect`/`throw` are applied by `useUser`, not here (a prefetch must not navigate).
 *
 * @example
 * await queryClient.prefetchQuery(userQueryOptions(stackServerApp, { tokenStore: "nextjs-cookie" }));
 */
export function userQueryOptions(app: QueryApp, options: UserQueryOptions = {}): StackQueryOptions<UserSnapshot | null> {
  return {
    queryKey: userQueryKey(app.projectId, options),
    queryFn: async () => {
      const user = (await app.getUser({
        or: options.or === "anonymous" ? "anonymous" : "return-null",
        includeRestricted: options.includeRestricted === true,
        ...(options.tokenStore !== undefined && { tokenStore: options.tokenStore }),
      })) as (UserLike & object) | null;
      if (!user) return null;
      if (!isServerApp(app)) remember(app, `user:${user.id}`, user);
      return userSnapshot(user);
    },
    retry: false,
    staleTime: Infinity,
  };
}

/** Key of the signed-in user's teams. */
export function teamsQueryKey(projectId: string, userId: string): QueryKey {
  return [QUERY_NAMESPACE, projectId, "teams", userId];
}

/** Query options of the teams of the signed-in user (as snapshots). */
export function teamsQueryOptions(
  app: QueryApp,
  user: { id: string; listTeams(): Promise<TeamLike[]> },
): StackQueryOptions<TeamSnapshot[]> {
  return {
    queryKey: teamsQueryKey(app.projectId, user.id),
    queryFn: async () => {
      const teams = await user.listTeams();
      for (const team of teams) remember(app, `team:${team.id}`, team);
      return teams.map(teamSnapshot);
    },
    retry: false,
    // Memberships change rarely and have no live topic: re-read after a minute.
    staleTime: 60_000,
  };
}
