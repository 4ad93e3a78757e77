/**
 * `StackClientApp`: the browser-safe app. Acts for the signed-in user with client access; never
 * holds a secret key.
 */
import {
  createAppCore,
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
import { apiPath, customerRefFrom, requireId, requireText, type CustomerSelector } from "../core/api-context.js";
import { isStackPaymentsError } from "../core/errors.js";
import { fetchItem, toItem, type Item } from "../core/item.js";
import { clientUserShape, signInResponseShape } from "../core/wire-shapes.js";
import type { CallOptions } from "../core/transport.js";
import { createCurrentUser, type CurrentUser } from "../core/users.js";
import { StackAppBase, type SessionCancelOptions } from "./stack-app-base.js";

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
    return wire && createCurrentUser({ app: this, client: this.#core.contextFor(session, "client"), signOut: (c) => signOutSession(this.#core, session, c) }, wire);
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
    const session = requireSession(this.#core.session);
    const email = requireText("email", options?.email);
    const password = requireText("password", options.password);
    try {
      // Sign-up with an anonymous session upgrades that user in place; sign-in starts afresh.
      const tokens = await this.#core.contextFor(kind === "sign-up" ? session : null, "client").call({
        method: "POST",
        path: kind === "sign-up" ? apiPath`/auth/password/sign-up` : apiPath`/auth/password/sign-in`,
        body: { email, password },
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
