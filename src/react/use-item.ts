/**
 * `useItem`: a customer's item, live. Also what `user.useItem` / `team.useItem` run.
 */
import type { CustomerSelector } from "../core/customer.js";
import { toItem, type Item } from "../core/item.js";
import { useStackContext } from "./provider.js";
import { itemQueryOptions } from "./query-options.js";
import { useQueryState, useSuspendingQuery, useSuspenseForm, type NoSuspense, type QueryState } from "./use-stack-query.js";

/** The item of `selector` in the form asked for (fixed per call site). */
export function useCustomerItem(selector: CustomerSelector, itemId: string, suspense: boolean): Item | QueryState<Item> {
  const { app } = useStackContext();
  const options = itemQueryOptions(app, { itemId, ...selector });
  // `toItem` is one function for the life of the module, so react-query maps each body once.
  return suspense ? useSuspendingQuery(options, toItem, `Item "${itemId}"`) : useQueryState(options, toItem);
}

/**
 * A customer's item by `{ itemId, userId | teamId | customCustomerId }`, live. Suspends while
 * loading; with `suspense: false` returns a {@link QueryState}.
 *
 * @example
 * const credits = useItem({ itemId: "credits", teamId });
 */
export function useItem(options: { itemId: string } & CustomerSelector): Item;
export function useItem(options: { itemId: string } & CustomerSelector & NoSuspense): QueryState<Item>;
export function useItem(options: { itemId: string; suspense?: boolean } & CustomerSelector): Item | QueryState<Item> {
  const suspense = useSuspenseForm(options, "useItem");
  const { itemId, suspense: _, ...selector } = options;
  return useCustomerItem(selector as CustomerSelector, itemId, suspense);
}
