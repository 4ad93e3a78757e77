// The user's teams (read on the server), and a form that creates one with a server action.
import { redirect } from "next/navigation";
import { stackServerApp } from "@/stack/server";
import { hasSessionCookie } from "@/stack/session";
import { createTeam } from "../actions";

export default async function TeamsPage() {
  if (!(await hasSessionCookie())) redirect("/");
  const user = await stackServerApp.getUser({ or: "anonymous" });
  const teams = await user.listTeams();
  return (
    <>
      <h1>Teams</h1>
      <nav>
        <a href="/">Credits</a>
      </nav>
      <section>
        <h2>Your teams</h2>
        <ul data-testid="teams-list">
          {teams.length === 0 ? (
            <li className="muted">No teams yet.</li>
          ) : (
            teams.map((team) => (
              <li key={team.id}>
                <a href={`/teams/${team.id}`}>{team.displayName}</a>
              </li>
            ))
          )}
        </ul>
        <form action={createTeam}>
          <input name="displayName" placeholder="Team name" data-testid="team-name" defaultValue="Acme" />
          <button type="submit" data-testid="create-team">
            Create a team
          </button>
        </form>
      </section>
    </>
  );
}
