import { cookies } from "next/headers";

/**
 * Whether the request carries a Stack session cookie. The page signs visitors up anonymously in the
 * browser (where the cookies can be written); until then the server has no user to read.
 */
export async function hasSessionCookie(): Promise<boolean> {
  return (await cookies()).getAll().some((cookie) => /^(__Host-)?(hexclave|stack)-refresh/.test(cookie.name));
}
