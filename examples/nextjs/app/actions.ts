"use server";
import { redirect } from "next/navigation";
import { stackServerApp } from "@/stack/server";
import { hasSessionCookie } from "@/stack/session";

/** What the spend action reports back to the page. */
export type SpendResult = { ok: true; remaining: number } | { ok: false; error: string };

/**
 * Spends credits for the signed-in user (the seed's consumeCredits, as a server action). The user
 * comes from the request's cookies; the balance on the page updates live through the event stream.
 */
export async function spendCredits(amount: number): Promise<SpendResult> {
  if (!Number.isInteger(amount) || amount <= 0) return { ok: false, error: `amount must be a positive integer, got ${amount}` };
  if (!(await hasSessionCookie())) return { ok: false, error: "Not signed in" };
  // This example's users are anonymous, which getUser returns only with `or: "anonymous"`.
  const user = await stackServerApp.getUser({ or: "anonymous" });
  const credits = await user.getItem("credits");
  // tryDecreaseQuantity is atomic and race-condition-safe
  const success = await credits.tryDecreaseQuantity(amount);
  if (!success) return { ok: false, error: "Insufficient credits" };
  return { ok: true, remaining: (await user.getItem("credits")).quantity };
}

/** Creates a team for the signed-in user (server side: client team creation is off by default). */
export async function createTeam(formData: FormData): Promise<void> {
  if (!(await hasSessionCookie())) redirect("/");
  const user = await stackServerApp.getUser({ or: "anonymous" });
  const name = String(formData.get("displayName") ?? "").trim() || "My team";
  const team = await user.createTeam({ displayName: name });
  redirect(`/teams/${team.id}`);
}
