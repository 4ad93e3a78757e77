// One team: its seats (prefetched on the server, live in the browser) and the seed's two ways to buy
// more: a client button (`team.createCheckoutUrl`) and the server-rendered purchase page.
import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import { redirect } from "next/navigation";
import { itemQueryOptions, teamsQueryOptions, userQueryOptions } from "stack-payments/server";
import { stackServerApp } from "@/stack/server";
import { hasSessionCookie } from "@/stack/session";
import { TeamSeats } from "./team-seats";

export default async function TeamPage({ params }: { params: Promise<{ teamId: string }> }) {
  const { teamId } = await params;
  if (!(await hasSessionCookie())) redirect("/");
  const user = await stackServerApp.getUser({ or: "anonymous" });
  const team = await user.getTeam(teamId);
  if (!team) return <div data-testid="team-not-found">Team not found</div>;

  const queryClient = new QueryClient();
  await Promise.all([
    queryClient.prefetchQuery(userQueryOptions(stackServerApp, { or: "anonymous" })),
    queryClient.prefetchQuery(teamsQueryOptions(stackServerApp, user)),
    queryClient.prefetchQuery(itemQueryOptions(stackServerApp, { itemId: "seats", teamId })),
  ]);

  return (
    <>
      <h1 data-testid="team-name">{team.displayName}</h1>
      <nav>
        <a href="/">Credits</a>
        <a href="/teams">Teams</a>
      </nav>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <TeamSeats teamId={teamId} />
      </HydrationBoundary>
      <section>
        <h2>Buy on a server-rendered page</h2>
        <a href={`/teams/${teamId}/purchase`} data-testid="team-purchase-page">
          Go to the team purchase page
        </a>
      </section>
    </>
  );
}
