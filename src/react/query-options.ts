/**
 * Query-options factories for every read: what the hooks run, and what a server component passes to
 * `queryClient.prefetchQuery` before handing the cache to the browser with `HydrationBoundary`.
 * Each returns the object react-query's `queryOptions()` would (its `queryKey` tagged with the cached
 * type); they are written without calling it because `stack-payments/server` re-exports them and
 * must load where react-query is not installed.
 *
 * The cache holds wire bodies only (plain JSON, snake_case), so dehydrated state crosses to the
 * browser as is; the hooks make SDK objects from it in `select`. Retries are off: the transport
 * already retries where it is safe, and attempts must not multiply.
 */
import type { DataTag, QueryKey } from "@tanstack/react-query";
import type { GetUserOptions } from "../core/app-core.js";
import { customerRefFrom, requireId, type CustomerSelector } from "../core/api-context.js";
import { itemTopic, productsTopic, type LiveTopic } from "../core/live/bus.js";
import { customerSelector, readTopic, type LiveApp } from "../core/live/read-topic.js";
import type { CustomerProductsList, ListOptions } from "../core/products.js";
import type { ItemResponse } from "../core/schemas/payments.js";
import type { CallOptions } from "../core/transport.js";
import type { CurrentUser, ServerTeam, Team } from "../core/users.js";
import { clientTeamShape, clientUserShape } from "../core/wire-shapes.js";
import { cachedWireOf, keepObjectOf, type ProductsPageWire, type TeamWire, type UserWire } from "./cached-wire.js";
import { stackQueryKeys } from "./stack-query-keys.js";

/**
 * An app the factories and hooks accept: `StackClientApp` or `StackServerApp`. `kind` says which:
 * a server app sees server-only data, which must not reach what a browser renders.
 */
export type QueryApp = LiveApp & {
  readonly kind: "client" | "server";
  getUser(options: GetUserOptions): Promise<unknown>;
  getItem(options: { itemId: string } & CustomerSelector, callOptions?: CallOptions): Promise<unknown>;
  listProducts(options: CustomerSelector & ListOptions, callOptions?: CallOptions): Promise<unknown>;
};

/** What the query's `meta` tells the live bridge: the live topic whose values this query holds. */
export interface StackQueryMeta extends Record<string, unknown> {
  liveTopic?: LiveTopic | undefined;
}

/** The options every factory returns: a plain object `prefetchQuery`, `useQuery` and `useSuspenseQuery` accept. */
export interface StackQueryOptions<T> {
  queryKey: DataTag<QueryKey, T, Error>;
  queryFn: () => Promise<T>;
  /** Off: retries are the transport's decision, so attempts never multiply. */
  retry: false;
  /** Live values are kept fresh by the live channel; they never go stale by age. */
  staleTime: number;
  meta?: StackQueryMeta;
}

/**
 * Query options of a customer's item; the cached value is the wire body `{ id, display_name, quantity }`,
 * kept live by the provider's live channel.
 *
 * @example
 * // app/credits/page.tsx (server component)
 * await queryClient.prefetchQuery(itemQueryOptions(stackServerApp, { itemId: "credits", userId: user.id }));
 */
export function itemQueryOptions(app: QueryApp, options: { itemId: string } & CustomerSelector): StackQueryOptions<ItemResponse> {
  const { type, id } = customerRefFrom(options);
  const topic = itemTopic(type, id, requireId("itemId", options.itemId));
  return {
    queryKey: stackQueryKeys.item(app.projectId, options),
    queryFn: () => readTopic(app, topic) as Promise<ItemResponse>,
    meta: { liveTopic: topic },
    retry: false,
    staleTime: Infinity,
  };
}

/**
 * Query options of a customer's owned products; the cached value is the wire page. Without
 * `cursor`/`limit` it is the first page, kept live; other pages are re-read when it changes. With a
 * server app, server-only products are left out, so a server render shows (and hands to the
 * browser) exactly what the browser would read itself.
 */
export function productsQueryOptions(app: QueryApp, options: CustomerSelector & ListOptions): StackQueryOptions<ProductsPageWire> {
  const { type, id } = customerRefFrom(options);
  const paged = options.cursor !== undefined || options.limit !== undefined;
  const topic = productsTopic(type, id);
  // Reads through anything but a client app may see server-only products.
  const forBrowser = (page: ProductsPageWire): ProductsPageWire =>
    app.kind === "client" ? page : { ...page, items: page.items.filter((p) => !p.product.server_only) };
  return {
    queryKey: stackQueryKeys.products(app.projectId, options),
    queryFn: paged
      ? async () => {
          const page = { cursor: options.cursor, limit: options.limit };
          return forBrowser(cachedWireOf((await app.listProducts({ ...customerSelector(type, id), ...page })) as CustomerProductsList));
        }
      : async () => forBrowser((await readTopic(app, topic)) as ProductsPageWire),
    ...(!paged && { meta: { liveTopic: topic } }),
    retry: false,
    staleTime: Infinity,
  };
}

/** Options of {@link userQueryOptions} and `useUser`. */
export interface UserQueryOptions {
  /** `"anonymous"` signs up an anonymous user when nobody is signed in; else nobody reads as null. */
  or?: "return-null" | "redirect" | "throw" | "anonymous" | undefined;
  /** Treat restricted (e.g. unverified) users as signed in. Implied by `or: "anonymous"`. */
  includeRestricted?: boolean | undefined;
  /** Server apps: whose user to read (e.g. the incoming request, or `"nextjs-cookie"`). */
  tokenStore?: GetUserOptions["tokenStore"];
}

/** The `getUser` options a user query reads with: only what the caller gave, as `getUser` defines the rest. */
export function getUserOptionsOf(options: UserQueryOptions, or: GetUserOptions["or"]): GetUserOptions {
  return {
    or,
    ...(options.includeRestricted !== undefined && { includeRestricted: options.includeRestricted }),
    ...(options.tokenStore !== undefined && { tokenStore: options.tokenStore }),
  };
}

/**
 * Query options of the signed-in user; the cached value is the client wire view of the user, or null
 * when nobody is signed in. `redirect` and `throw` are applied by `useUser`, not here (a prefetch
 * must not navigate).
 *
 * @example
 * await queryClient.prefetchQuery(userQueryOptions(stackServerApp, { tokenStore: "nextjs-cookie" }));
 */
export function userQueryOptions(app: QueryApp, options: UserQueryOptions = {}): StackQueryOptions<UserWire | null> {
  return {
    queryKey: stackQueryKeys.currentUser(app.projectId, options),
    queryFn: async () => {
      const user = (await app.getUser(getUserOptionsOf(options, options.or === "anonymous" ? "anonymous" : "return-null"))) as CurrentUser | null;
      if (!user) return null;
      const wire = cachedWireOf<UserWire>(user, clientUserShape);
      if (wire.selected_team && user.selectedTeam) keepObjectOf(wire.selected_team, user.selectedTeam);
      return wire;
    },
    retry: false,
    staleTime: Infinity,
  };
}

/**
 * Query options of the teams of a signed-in user (client wire views of the teams).
 *
 * @example
 * const user = await stackServerApp.getUser({ or: "throw" });
 * await queryClient.prefetchQuery(teamsQueryOptions(stackServerApp, user));
 */
export function teamsQueryOptions(app: QueryApp, user: { id: string; listTeams(): Promise<Array<Team | ServerTeam>> }): StackQueryOptions<TeamWire[]> {
  return {
    queryKey: stackQueryKeys.teams(app.projectId, user.id),
    queryFn: async () => (await user.listTeams()).map((team) => cachedWireOf<TeamWire>(team, clientTeamShape)),
    retry: false,
    // Memberships change rarely and have no live topic: re-read after a minute.
    staleTime: 60_000,
  };
}
