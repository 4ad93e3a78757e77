// The seed's "Next.js Server" team purchase page. Differences: Next 15 passes `params` as a promise
// (the seed was written for Next 14's plain object), the user is anonymous, and the checkout returns
// to the team's page.
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { stackServerApp } from "@/stack/server";
import { hasSessionCookie } from "@/stack/session";

export default async function TeamPurchasePage({ params }: { params: Promise<{ teamId: string }> }) {
  const { teamId } = await params;
  // The seed has `{ or: "redirect" }`; this example has no sign-in page but anonymous users, signed
  // up on the home page (and read with `or: "anonymous"`), so visitors without a session go there.
  if (!(await hasSessionCookie())) redirect("/");
  const user = await stackServerApp.getUser({ or: "anonymous" });
  const team = await user.getTeam(teamId);

  if (!team) {
    return <div data-testid="team-not-found">Team not found</div>;
  }

  const host = (await headers()).get("host");
  const checkoutUrl = await team.createCheckoutUrl({
    productId: "prod_team_seats",
    returnUrl: `http://${host}/teams/${teamId}`,
  });

  return (
    <section>
      <h1>{team.displayName}</h1>
      <a className="button" href={checkoutUrl} data-testid="buy-prod_team_seats">
        Purchase Additional Seats
      </a>
    </section>
  );
}
