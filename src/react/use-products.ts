/**
 * `useProducts`: a customer's owned products, live. Also what `user.useProducts` / `team.useProducts` run.
 */
import type { CustomerSelector } from "../core/customer.js";
import { toProductsList, type CustomerProductsList, type ListOptions } from "../core/products.js";
import { useStackContext } from "./provider.js";
import { productsQueryOptions } from "./query-options.js";
import { useQueryState, useSuspendingQuery, useSuspenseForm, type NoSuspense, type QueryState } from "./use-stack-query.js";

/** The products of `selector` in the form asked for (fixed per call site). */
export function useCustomerProducts(
  selector: CustomerSelector,
  page: ListOptions,
  suspense: boolean,
): CustomerProductsList | QueryState<CustomerProductsList> {
  const { app } = useStackContext();
  const options = productsQueryOptions(app, { ...selector, ...page });
  // The core's own mapping, one function for the life of the module: react-query maps each page once.
  return suspense ? useSuspendingQuery(options, toProductsList, "The product list") : useQueryState(options, toProductsList);
}

/**
 * A customer's owned products by `{ userId | teamId | customCustomerId, cursor?, limit? }`, live
 * for the first page (other pages are re-read when it changes). Suspends while loading; with
 * `suspense: false` returns a {@link QueryState}.
 */
export function useProducts(options: CustomerSelector & ListOptions): CustomerProductsList;
export function useProducts(options: CustomerSelector & ListOptions & NoSuspense): QueryState<CustomerProductsList>;
export function useProducts(
  options: CustomerSelector & ListOptions & { suspense?: boolean },
): CustomerProductsList | QueryState<CustomerProductsList> {
  const suspense = useSuspenseForm(options, "useProducts");
  const { cursor, limit, suspense: _, ...selector } = options;
  return useCustomerProducts(selector as CustomerSelector, { cursor, limit }, suspense);
}
