/**
 * What `StackClientApp` and `StackServerApp` have in common, written once: the project, the live
 * bus, the app's own session (sign-out, tokens, changes), the payments reads that differ only in
 * access type, the live event stream, and cancelling a subscription of the signed-in user.
 */
import { requireSession, type AppCore } from "../core/app-core.js";
import { NO_TOKENS } from "../core/http/build-request.js";
import type { LiveBus } from "../core/live/bus.js";
import { loadOnFirstUse } from "../core/load-on-first-use.js";
import type { CustomerInvoicesList, CustomerProductsList, ListOptions, SessionCancelOptions } from "../core/products.js";
import { loadProducts, type CustomerSelector } from "../core/customer.js";
import type { CustomerType } from "../core/schemas/common.js";
import type { CallOptions } from "../core/transport.js";

export type { SessionCancelOptions } from "../core/products.js";

/** Options of the app-level `listInvoices`: a user or a team (invoices belong to subscriptions). */
export type InvoicesOptions = ({ userId: string; teamId?: undefined } | { teamId: string; userId?: undefined }) & ListOptions;

/** Opening a live event stream, loaded with the live channel, its only user. */
const loadLiveEventStream = loadOnFirstUse(() => import("../core/live/open-live-event-stream.js"), "live event stream");

/** Signing in with a password and signing out, loaded on first use (see sign-in.ts). */
export const loadSignIn = loadOnFirstUse(() => import("../core/sign-in.js"), "sign-in and sign-out");

/**
 * The base of both app classes. Not exported from the package: construct `StackClientApp` or
 * `StackServerApp`.
 */
export abstract class StackAppBase {
  /** In-process live channel: every item/product value this app reads or changes is published here. */
  readonly live: LiveBus;
  readonly #core: AppCore;

  protected constructor(core: AppCore) {
    this.#core = core;
    this.live = core.live;
  }

  /** The project id in use. */
  get projectId(): string {
    return this.#core.projectId;
  }

  /** Handler and redirect URLs. */
  get urls() {
    return this.#core.urls;
  }

  /** Signs the app's own session out (server side too) and forgets its tokens. */
  async signOut(options?: CallOptions): Promise<void> {
    const session = requireSession(this.#core.session);
    return (await loadSignIn()).signOutSession(this.#core, session, options);
  }

  /** The current access token of the app's session (refreshed if needed), or null when nobody is signed in. */
  async getAccessToken(options?: CallOptions): Promise<string | null> {
    const session = this.#core.session;
    return session ? (await session.getTokens(options)).accessToken : null;
  }

  /** `{ "x-stack-auth": JSON }` for your own backend's `getUser({ tokenStore: request })`. */
  async getAuthHeaders(options?: CallOptions): Promise<{ "x-stack-auth": string }> {
    const { accessToken, refreshToken } = (await this.#core.session?.getTokens(options)) ?? NO_TOKENS;
    return { "x-stack-auth": JSON.stringify({ accessToken, refreshToken }) };
  }

  /** A customer's owned products (array with `nextCursor`); a server app sees server-only products too. */
  async listProducts(options: CustomerSelector & ListOptions, callOptions?: CallOptions): Promise<CustomerProductsList> {
    return (await loadProducts()).listCustomerPage("products", this.#core.appContext, options, callOptions);
  }

  /** A user's or team's invoices. */
  async listInvoices(options: InvoicesOptions, callOptions?: CallOptions): Promise<CustomerInvoicesList> {
    return (await loadProducts()).listCustomerPage("invoices", this.#core.appContext, options, callOptions);
  }

  /**
   * Opens the emulator's live event stream of a customer (`GET /payments/events/{type}/{id}`, an
   * emulator extension) with this app's credentials; the raw response, for the live channel.
   */
  async openLiveEventStream(customer: { type: CustomerType; id: string }, init: { lastEventId?: string | undefined; signal: AbortSignal }): Promise<Response> {
    return (await loadLiveEventStream()).openLiveEventStream(this.#core.appContext, customer, init);
  }

  /** A string that changes whenever the app's own session changes; use it to scope caches. */
  queryKeyScope(): string {
    const access = this.#core.appContext.accessType === "server" ? ":server" : "";
    return `${this.#core.projectId}${access}:${this.#core.session?.key ?? "no-session"}`;
  }

  /** Calls `listener` after sign-in, sign-out and lost sessions of the app's own session; returns the unsubscribe function. */
  onSessionChange(listener: () => void): () => void {
    return this.#core.session?.onChange(listener) ?? (() => {});
  }

  /**
   * Cancels the subscription(s) of a product for the signed-in user of the app's session, or for
   * `teamId` (client access, as the official SDK does). Throws `USER_AUTHENTICATION_REQUIRED`
   * when nobody is signed in and no team is given.
   */
  protected async cancelSessionSubscription(options: SessionCancelOptions, callOptions: CallOptions | undefined): Promise<void> {
    return (await loadProducts()).cancelSessionSubscription(this.#core, options, callOptions);
  }
}
