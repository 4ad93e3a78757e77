/**
 * `useTransactions`: a page of the project's transactions, from the provider's `StackAdminApp`.
 */
import type { ListTransactionsOptions, TransactionsPage } from "../core/admin/transactions.js";
import { transactionsQueryOptions } from "./admin-query-options.js";
import { useAdminApp } from "./use-admin-app.js";
import { useQueryState, useSuspendingQuery, useSuspenseForm, type NoSuspense, type QueryState } from "./use-stack-query.js";

/** The cached value is already what the hook returns; one function, so react-query maps it once. */
export const sameValue = <T>(value: T): T => value;

/**
 * A page of the project's transactions, newest first, by `{ cursor?, limit?, type?, customerType?,
 * customerId? }`. Re-read after this app's refunds and quantity changes, on mount and on window
 * focus. Suspends while loading; with `suspense: false` returns a {@link QueryState}.
 *
 * @example
 * const { transactions, nextCursor } = useTransactions({ type: "purchase", limit: 20 });
 */
export function useTransactions(options?: ListTransactionsOptions): TransactionsPage;
export function useTransactions(options: ListTransactionsOptions & NoSuspense): QueryState<TransactionsPage>;
export function useTransactions(options: ListTransactionsOptions & { suspense?: boolean } = {}): TransactionsPage | QueryState<TransactionsPage> {
  const suspense = useSuspenseForm(options, "useTransactions");
  const app = useAdminApp("useTransactions");
  const query = transactionsQueryOptions(app, options);
  return suspense ? useSuspendingQuery(query, sameValue, "The transactions") : useQueryState(query, sameValue);
}
