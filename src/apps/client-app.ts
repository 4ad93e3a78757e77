/**
 * `StackClientApp`: the browser-safe app. Acts for the signed-in user with client access; never
 * holds a secret key.
 */
import {
  createAppCore,
  refuseSecretKey,
  requireSession,
  resolveUser,
  type AppCore,
  type GetUserOptions,
  type Result,
  type StackClientAppOptions,
} from "../core/app-core.js";
import { customerRefFrom, requireId, type CustomerSelector } from "../core/api-context.js";
import type { CredentialOptions } from "../core/sign-in.js";
import { fetchItem, toItem, type Item } from "../core/item.js";
import { clientUserShape } from "../core/wire-shapes.js";
import type { CallOptions } from "../core/transport.js";
import { createCurrentUser, type CurrentUser } from "../core/users.js";
import { StackAppBase, loadSignIn, type SessionCancelOptions } from "./stack-app-base.js";

export type { CredentialOptions } from "../core/sign-in.js";

/**
 * The client app (official `@stackframe/js` names).
 *
 * @example
 * const app = new StackClientApp({ projectId, publishableClientKey, tokenStore: "cookie" });
 * const user = await app.getUser({ or: "redirect" });
 * const credits = await user.getItem("credits");
 */
export class StackClientApp extends StackAppBase {
  /** Which kind of app this is, for code that handles both (e.g. the React layer). */
  readonly kind = "client" as const;
  readonly #core: AppCore;

  constructor(options: StackClientAppOptions = {}) {
    refuseSecretKey(options);
    const core = createAppCore(options, "client");
    super(core);
    this.#core = core;
  }

  /** The signed-in user, per `or` when there is none. */
  getUser(options: GetUserOptions & { or: "redirect" | "throw" | "anonymous" }): Promise<CurrentUser>;
  getUser(options?: GetUserOptions): Promise<CurrentUser | null>;
  async getUser(options: GetUserOptions = {}): Promise<CurrentUser | null> {
    const session = requireSession(this.#core.sessionFor(options.tokenStore));
    const wire = await resolveUser(this.#core, session, "client", clientUserShape, options);
    return wire && createCurrentUser({ app: this, client: this.#core.contextFor(session, "client"), signOut: async (c) => (await loadSignIn()).signOutSession(this.#core, session, c) }, wire);
  }

  /** Signs in with email and password; known credential errors come back as `{ status: "error" }`. */
  signInWithCredential(options: CredentialOptions): Promise<Result<undefined>> {
    return this.#credential("sign-in", options, this.#core.urls.afterSignIn);
  }

  /** Signs up with email and password (upgrading an anonymous session in place). */
  signUpWithCredential(options: CredentialOptions): Promise<Result<undefined>> {
    return this.#credential("sign-up", options, this.#core.urls.afterSignUp);
  }

  async #credential(kind: "sign-in" | "sign-up", options: CredentialOptions, after: string): Promise<Result<undefined>> {
    // Loaded on first use: most pages never sign anyone in with a password.
    return (await loadSignIn()).signInWithPassword(this.#core, kind, options, after);
  }

  /** A customer's item, by `{ itemId, userId | teamId | customCustomerId }`. */
  async getItem(options: { itemId: string } & CustomerSelector, callOptions?: CallOptions): Promise<Item> {
    const ref = customerRefFrom(options);
    const itemId = requireId("itemId", options.itemId);
    return toItem(await fetchItem(this.#core.clientContext, ref, itemId, callOptions));
  }

  /**
   * Cancels the subscription(s) of a product for the signed-in user, or for `teamId`. Throws
   * `USER_AUTHENTICATION_REQUIRED` when nobody is signed in.
   */
  cancelSubscription(options: SessionCancelOptions, callOptions?: CallOptions): Promise<void> {
    return this.cancelSessionSubscription(options, callOptions);
  }
}
