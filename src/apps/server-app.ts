/**
 * `StackServerApp`: the app for your server. Holds the secret server key and acts on any customer
 * (server items, grants, inline products, custom customers). Refuses to run in a browser.
 */
import {
  createAppCore,
  refuseBrowser,
  requireSession,
  resolveUser,
  type AppCore,
  type GetUserOptions,
  type StackClientAppOptions,
} from "../core/app-core.js";
import { apiPath, customerRefFrom, requireId, requireOptions, requireText, type CustomerSelector } from "../core/api-context.js";
import { readSecretServerKeyEnv } from "../core/env.js";
import { isStackPaymentsError, invalidArgument } from "../core/errors.js";
import { createServerItem, fetchItem, type ServerItem } from "../core/item.js";
import { createCheckoutUrl, grantProduct, type GrantProductOptions, type ServerCheckoutOptions } from "../core/checkout.js";
import { loadProducts } from "../core/customer.js";
import { serverTeamShape, serverUserShape } from "../core/wire-shapes.js";
import type { CallOptions } from "../core/transport.js";
import { createServerTeam, createServerUser, type ServerTeam, type ServerUser, type UserHost } from "../core/users.js";
import { StackAppBase, loadSignIn, type SessionCancelOptions } from "./stack-app-base.js";

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
export class StackServerApp extends StackAppBase {
  /** Which kind of app this is, for code that handles both (e.g. the React layer). */
  readonly kind = "server" as const;
  readonly #core: AppCore;

  constructor(options: StackServerAppOptions = {}) {
    refuseBrowser();
    const core = createAppCore({ ...options, secretServerKey: options.secretServerKey ?? readSecretServerKeyEnv() }, "server");
    super(core);
    this.#core = core;
  }

  #host(): UserHost {
    return { app: this, client: this.#core.clientContext, server: this.#core.appContext };
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
        const wire = await this.#core.appContext.call({ method: "GET", path: apiPath`/users/${userId}`, schema: serverUserShape, options: callOptions });
        return createServerUser(this.#host(), wire);
      } catch (error) {
        if (isStackPaymentsError(error, "USER_NOT_FOUND")) return null;
        throw error;
      }
    }
    const options = arg;
    const session = requireSession(this.#core.sessionFor(options.tokenStore));
    const wire = await resolveUser(this.#core, session, "server", serverUserShape, options);
    return wire && createServerUser({ ...this.#host(), signOut: async (c) => (await loadSignIn()).signOutSession(this.#core, session, c) }, wire);
  }

  /** Creates a user (`POST /users`); every option may be left out, the whole argument too. */
  async createUser(options: CreateUserOptions = {}, callOptions?: CallOptions): Promise<ServerUser> {
    requireOptions(options, "an object of user fields");
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      const wireKey = USER_FIELDS[key];
      if (!wireKey) throw invalidArgument(key, "unknown createUser option");
      if (value !== undefined) body[wireKey] = value;
    }
    const wire = await this.#core.appContext.call({ method: "POST", path: apiPath`/users`, body, schema: serverUserShape, options: callOptions });
    return createServerUser(this.#host(), wire);
  }

  /** A team by id (`GET /teams/{id}`), or null if there is none. */
  async getTeam(teamId: string, callOptions?: CallOptions): Promise<ServerTeam | null> {
    const id = requireId("teamId", teamId);
    try {
      const wire = await this.#core.appContext.call({ method: "GET", path: apiPath`/teams/${id}`, schema: serverTeamShape, options: callOptions });
      return createServerTeam(this.#host(), wire);
    } catch (error) {
      if (isStackPaymentsError(error, "TEAM_NOT_FOUND")) return null;
      throw error;
    }
  }

  /** Creates a team (`POST /teams`); with `creatorUserId` that user becomes its admin. */
  async createTeam(options: { displayName: string; profileImageUrl?: string | null; creatorUserId?: string }, callOptions?: CallOptions): Promise<ServerTeam> {
    requireOptions(options, "{ displayName }");
    const body: Record<string, unknown> = { display_name: requireText("displayName", options.displayName) };
    if (options.profileImageUrl !== undefined) body.profile_image_url = options.profileImageUrl;
    if (options.creatorUserId !== undefined) body.creator_user_id = requireId("creatorUserId", options.creatorUserId);
    const wire = await this.#core.appContext.call({ method: "POST", path: apiPath`/teams`, body, schema: serverTeamShape, options: callOptions });
    return createServerTeam(this.#host(), wire);
  }

  /** A customer's item with server access; the object can change the quantity (one request per change). */
  async getItem(options: { itemId: string } & CustomerSelector, callOptions?: CallOptions): Promise<ServerItem> {
    const ref = customerRefFrom(options);
    const itemId = requireId("itemId", options.itemId);
    return createServerItem(this.#core.appContext, ref, itemId, await fetchItem(this.#core.appContext, ref, itemId, callOptions));
  }

  /** Grants a product (configured id or inline definition) to any customer, custom ones included. */
  async grantProduct(options: CustomerSelector & GrantProductOptions, callOptions?: CallOptions): Promise<void> {
    const ref = customerRefFrom(options);
    const { productId, product, quantity } = options as { productId?: string; product?: unknown; quantity?: number };
    return grantProduct(this.#core.appContext, ref, { productId, product, quantity } as GrantProductOptions, callOptions);
  }

  /** A hosted-checkout URL for any customer, custom ones included. */
  async createCheckoutUrl(options: CustomerSelector & ServerCheckoutOptions, callOptions?: CallOptions): Promise<string> {
    const ref = customerRefFrom(options);
    const { productId, product, returnUrl } = options as { productId?: string; product?: unknown; returnUrl?: string };
    return createCheckoutUrl(this.#core.appContext, ref, { productId, product, returnUrl } as ServerCheckoutOptions, callOptions);
  }

  /**
   * Cancels the subscription(s) of a product. With `userId`, `teamId` or `customCustomerId`, for
   * that customer with server access; with none of them, for the signed-in user of the app's
   * session, as `StackClientApp.cancelSubscription` (and the official SDK's server app) does.
   */
  async cancelSubscription(options: (CustomerSelector & { productId: string; subscriptionId?: string }) | SessionCancelOptions, callOptions?: CallOptions): Promise<void> {
    const o = requireOptions(options as { userId?: unknown; teamId?: unknown; customCustomerId?: unknown }, "{ productId, subscriptionId?, userId | teamId | customCustomerId }");
    if (o.userId === undefined && o.teamId === undefined && o.customCustomerId === undefined) {
      return this.cancelSessionSubscription(options as SessionCancelOptions, callOptions);
    }
    const ref = customerRefFrom(options);
    return (await loadProducts()).cancelSubscription(this.#core.appContext, ref, options as { productId: string; subscriptionId?: string }, callOptions);
  }
}
