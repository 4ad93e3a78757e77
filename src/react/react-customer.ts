/**
 * The user and team objects the hooks hand out, made in `select` from the cached wire bodies: the
 * fields of the SDK's `CurrentUser` / `Team`, their methods, and hooks as methods (`user.useItem`,
 * `team.useProducts`, `user.useTeam`, ...). Methods that need the SDK object (`createCheckoutUrl`,
 * `listTeams`, ...) forward to the one the query read, or read it once when the body came from a
 * server render.
 */
import { useCallback } from "react";
import { attachCustomerRef, type Customer, type CustomerRef } from "../core/customer.js";
import { StackPaymentsError } from "../core/errors.js";
import type { Item } from "../core/item.js";
import { customerSelector } from "../core/live/read-topic.js";
import type { CustomerProductsList, ListOptions } from "../core/products.js";
import type { CallOptions } from "../core/transport.js";
import type { CurrentUser, Team } from "../core/users.js";
import { teamsQueryOptions, type QueryApp } from "./query-options.js";
import { useCustomerItem } from "./use-item.js";
import { useCustomerProducts } from "./use-products.js";
import { useQueryState, useSuspendingQuery, useSuspenseForm, type NoSuspense, type QueryState } from "./use-stack-query.js";
import { objectReadWith, type TeamWire, type UserWire } from "./cached-wire.js";

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

/** The data (non-function) keys of `T`. */
type DataOf<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: T[K] };

/**
 * What the hooks' users and teams are made as. A class and not an object literal: react-query's
 * structural sharing also runs over `select` results and would copy a plain object's enumerable keys
 * into a new one, dropping the non-enumerable `customerRef` and `app` that the SDK's customers carry.
 */
class HookCustomer {
  constructor(app: QueryApp, ref: CustomerRef, members: object) {
    Object.assign(this, members);
    attachCustomerRef(this, ref, app);
  }
}

type Method = (...args: unknown[]) => Promise<unknown>;

/** `names` of the object `full()` resolves to, as methods that wait for it and call it. */
function forwardTo<T extends object>(full: () => Promise<T>, names: ReadonlyArray<keyof T & string>): Partial<T> {
  return Object.fromEntries(
    names.map((name) => [name, async (...args: unknown[]) => ((await full())[name] as Method)(...args)]),
  ) as Partial<T>;
}

/** Calls `read` on first use and keeps its promise (dropped on failure, so a later call tries again). */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= read().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}

/** Methods and hooks every customer object gets. */
function customerMembers(app: QueryApp, ref: CustomerRef, full: () => Promise<Customer>): CustomerHooks & Partial<Customer> {
  const selector = customerSelector(ref.type, ref.id);
  return {
    // Reads by id need no SDK object: the app reads them directly.
    getItem: (itemId: string, callOptions?: CallOptions) => app.getItem({ itemId, ...selector }, callOptions) as Promise<Item>,
    listProducts: (options?: ListOptions, callOptions?: CallOptions) =>
      app.listProducts({ ...selector, ...options }, callOptions) as Promise<CustomerProductsList>,
    ...forwardTo(full, ["createCheckoutUrl", "listInvoices", "getBilling", "switchSubscription", "cancelSubscription"]),
    useItem: ((itemId: string, options?: NoSuspense) =>
      useCustomerItem(selector, itemId, useSuspenseForm(options, "useItem"))) as CustomerHooks["useItem"],
    useProducts: ((options?: ListOptions & { suspense?: boolean }) => {
      const suspense = useSuspenseForm(options, "useProducts");
      return useCustomerProducts(selector, { cursor: options?.cursor, limit: options?.limit }, suspense);
    }) as CustomerHooks["useProducts"],
  };
}

/** The hooks' team of `wire`, a team of the signed-in user `fullUser()`. */
export function createReactTeam(app: QueryApp, wire: TeamWire, fullUser: () => Promise<CurrentUser>): ReactTeam {
  const ref = { type: "team", id: wire.id } as const;
  const full = once(async () => {
    const team = objectReadWith<Team>(wire) ?? (await (await fullUser()).getTeam(wire.id));
    if (!team) throw new StackPaymentsError({ code: "TEAM_NOT_FOUND", message: `Team ${wire.id} not found.` });
    return team;
  });
  const fields: DataOf<Omit<Team, "customerRef">> = {
    id: wire.id,
    displayName: wire.display_name,
    profileImageUrl: wire.profile_image_url,
    clientMetadata: wire.client_metadata,
    clientReadOnlyMetadata: wire.client_read_only_metadata,
  };
  return new HookCustomer(app, ref, { ...fields, ...customerMembers(app, ref, full) }) as ReactTeam;
}

/** The hooks' signed-in user of `wire`. */
export function createReactUser(app: QueryApp, wire: UserWire): ReactUser {
  const ref = { type: "user", id: wire.id } as const;
  const full = once(async () => {
    const kept = objectReadWith<CurrentUser>(wire);
    if (kept) return kept;
    // The cached user may be anonymous (e.g. prefetched on the server): accept that user, but never
    // sign up a new one here.
    const user = (await app.getUser({ or: "anonymous-if-exists[deprecated]", includeRestricted: true })) as CurrentUser | null;
    if (!user || user.id !== wire.id) {
      throw new StackPaymentsError({ code: "USER_NOT_SIGNED_IN", message: `User ${wire.id} is no longer signed in.` });
    }
    return user;
  });
  const fields: DataOf<Omit<ReactUser, "customerRef">> = {
    id: wire.id,
    displayName: wire.display_name,
    primaryEmail: wire.primary_email,
    primaryEmailVerified: wire.primary_email_verified,
    profileImageUrl: wire.profile_image_url,
    signedUpAt: new Date(wire.signed_up_at_millis),
    clientMetadata: wire.client_metadata,
    clientReadOnlyMetadata: wire.client_read_only_metadata,
    hasPassword: wire.has_password,
    isAnonymous: wire.is_anonymous,
    isRestricted: wire.is_restricted,
    restrictedReason: wire.restricted_reason,
    selectedTeamId: wire.selected_team_id,
    selectedTeam: wire.selected_team && createReactTeam(app, wire.selected_team, full),
  };
  const useTeams = (options?: NoSuspense) => useTeamsOf(app, wire.id, full, undefined, useSuspenseForm(options, "useTeams"));
  const useTeam = (teamId: string, options?: NoSuspense) => useTeamsOf(app, wire.id, full, teamId, useSuspenseForm(options, "useTeam"));
  return new HookCustomer(app, ref, {
    ...fields,
    ...customerMembers(app, ref, full),
    ...forwardTo(full, ["listTeams", "getTeam", "createTeam", "signOut"]),
    useTeams,
    useTeam,
  }) as ReactUser;
}

/** The user's teams, or the one of them with `teamId` (null if not a member), in the form asked for. */
function useTeamsOf(
  app: QueryApp,
  userId: string,
  fullUser: () => Promise<CurrentUser>,
  teamId: string | undefined,
  suspense: boolean,
): ReactTeam[] | ReactTeam | null | QueryState<ReactTeam[] | ReactTeam | null> {
  const options = teamsQueryOptions(app, { id: userId, listTeams: async () => (await fullUser()).listTeams() });
  const select = useCallback(
    (wires: TeamWire[]) => {
      if (teamId === undefined) return wires.map((w) => createReactTeam(app, w, fullUser));
      const wire = wires.find((w) => w.id === teamId);
      return wire ? createReactTeam(app, wire, fullUser) : null;
    },
    [app, fullUser, teamId],
  );
  return suspense ? useSuspendingQuery(options, select, "The team list") : useQueryState(options, select);
}
