"use client";
import { useUser, type ReactTeam } from "stack-payments/react";

/** The seed's TeamPurchaseButton ("Next.js Client" tab), with a return to this page. */
function TeamPurchaseButton({ teamId, productId }: { teamId: string; productId: string }) {
  const user = useUser({ or: "anonymous" });
  const team = user.useTeam(teamId);

  const handlePurchase = async () => {
    if (!team) return;

    const checkoutUrl = await team.createCheckoutUrl({
      productId,
      returnUrl: window.location.href,
    });

    window.location.href = checkoutUrl;
  };

  return (
    <button onClick={handlePurchase} disabled={!team} data-testid={`buy-${productId}`}>
      Purchase for Team
    </button>
  );
}

/** The team's seats, live. */
export function TeamSeats({ teamId }: { teamId: string }) {
  const user = useUser({ or: "anonymous" });
  const team = user.useTeam(teamId);
  if (!team) return <p>Team not found</p>;
  return <Seats team={team} />;
}

function Seats({ team }: { team: ReactTeam }) {
  const seats = team.useItem("seats");
  return (
    <section>
      <h2>{seats.displayName}</h2>
      <div className="balance" data-testid="seats-balance">
        {seats.nonNegativeQuantity}
      </div>
      <TeamPurchaseButton teamId={team.id} productId="prod_team_seats" />
    </section>
  );
}
