/**
 * Signing in with a password (`StackClientApp.signInWithCredential` / `signUpWithCredential`) and
 * signing out, loaded on first use: a page that shows a balance and starts a checkout needs
 * neither.
 */
import { apiPath, requireText } from "./api-context.js";
import { redirectTo, requireSession, type AppCore, type Result } from "./app-core.js";
import type { Session } from "./session.js";
import { isStackPaymentsError } from "./errors.js";
import type { CallOptions } from "./transport.js";
import { signInResponseShape, successResponseShape } from "./wire-shapes.js";

/** Options of `signInWithCredential` / `signUpWithCredential`. */
export interface CredentialOptions extends CallOptions {
  email: string;
  password: string;
  /** Do not navigate to `afterSignIn` / `afterSignUp`. */
  noRedirect?: boolean | undefined;
}

const CREDENTIAL_ERRORS = ["EMAIL_PASSWORD_MISMATCH", "USER_EMAIL_ALREADY_EXISTS", "PASSWORD_TOO_SHORT", "PASSWORD_TOO_LONG", "PASSWORD_REQUIREMENTS_NOT_MET"];

/**
 * Signs in (or up: an anonymous session is upgraded in place) with email and password into the
 * app's session, then navigates to `after` unless told not to. Known credential errors come back
 * as `{ status: "error" }`.
 */
export async function signInWithPassword(core: AppCore, kind: "sign-in" | "sign-up", options: CredentialOptions, after: string): Promise<Result<undefined>> {
  const session = requireSession(core.session);
  const email = requireText("email", options?.email);
  const password = requireText("password", options.password);
  try {
    // Sign-up with an anonymous session upgrades that user in place; sign-in starts afresh.
    const tokens = await core.contextFor(kind === "sign-up" ? session : null, "client").call({
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
  if (!options.noRedirect && core.redirectMethod !== "none") await redirectTo(core, after, "Signed in");
  return { status: "ok", data: undefined };
}

/**
 * Signs `session` out: `DELETE /auth/sessions/current` (body `{}`) when a usable
 * access token exists after any refresh, ignoring "already gone" answers, then forgets the tokens.
 */
export async function signOutSession(core: AppCore, session: Session, options: CallOptions | undefined): Promise<void> {
  if ((await session.getTokens(options)).accessToken) {
    try {
      await core.contextFor(session, "client").call({ method: "DELETE", path: apiPath`/auth/sessions/current`, body: {}, schema: successResponseShape, options });
    } catch (error) {
      // Already gone on the server: signing out locally is all that is left to do.
      if (!isStackPaymentsError(error, "REFRESH_TOKEN_ERROR") && !isStackPaymentsError(error, "INVALID_ACCESS_TOKEN")) throw error;
    }
  }
  await session.set({ accessToken: null, refreshToken: null });
}
