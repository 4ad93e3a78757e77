/**
 * The hooks. Each read comes in two forms:
 * - suspending (the default, as in the official SDK): `user.useItem("credits")` returns the
 *   `Item` itself and suspends while it loads;
 * - non-suspending: `user.useItem("credits", { suspense: false })` returns
 *   `{ status, data, error, isFetching, refetch }` and never suspends.
 * Pick the form per call site and keep it (it decides which react-query hook runs).
 *
 * Values are cached as plain JSON (wire bodies, snapshots) and mapped to SDK objects here, so the
 * same cache can be filled on the server and hydrated in the browser.
 */
import { useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { useMemo, useSyncExternalStore } from "react";
import type { CustomerSelector } from "../core/customer.js";
import { StackPaymentsError } from "../core/errors.js";
import { toItem, type Item } from "../core/item.js";
import { customerSelector } from "../core/live/live-host.js";
import { toProductsList, type CustomerProductsList, type ListOptions } from "../core/products.js";
import type { CustomerType } from "../core/schemas/common.js";
import type { ItemResponse, ProductsListResponse } from "../core/schemas/payments.js";
import type { CurrentUser, Team } from "../core/users.js";
import { useStackContext } from "./provider.js";
import {
  itemQueryOptions,
  liveObjects,
  productsQueryOptions,
  teamsQueryOptions,
  userQueryOptions,
  type QueryApp,
  type PageSnapshot,
  type StackQueryOptions,
  type TeamSnapshot,
  type UserQueryOptions,
  type UserSnapshot,
} from "./query-options.js";

/** Asks a hook for its non-suspending form. */
export interface NoSuspense {
  suspense: false;
}

/** What a non-suspending hook returns. */
export interface QueryState<T> {
  /** `pending` until the first value (or error) arrives. */
  status: "pending" | "error" | "success";
  data: T | undefined;
  error: Error | null;
  /** True while a request for this value is in flight. */
  isFetching: boolean;
  /** Reads the value again. */
  refetch(): Promise<void>;
}

/** Hooks of a customer (user or team). */
export interface CustomerHooks {
  /** The item, live. Suspends while loading. */
  useItem(itemId: string): Item;
  useItem(itemId: string, options: NoSuspense): QueryState<Item>;
  /** Owned products (first page by default), live. Suspends while loading. */
  useProducts(options?: ListOptions): CustomerProductsList;
  useProducts(options: ListOptions & NoSuspense): QueryState<CustomerProductsList>;
}

/** A team as the hooks return it: the client `Team`, plus hooks. */
export type ReactTeam = Team & CustomerHooks;

/** The signed-in user as `useUser` returns it: the client `CurrentUser`, plus hooks. */
export type ReactUser = Omit<CurrentUser, "selectedTeam"> &
  CustomerHooks & {
    readonly selectedTeam: ReactTeam | null;
    /** One of the user's teams (null if not a member). Suspends while loading. */
    useTeam(teamId: string): ReactTeam | null;
    useTeam(teamId: string, options: NoSuspense): QueryState<ReactTeam | null>;
    /** The user's teams. Suspends while loading. */
    useTeams(): ReactTeam[];
    useTeams(options: NoSuspense): QueryState<ReactTeam[]>;
  };

const isServer = typeof window === "undefined";

/**
 * During server rendering a value that is not in the cache is not fetched (the server has no
 * browser session, and a server render cannot wait for it): the hook throws, and React renders
 * the nearest Suspense fallback and retries that part in the browser.
 */
function serverMiss(what: string): StackPaymentsError {
  return new StackPaymentsError({
    code: "CONFIGURATION_ERROR",
    message: `${what} is not prefetched (use its *QueryOptions with HydrationBoundary), so it renders in the browser.`,
  });
}

function useStackQuery<W, T>(
  options: StackQueryOptions<W>,
  map: (wire: W) => T,
  suspense: boolean,
  what: string,
): T | QueryState<T> {
  const { queryClient } = useStackContext();
  if (suspense) {
    if (isServer && queryClient.getQueryData(options.queryKey) === undefined) throw serverMiss(what);
    // eslint-disable-next-line react-hooks/rules-of-hooks -- the form is fixed per call site.
    const result = useSuspenseQuery(options, queryClient);
    // eslint-disable-next-line react-hooks/rules-of-hooks
    return useMemo(() => map(result.data), [result.data]);
  }
  // eslint-disable-next-line react-hooks/rules-of-hooks
  const result = useQuery(options, queryClient);
  // eslint-disable-next-line react-hooks/rules-of-hooks
  return useMemo(
    () => ({
      status: result.status,
      data: result.data === undefined ? undefined : map(result.data),
      error: result.error,
      isFetching: result.isFetching,
      refetch: async () => {
        await result.refetch();
      },
    }),
    [result.status, result.data, result.error, result.isFetching, result.refetch],
  );
}

const itemCache = new WeakMap<object, Item>();
function mapItem(wire: ItemResponse): Item {
  let item = itemCache.get(wire);
  if (!item) itemCache.set(wire, (item = toItem(wire)));
  return item;
}
const productsCache = new WeakMap<object, CustomerProductsList>();
function mapProducts(value: ProductsListResponse | PageSnapshot): CustomerProductsList {
  let list = productsCache.get(value);
  if (!list) {
    list =
      "pagination" in value
        ? toProductsList(value)
        : Object.assign(
            value.items.map((p) => ({
              ...p,
              subscription: p.subscription && {
                ...p.subscription,
                currentPeriodEnd: p.subscription.currentPeriodEnd === null ? null : new Date(p.subscription.currentPeriodEnd),
              },
            })),
            { nextCursor: value.nextCursor },
          );
    productsCache.set(value, list);
  }
  return list;
}

function splitSuspense<T extends object>(options: T | undefined): [Omit<T, "suspense">, boolean] {
  if (!options) return [{} as Omit<T, "suspense">, true];
  const { suspense, ...rest } = options as T & { suspense?: boolean };
  return [rest, suspense !== false];
}

function useCustomerItem(app: QueryApp, selector: CustomerSelector, itemId: string, suspense: boolean) {
  return useStackQuery(itemQueryOptions(app, { itemId, ...selector }), mapItem, suspense, `Item "${itemId}"`);
}

function useCustomerProducts(app: QueryApp, selector: CustomerSelector, page: ListOptions, suspense: boolean) {
  return useStackQuery(productsQueryOptions(app, { ...selector, ...page }), mapProducts, suspense, "The product list");
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
  const { app } = useStackContext();
  const [rest, suspense] = splitSuspense(options);
  return useStackQuery(itemQueryOptions(app, rest as { itemId: string } & CustomerSelector), mapItem, suspense, `Item "${options.itemId}"`);
}

/**
 * A customer's owned products by `{ userId | teamId | customCustomerId, cursor?, limit? }`, live
 * for the first page. Suspends while loading; with `suspense: false` returns a {@link QueryState}.
 */
export function useProducts(options: CustomerSelector & ListOptions): CustomerProductsList;
export function useProducts(options: CustomerSelector & ListOptions & NoSuspense): QueryState<CustomerProductsList>;
export function useProducts(
  options: CustomerSelector & ListOptions & { suspense?: boolean },
): CustomerProductsList | QueryState<CustomerProductsList> {
  const { app } = useStackContext();
  const [rest, suspense] = splitSuspense(options);
  return useStackQuery(productsQueryOptions(app, rest as CustomerSelector & ListOptions), mapProducts, suspense, "The product list");
}

// ---- users and teams ----

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

const CUSTOMER_METHODS = ["createCheckoutUrl", "listInvoices", "getBilling", "switchSubscription", "cancelSubscription"] as const;
const USER_METHODS = ["listTeams", "getTeam", "createTeam", "signOut"] as const;

/** The full user object of `id` (kept from the query, else read again). */
async function fullUser(app: QueryApp, id: string): Promise<CurrentUser> {
  const kept = liveObjects.get(app)?.get(`user:${id}`) as CurrentUser | undefined;
  if (kept) return kept;
  // The hook's user may be anonymous (e.g. prefetched on the server): accept that user, but never
  // sign up a new one here.
  const user = (await app.getUser({ or: "anonymous-if-exists[deprecated]", includeRestricted: true })) as CurrentUser | null;
  if (!user || user.id !== id) {
    throw new StackPaymentsError({ code: "USER_NOT_SIGNED_IN", message: `User ${id} is no longer signed in in this app.` });
  }
  return user;
}

async function fullTeam(app: QueryApp, userId: string, teamId: string): Promise<Team> {
  const kept = liveObjects.get(app)?.get(`team:${teamId}`) as Team | undefined;
  if (kept) return kept;
  const team = await (await fullUser(app, userId)).getTeam(teamId);
  if (!team) throw new StackPaymentsError({ code: "TEAM_NOT_FOUND", message: `Team ${teamId} not found.` });
  return team;
}

/** Methods and hooks every customer object gets. */
function customerPart(app: QueryApp, type: CustomerType, id: string, full: () => Promise<object>) {
  const selector = customerSelector(type, id);
  const part: Record<string, unknown> = {
    getItem: (itemId: string) => app.getItem({ itemId, ...selector }),
    listProducts: (options?: ListOptions) => app.listProducts({ ...selector, ...options }),
    useItem: (itemId: string, options?: NoSuspense) => useCustomerItem(app, selector, itemId, options?.suspense !== false),
    useProducts: (options?: ListOptions & { suspense?: boolean }) => {
      const [page, suspense] = splitSuspense(options);
      return useCustomerProducts(app, selector, page, suspense);
    },
  };
  for (const name of CUSTOMER_METHODS) {
    part[name] = async (...args: unknown[]) => ((await full()) as Record<string, AnyMethod>)[name]!(...args);
  }
  return part;
}

function withRef<T extends object>(target: T, type: CustomerType, id: string, app: QueryApp): T {
  Object.defineProperty(target, "customerRef", { value: { type, id }, enumerable: false });
  Object.defineProperty(target, "app", { value: app, enumerable: false });
  return target;
}

const teamObjects = new WeakMap<object, ReactTeam>();
function buildTeam(app: QueryApp, userId: string, snap: TeamSnapshot): ReactTeam {
  let team = teamObjects.get(snap);
  if (team) return team;
  team = withRef(
    { ...snap, ...customerPart(app, "team", snap.id, () => fullTeam(app, userId, snap.id)) },
    "team",
    snap.id,
    app,
  ) as unknown as ReactTeam;
  teamObjects.set(snap, team);
  return team;
}

const userObjects = new WeakMap<object, ReactUser>();
function buildUser(app: QueryApp, snap: UserSnapshot): ReactUser {
  let user = userObjects.get(snap);
  if (user) return user;
  const full = () => fullUser(app, snap.id);
  const methods: Record<string, unknown> = {};
  for (const name of USER_METHODS) {
    methods[name] = async (...args: unknown[]) => ((await full()) as unknown as Record<string, AnyMethod>)[name]!(...args);
  }
  const u = {
    ...snap,
    signedUpAt: new Date(snap.signedUpAt),
    selectedTeam: snap.selectedTeam ? buildTeam(app, snap.id, snap.selectedTeam) : null,
    ...customerPart(app, "user", snap.id, full),
    ...methods,
    useTeams: (options?: NoSuspense) => useTeamsOf(app, u, options?.suspense !== false),
    useTeam: (teamId: string, options?: NoSuspense) => {
      const result = useTeamsOf(app, u, options?.suspense !== false);
      if (Array.isArray(result)) return result.find((t) => t.id === teamId) ?? null;
      const state = result as QueryState<ReactTeam[]>;
      return { ...state, data: state.data === undefined ? undefined : (state.data.find((t) => t.id === teamId) ?? null) };
    },
  };
  user = withRef(u, "user", snap.id, app) as unknown as ReactUser;
  userObjects.set(snap, user);
  return user;
}

function useTeamsOf(app: QueryApp, user: { id: string }, suspense: boolean): ReactTeam[] | QueryState<ReactTeam[]> {
  const options = teamsQueryOptions(app, { id: user.id, listTeams: async () => (await fullUser(app, user.id)).listTeams() });
  return useStackQuery(options, (snaps) => mapTeams(app, user.id, snaps), suspense, "The team list");
}

const teamLists = new WeakMap<object, ReactTeam[]>();
function mapTeams(app: QueryApp, userId: string, snaps: TeamSnapshot[]): ReactTeam[] {
  let list = teamLists.get(snaps);
  if (!list) teamLists.set(snaps, (list = snaps.map((s) => buildTeam(app, userId, s))));
  return list;
}

const redirects = new WeakMap<object, Promise<never>>();
const noScope = () => "";

/** Options of {@link useUser}. */
export type UseUserOptions = UserQueryOptions;

/**
 * The signed-in user, with hooks as methods (`user.useItem`, `user.useProducts`, `user.useTeam`).
 * As in the official SDK: `or: "redirect"` navigates to sign-in, `"throw"` throws, `"anonymous"`
 * signs up an anonymous user, and the default returns null when nobody is signed in. Suspends
 * while loading; with `suspense: false` returns a {@link QueryState}. Re-renders on sign-in/out.
 *
 * @example
 * const user = useUser({ or: "redirect" });
 * const credits = user.useItem("credits");
 */
export function useUser(options: UseUserOptions & { or: "redirect" | "throw" | "anonymous" }): ReactUser;
export function useUser(options?: UseUserOptions): ReactUser | null;
export function useUser(options: UseUserOptions & NoSuspense): QueryState<ReactUser | null>;
export function useUser(options: UseUserOptions & { suspense?: boolean } = {}): ReactUser | null | QueryState<ReactUser | null> {
  const { app } = useStackContext();
  const [rest, suspense] = splitSuspense(options);
  const scoped = app as QueryApp & { onSessionChange?: (l: () => void) => () => void; queryKeyScope?: () => string };
  // Re-render on sign-in/out: the provider has dropped the old session's queries by then.
  useSyncExternalStore(
    scoped.onSessionChange ? (l) => scoped.onSessionChange!(l) : () => () => {},
    scoped.queryKeyScope ? () => scoped.queryKeyScope!() : noScope,
    noScope,
  );
  const result = useStackQuery(
    userQueryOptions(app, rest),
    (snap: UserSnapshot | null) => (snap ? buildUser(app, snap) : null),
    suspense,
    "The signed-in user",
  );
  const user = suspense ? (result as ReactUser | null) : (result as QueryState<ReactUser | null>).data;
  const settled = suspense || (result as QueryState<ReactUser | null>).status === "success";
  if (settled && user === null) {
    if (rest.or === "throw") {
      throw new StackPaymentsError({ code: "USER_NOT_SIGNED_IN", message: "User is not signed in but useUser was called with { or: 'throw' }." });
    }
    if (rest.or === "redirect") {
      if (isServer) throw serverMiss("A signed-in user");
      let pending = redirects.get(app);
      if (!pending) {
        // getUser performs the redirect (window, router or Next); the component waits for the navigation.
        pending = (app.getUser({ or: "redirect" } as never) as Promise<unknown>).then(() => new Promise<never>(() => {}));
        redirects.set(app, pending);
      }
      if (suspense) throw pending;
      return { ...(result as QueryState<ReactUser | null>), status: "pending", data: undefined };
    }
  }
  return result;
}
