/**
 * Anonymous sign-up (`getUser({ or: "anonymous" })` with nobody signed in), loaded on first use:
 * most pages never create an anonymous user, so their first download leaves this out.
 */
import { apiPath, type ApiContext } from "./api-context.js";
import type { Session } from "./session.js";
import type { CallOptions } from "./transport.js";
import { signInResponseShape } from "./wire-shapes.js";

/** Signs up an anonymous user with `ctx` (client access, no session) and stores the tokens in `session`. */
export async function signUpAnonymously(ctx: ApiContext, session: Session, callOptions: CallOptions | undefined): Promise<void> {
  const tokens = await ctx.call({
    method: "POST",
    path: apiPath`/auth/anonymous/sign-up`,
    schema: signInResponseShape,
    options: callOptions,
  });
  await session.set({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
}
