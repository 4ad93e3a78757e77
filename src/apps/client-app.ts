/**
 * `StackClientApp`: the browser-safe app. Acts for the signed-in user with client access; never
 * holds a secret key.
 */
import {
  createAppCore,
  fetchMe,
  redirectTo,
  refuseSecretKey,
  requireSession,
  resolveUser,
  signOutSession,
  type AppCore,
  type GetUserOptions,
  type Result,
  type StackClientAppOptions,
} from "../core/app-core.js";
import { customerRefFrom, requireCustomerType, requireId, type CustomerSelector } from "../core/customer.js";
import { isStackPaymentsError, StackPaymentsError } from "../core/errors.js";
import { fetchItem, toItem, type Item } from "../core/item.js";
import type { LiveBus } from "../core/live/bus.js";
import { cancelSubscription, listInvoices, listProducts, type CustomerInvoicesList, type CustomerProductsList, type ListOptions } from "../core/products.js";
import { clientUserShape, signInResponseShape } from "../core/wire-shapes.js";
import { segment, type CallOptions } from "../core/transport.js";
import type { CustomerType } from "../core/schemas/common.js";
import { createCurrentUser, type CurrentUser } from "../core/users.js";

/** Options of `signInWithCredential` / `signUpWithCredential`. */
export interface CredentialOptions extends CallOptions {
  email: string;
  password: string;
  /** Do not navigate to `afterSignIn` / `afterSignUp`. */
  noRedirect?: boolean | undefined;
}

const CREDENTIAL_ERRORS = ["EMAIL_PASSWORD_MISMATCH", "USER_EMAIL_ALREADY_EXISTS", "PASSWORD_TOO_SHORT", "PASSWORD_TOO_LONG", "PASSWORD_REQUIREMENTS_NOT_MET"];

/**
 * The client app (official `@stackframe/js` names).
 *
 * @example
 * const app = new StackClientApp({ projectId, publishableClientKey, tokenStore: "cookie" });
 * const user = await app.getUser({ or: "redirect" });
 * const credits = await user.getItem("credits");
 */
export class StackClientApp {
  /** Which kind of app this is, for code that handles both (e.g. the React layer). */
  readonly kind = "client" as const;
  /** In-process live channel: every item/product value this app reads or changes is published here. */
  readonly live: LiveBus;
  readonly #core: AppCore;

  constructor(options: StackClientAppOptions = {}) {
    refuseSecretKey(options);
    this.#core = createAppCore(options, "client");
    this.live = this.#core.live;
  }

  /** The project id in use. */
  get projectId(): string {
    return this.#core.projectId;
  }

  /** Handler and redirect URLs. */
  get urls() {
    return this.#core.urls;
  }

  /** The signed-in user, per `or` when there is none. */
  getUser(options: GetUserOptions & { or: "redirect" | "throw" | "anonymous" }): Promise<CurrentUser>;
  getUser(options?: GetUserOptions): Promise<CurrentUser | null>;
  async getUser(options: GetUserOptions = {}): Promise<CurrentUser | null> {
    const session = requireSession(this.#core.sessionFor(options.tokenStore));
    const wire = await resolveUser(this.#core, session, "client", clientUserShape, options);
    return wire && createCurrentUser({ app: this, client: this.#core.contextFor(session, "client"), signOut: (c) => signOutSession(this.#core, session, c) }, wire);
  }

  /** Signs in with email and password; known credential errors come back as `{ status: "error" }`. */
  signInWithCredential(options: CredentialOptions): Promise<Result<undefined>> {
    return this.#credential("/auth/password/sign-in", options, this.#core.urls.afterSignIn);
  }

  /** Signs up with email and password (upgrading an anonymous session in place). */
  signUpWithCredential(options: CredentialOptions): Promise<Result<undefined>> {
    return this.#credential("/auth/password/sign-up", options, this.#core.urls.afterSignUp);
  }

  async #credential(path: string, options: CredentialOptions, after: string): Promise<Result<undefined>> {
    const session = requireSession(this.#core.session);
    const email = requireId("email", options?.email);
    const password = requireId("password", options.password);
    try {
      const tokens = await this.#core.transport.request({
        method: "POST",
        path,
        body: { email, password },
        accessType: "client",
        // Sign-up with an anonymous session upgrades that user in place.
        session: path.endsWith("sign-up") ? session : null,
        schema: signInResponseShape,
        options,
      });
      await session.set({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
    } catch (error) {
      if (isStackPaymentsError(error) && CREDENTIAL_ERRORS.includes(error.code)) return { status: "error", error };
      throw error;
    }
    if (!options.noRedirect && this.#core.redirectMethod !== "none") await redirectTo(this.#core, after, "Signed in");
    return { status: "ok", data: undefined };
  }

  /** Signs the current session out (server side too) and forgets its tokens. */
  signOut(options?: CallOptions): Promise<void> {
    return signOutSession(this.#core, requireSession(this.#core.session), options);
  }

  /** The current access token (refreshed if needed), or null when nobody is signed in. */
  async getAccessToken(options?: CallOptions): Promise<string | null> {
    const session = this.#core.session;
    return session ? (await session.getTokens(options)).accessToken : null;
  }

  /** `{ "x-stack-auth": JSON }` for your own backend's `getUser({ tokenStore: request })`. */
  async getAuthHeaders(options?: CallOptions): Promise<{ "x-stack-auth": string }> {
    const session = this.#core.session;
    const tokens = session ? await session.getTokens(options) : { accessToken: null, refreshToken: null };
    return { "x-stack-auth": JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }) };
  }

  /** A customer's item, by `{ itemId, userId | teamId | customCustomerId }`. */
  async getItem(options: { itemId: string } & CustomerSelector, callOptions?: CallOptions): Promise<Item> {
    const ref = customerRefFrom(options);
    const itemId = requireId("itemId", options.itemId);
    return toItem(await fetchItem(this.#core.clientContext, ref, itemId, callOptions));
  }

  /** A customer's owned products (array with `nextCursor`). */
  async listProducts(options: CustomerSelector & ListOptions, callOptions?: CallOptions): Promise<CustomerProductsList> {
    return listProducts(this.#core.clientContext, customerRefFrom(options), { cursor: options.cursor, limit: options.limit }, callOptions);
  }

  /** A user's or team's invoices. */
  async listInvoices(options: ({ userId: string; teamId?: undefined } | { teamId: string; userId?: undefined }) & ListOptions, callOptions?: CallOptions): Promise<CustomerInvoicesList> {
    return listInvoices(this.#core.clientContext, customerRefFrom(options), { cursor: options.cursor, limit: options.limit }, callOptions);
  }

  /**
   * Cancels the subscription(s) of a product for the signed-in user, or for `teamId`. Throws
   * `USER_AUTHENTICATION_REQUIRED` when nobody is signed in.
   */
  async cancelSubscription(options: { productId: string; subscriptionId?: string; teamId?: string }, callOptions?: CallOptions): Promise<void> {
    const session = requireSession(this.#core.session);
    let ref;
    if (options?.teamId !== undefined) ref = { type: "team", id: requireId("teamId", options.teamId) } as const;
    else {
      const user = await fetchMe(this.#core, session, "client", clientUserShape, callOptions);
      if (!user) {
        throw new StackPaymentsError({ code: "USER_AUTHENTICATION_REQUIRED", status: 401, message: "User authentication required for this endpoint." });
      }
      ref = { type: "user", id: user.id } as const;
    }
    await cancelSubscription(this.#core.clientContext, ref, options, callOptions);
  }

  /**
   * Opens the emulator's live event stream of a customer (`GET /payments/events/{type}/{id}`, an
   * emulator extension) with this app's credentials; the raw response, for the live channel.
   */
  openLiveEventStream(customer: { type: CustomerType; id: string }, init: { lastEventId?: string | undefined; signal: AbortSignal }): Promise<Response> {
    return this.#core.clientContext.transport.openStream(
      {
        path: `/payments/events/${segment(requireCustomerType(customer.type))}/${segment(requireId("customerId", customer.id))}`,
        query: { last_event_id: init.lastEventId },
        accessType: this.#core.clientContext.accessType,
        session: this.#core.clientContext.session,
      },
      init.signal,
    );
  }

  /** A string that changes whenever the signed-in session changes; use it to scope caches. */
  queryKeyScope(): string {
    return `${this.#core.projectId}:${this.#core.session?.key ?? "no-session"}`;
  }

  /** Calls `listener` after sign-in, sign-out and lost sessions; returns the unsubscribe function. */
  onSessionChange(listener: () => void): () => void {
    return this.#core.session?.onChange(listener) ?? (() => {});
  }
}
