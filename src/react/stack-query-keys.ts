/**
 * The query keys of every read, from one hierarchical factory, so that react-query's own prefix
 * matching does the work: invalidate `stackQueryKeys.customer(projectId, { userId })` and every item,
 * product page and team list of that user is re-read; remove `stackQueryKeys.project(projectId)` and
 * nothing of the project is left.
 *
 * ```
 * ["stack-payments", projectId]
 * ["stack-payments", projectId, "current-user", { anonymous, includeRestricted }]
 * ["stack-payments", projectId, "customer", type, id]
 * ["stack-payments", projectId, "customer", type, id, "item", itemId]
 * ["stack-payments", projectId, "customer", type, id, "products"]                      (first page, live)
 * ["stack-payments", projectId, "customer", type, id, "products", { cursor, limit }]   (another page)
 * ["stack-payments", projectId, "customer", "user", userId, "teams"]
 * ```
 *
 * Keys name the customer but not the session, because a server render and the browser must compute
 * the same key for hydration to find the data; `StackProvider` scopes the cache to the session by
 * removing the project's queries when it changes.
 *
 * Runtime code here must stay free of React and react-query: `stack-payments/server` re-exports it.
 */
import type { DataTag, QueryKey } from "@tanstack/react-query";
import { customerRefFrom, requireId, type CustomerSelector } from "../core/api-context.js";
import type { ListOptions } from "../core/products.js";
import type { ItemResponse } from "../core/schemas/payments.js";
import type { ProductsPageWire, TeamWire, UserWire } from "./cached-wire.js";

/** First element of every key of ours. */
const QUERY_NAMESPACE = "stack-payments";

/** Which signed-in user a user query reads (what the key records of `useUser`'s options). */
export interface CurrentUserKeyOptions {
  or?: string | undefined;
  includeRestricted?: boolean | undefined;
}

const tagged = <T>(key: QueryKey) => key as DataTag<QueryKey, T, Error>;

/**
 * The key factory. Leaf keys are typed with their cached value, so
 * `queryClient.getQueryData(stackQueryKeys.item(projectId, { itemId, userId }))` is an `ItemResponse`.
 *
 * @example
 * // after a purchase your server confirmed: re-read everything of this user
 * await queryClient.invalidateQueries({ queryKey: stackQueryKeys.customer(app.projectId, { userId }) });
 */
export const stackQueryKeys = {
  /** Every query of ours, all projects. */
  all: (): QueryKey => [QUERY_NAMESPACE],
  /** Every query of a project (what a session change removes). */
  project: (projectId: string): QueryKey => [QUERY_NAMESPACE, requireId("projectId", projectId)],
  /**
   * The signed-in user. `or: "anonymous"` reads (or signs up) an anonymous user, so it has a key
   * of its own; it implies `includeRestricted`, as in `getUser`.
   */
  currentUser: (projectId: string, options: CurrentUserKeyOptions = {}) => {
    const anonymous = options.or === "anonymous";
    return tagged<UserWire | null>([
      ...stackQueryKeys.project(projectId),
      "current-user",
      { anonymous, includeRestricted: options.includeRestricted ?? anonymous },
    ]);
  },
  /** Every query of one customer: items, product pages, and (for a user) the team list. */
  customer: (projectId: string, customer: CustomerSelector): QueryKey => {
    const { type, id } = customerRefFrom(customer);
    return [...stackQueryKeys.project(projectId), "customer", type, id];
  },
  /** A customer's item. */
  item: (projectId: string, options: { itemId: string } & CustomerSelector) =>
    tagged<ItemResponse>([...stackQueryKeys.customer(projectId, options), "item", requireId("itemId", options?.itemId)]),
  /**
   * A customer's owned products. Without `cursor`/`limit`: the first page with the server's default
   * limit, the one that is live; it is also the prefix of every other page's key.
   */
  products: (projectId: string, options: CustomerSelector & ListOptions) => {
    const base = [...stackQueryKeys.customer(projectId, options), "products"];
    const paged = options.cursor !== undefined || options.limit !== undefined;
    return tagged<ProductsPageWire>(paged ? [...base, { cursor: options.cursor ?? null, limit: options.limit ?? null }] : base);
  },
  /** The teams of the signed-in user `userId`. */
  teams: (projectId: string, userId: string) =>
    tagged<TeamWire[]>([...stackQueryKeys.customer(projectId, { userId: requireId("userId", userId) }), "teams"]),
};
