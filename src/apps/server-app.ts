/**
 * `StackServerApp`: the app for your server. Holds the secret server key and acts on any customer
 * (server items, grants, inline products, custom customers). Refuses to run in a browser.
 */
import {
  createAppCore,
  refuseBrowser,
  requireSession,
  resolveUser,
  signOutSession,
  type AppCore,
  type GetUserOptions,
  type StackClientAppOptions,
} from "../core/app-core.js";
import {
  customerRefFrom,
  requireCustomerType,
  requireId,
  type CustomerSelector,
  type GrantProductOptions,
  type PaymentsContext,
  type ServerCheckoutOptions,
} from "../core/customer.js";
import { isStackPaymentsError, invalidArgument } from "../core/errors.js";
import { createServerItem, fetchItem, type ServerItem } from "../core/item.js";
import type { LiveBus } from "../core/live/bus.js";
import {
  cancelSubscription,
  createCheckoutUrl,
  grantProduct,
  listInvoices,
  listProducts,
  type CustomerInvoicesList,
  type CustomerProductsList,
  type ListOptions,
} from "../core/products.js";
import { serverTeamShape, serverUserShape } from "../core/wire-shapes.js";
import type { CallOptions } from "../core/transport.js";
import type { CustomerType } from "../core/schemas/common.js";
import { segment } from "../core/transport.js";
import { createServerTeam, createServerUser, type ServerTeam, type ServerUser, type UserHost } from "../core/users.js";

/** Constructor options of `StackServerApp`: the client options plus the secret server key. */
export interface StackServerAppOptions extends StackClientAppOptions {
  /** Default: `HEXCLAVE_SECRET_SERVER_KEY`, `STACK_SECRET_SERVER_KEY`. */
  secretServerKey?: string | undefined;
}

/** Options of `createUser` (official names; only the fields set are sent). */
export interface CreateUserOptions {
  primaryEmail?: string | null;
  primaryEmailVerified?: boolean;
  primaryEmailAuthEnabled?: boolean;
  password?: string | null;
  displayName?: string | null;
  otpAuthEnabled?: boolean;
  clientMetadata?: unknown;
  clientReadOnlyMetadata?: unknown;
  serverMetadata?: unknown;
  countryCode?: string | null;
  /** Creates an anonymous user (emulator and hosted API both accept it). */
  isAnonymous?: boolean;
}

const USER_FIELDS: Record<string, string> = {
  primaryEmail: "primary_email",
  primaryEmailVerified: "primary_email_verified",
  primaryEmailAuthEnabled: "primary_email_auth_enabled",
  password: "password",
  displayName: "display_name",
  otpAuthEnabled: "otp_auth_enabled",
  clientMetadata: "client_metadata",
  clientReadOnlyMetadata: "client_read_only_metadata",
  serverMetadata: "server_metadata",
  countryCode: "country_code",
  isAnonymous: "is_anonymous",
};

/**
 * The server app (official `@stackframe/js` names).
 *
 * @example
 * const app = new StackServerApp({ projectId, secretServerKey, tokenStore: "nextjs-cookie" });
 * const user = await app.getUser("4b0e...");
 * const credits = await user?.getItem("credits");
 * if (!(await credits?.tryDecreaseQuantity(5))) throw new Error("Insufficient credits");
 */
export class StackServerApp {
  /** Which kind of app this is, for code that handles both (e.g. the React layer). */
  readonly kind = "server" as const;
  /** In-process live channel: every item/product value this app reads or changes is published here. */
  readonly live: LiveBus;
  readonly #core: AppCore;
  readonly #server: PaymentsContext;

  constructor(options: StackServerAppOptions = {}) {
    refuseBrowser();
    this.#core = createAppCore(options, "server");
    this.live = this.#core.live;
    this.#server = this.#core.contextFor(null, "server");
  }

  /** The project id in use. */
  get projectId(): string {
    return this.#core.projectId;
  }

  get urls() {
    return this.#core.urls;
  }

  #host(): UserHost {
    return { app: this, client: this.#core.clientContext, server: this.#server };
  }

  /** A user by id (`GET /users/{id}`), or null if there is none. */
  getUser(userId: string, callOptions?: CallOptions): Promise<ServerUser | null>;
  /** The user of the app's token store or of `tokenStore` (e.g. the incoming request), per `or`. */
  getUser(options: GetUserOptions & { or: "redirect" | "throw" | "anonymous" }): Promise<ServerUser>;
  getUser(options?: GetUserOptions): Promise<ServerUser | null>;
  async getUser(arg: string | GetUserOptions = {}, callOptions?: CallOptions): Promise<ServerUser | null> {
    if (typeof arg === "string" || arg === null || typeof arg !== "object") {
      const userId = requireId("userId", arg);
      try {
        const wire = await this.#core.transport.request({
          method: "GET",
          path: `/users/${segment(userId)}`,
          accessType: "server",
          schema: serverUserShape,
          options: callOptions,
        });
        return createServerUser(this.#host(), wire);
      } catch (error) {
        if (isStackPaymentsError(error, "USER_NOT_FOUND")) return null;
        throw error;
      }
    }
    const options = arg;
    const session = requireSession(this.#core.sessionFor(options.tokenStore));
    const wire = await resolveUser(this.#core, session, "server", serverUserShape, options);
    return wire && createServerUser({ ...this.#host(), signOut: (c) => signOutSession(this.#core, session, c) }, wire);
  }

  /** Signs the app's own session out (server side too) and forgets its tokens, as the client app does. */
  signOut(options?: CallOptions): Promise<void> {
    return signOutSession(this.#core, requireSession(this.#core.session), options);
  }

  /** Creates a user (`POST /users`). */
  async createUser(options: CreateUserOptions = {}, callOptions?: CallOptions): Promise<ServerUser> {
    if (typeof options !== "object" || options === null) throw invalidArgument("options", "expected an object");
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      const wireKey = USER_FIELDS[key];
      if (!wireKey) throw invalidArgument(key, "unknown createUser option");
      if (value !== undefined) body[wireKey] = value;
    }
    const wire = await this.#core.transport.request({ method: "POST", path: "/users", body, accessType: "server", schema: serverUserShape, options: callOptions });
    return createServerUser(this.#host(), wire);
  }

  /** A team by id (`GET /teams/{id}`), or null if there is none. */
  async getTeam(teamId: string, callOptions?: CallOptions): Promise<ServerTeam | null> {
    requireId("teamId", teamId);
    try {
      const wire = await this.#core.transport.request({
        method: "GET",
        path: `/teams/${segment(teamId)}`,
        accessType: "server",
        schema: serverTeamShape,
        options: callOptions,
      });
      return createServerTeam(this.#host(), wire);
    } catch (error) {
      if (isStackPaymentsError(error, "TEAM_NOT_FOUND")) return null;
      throw error;
    }
  }

  /** Creates a team (`POST /teams`); with `creatorUserId` that user becomes its admin. */
  async createTeam(options: { displayName: string; profileImageUrl?: string | null; creatorUserId?: string }, callOptions?: CallOptions): Promise<ServerTeam> {
    if (typeof options !== "object" || options === null) throw invalidArgument("options", "expected { displayName }");
    const body: Record<string, unknown> = { display_name: requireId("displayName", options.displayName) };
    if (options.profileImageUrl !== undefined) body.profile_image_url = options.profileImageUrl;
    if (options.creatorUserId !== undefined) body.creator_user_id = requireId("creatorUserId", options.creatorUserId);
    const wire = await this.#core.transport.request({ method: "POST", path: "/teams", body, accessType: "server", schema: serverTeamShape, options: callOptions });
    return createServerTeam(this.#host(), wire);
  }

  /** A customer's item with server access; the object can change the quantity. */
  async getItem(options: { itemId: string } & CustomerSelector, callOptions?: CallOptions): Promise<ServerItem> {
    const ref = customerRefFrom(options);
    const itemId = requireId("itemId", options.itemId);
    return createServerItem(this.#server, ref, itemId, await fetchItem(this.#server, ref, itemId, callOptions));
  }

  /** A customer's owned products with server access (server-only products included). */
  async listProducts(options: CustomerSelector & ListOptions, callOptions?: CallOptions): Promise<CustomerProductsList> {
    return listProducts(this.#server, customerRefFrom(options), { cursor: options.cursor, limit: options.limit }, callOptions);
  }

  /** A user's or team's invoices (server access). */
  async listInvoices(options: ({ userId: string; teamId?: undefined } | { teamId: string; userId?: undefined }) & ListOptions, callOptions?: CallOptions): Promise<CustomerInvoicesList> {
    return listInvoices(this.#server, customerRefFrom(options), { cursor: options.cursor, limit: options.limit }, callOptions);
  }

  /** Grants a product (configured id or inline definition) to any customer, custom ones included. */
  async grantProduct(options: CustomerSelector & GrantProductOptions, callOptions?: CallOptions): Promise<void> {
    const ref = customerRefFrom(options);
    const { productId, product, quantity } = options as { productId?: string; product?: unknown; quantity?: number };
    return grantProduct(this.#server, ref, { productId, product, quantity } as GrantProductOptions, callOptions);
  }

  /** A hosted-checkout URL for any customer, custom ones included. */
  async createCheckoutUrl(options: CustomerSelector & ServerCheckoutOptions, callOptions?: CallOptions): Promise<string> {
    const ref = customerRefFrom(options);
    const { productId, product, returnUrl } = options as { productId?: string; product?: unknown; returnUrl?: string };
    return createCheckoutUrl(this.#server, ref, { productId, product, returnUrl } as ServerCheckoutOptions, callOptions);
  }

  /** Cancels a customer's subscription(s) of a product. */
  async cancelSubscription(options: CustomerSelector & { productId: string; subscriptionId?: string }, callOptions?: CallOptions): Promise<void> {
    return cancelSubscription(this.#server, customerRefFrom(options), options, callOptions);
  }

  /**
   * Opens the emulator's live event stream of a customer (`GET /payments/events/{type}/{id}`, an
   * emulator extension) with this app's credentials; the raw response, for the live channel.
   */
  openLiveEventStream(customer: { type: CustomerType; id: string }, init: { lastEventId?: string | undefined; signal: AbortSignal }): Promise<Response> {
    return this.#server.transport.openStream(
      {
        path: `/payments/events/${segment(requireCustomerType(customer.type))}/${segment(requireId("customerId", customer.id))}`,
        query: { last_event_id: init.lastEventId },
        accessType: this.#server.accessType,
        session: this.#server.session,
      },
      init.signal,
    );
  }

  /** A string that changes whenever the app's own session changes; use it to scope caches. */
  queryKeyScope(): string {
    return `${this.#core.projectId}:server:${this.#core.session?.key ?? "no-session"}`;
  }

  /** Calls `listener` after the app's own session changes; returns the unsubscribe function. */
  onSessionChange(listener: () => void): () => void {
    return this.#core.session?.onChange(listener) ?? (() => {});
  }
}
